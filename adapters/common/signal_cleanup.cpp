#include "adapters/common/signal_cleanup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace ctc {
namespace {

// Plain atomics and fixed buffers: the handler may only use what is
// async-signal-safe (kill, waitpid, open, getdents64, unlinkat, rmdir,
// sigaction, raise).
constexpr int kSlots = 64;

struct Slot {
  std::atomic<bool> used{false};
  std::array<std::atomic<pid_t>, kCleanupPidsPerSlot> pids{};
  char dir[512] = {};
};

Slot g_slots[kSlots];
std::mutex g_slots_mutex;
struct sigaction g_previous_int, g_previous_term;

void remove_flat_dir_signal_safe(const char* dir) {
  const int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buf[4096];
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
        uint16_t reclen;
        std::memcpy(&reclen, buf + off + 16, sizeof reclen);
        const char* name = buf + off + 19;
        if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) ::unlinkat(fd, name, 0);
        off += reclen;
      }
    }
    ::close(fd);
  }
  ::rmdir(dir);
}

extern "C" void kill_children_and_reraise(int sig) {
  for (Slot& slot : g_slots) {
    if (!slot.used.load()) continue;
    for (auto& pid : slot.pids) {
      const pid_t p = pid.exchange(0);  // never signalled twice (pids are reused)
      if (p > 0) {
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
      }
    }
    remove_flat_dir_signal_safe(slot.dir);
    // The slot stays taken until its owner unregisters, in case the
    // previous disposition lets the process live on.
  }
  ::sigaction(sig, sig == SIGINT ? &g_previous_int : &g_previous_term, nullptr);
  ::raise(sig);  // delivered with the previous disposition once we return
}

void install_handlers_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = kill_children_and_reraise;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &g_previous_int);
    ::sigaction(SIGTERM, &sa, &g_previous_term);
  });
}

}  // namespace

int register_cleanup_dir(const std::string& dir) {
  install_handlers_once();
  std::lock_guard lock(g_slots_mutex);
  for (int i = 0; i < kSlots; ++i) {
    Slot& slot = g_slots[i];
    if (slot.used.load()) continue;
    for (auto& pid : slot.pids) pid.store(0);
    std::snprintf(slot.dir, sizeof slot.dir, "%s", dir.c_str());
    slot.used.store(true);
    return i;
  }
  return -1;
}

void register_cleanup_pid(int slot, int index, pid_t pid) {
  if (slot < 0 || index < 0 || index >= kCleanupPidsPerSlot) return;
  g_slots[slot].pids[static_cast<size_t>(index)].store(pid);
}

void unregister_cleanup_dir(int slot) {
  if (slot < 0) return;
  std::lock_guard lock(g_slots_mutex);
  for (auto& pid : g_slots[slot].pids) pid.store(0);
  g_slots[slot].used.store(false);
}

}  // namespace ctc
