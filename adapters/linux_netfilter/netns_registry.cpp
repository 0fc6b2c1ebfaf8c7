#include "adapters/linux_netfilter/netns_registry.h"

#include <sys/mount.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace ctc::linux_netfilter {
namespace {

constexpr size_t kSlots = 64;
constexpr size_t kNameMax = 64;

// Plain storage a signal handler may read: a slot's name is written before
// `used` becomes true and cleared only after it becomes false.
struct Slot {
  std::atomic<bool> used{false};
  char name[kNameMax] = {};
};
std::array<Slot, kSlots> g_slots;
std::mutex g_registry_mutex;  // writers only; the handler reads without it

struct sigaction g_previous_int {};
struct sigaction g_previous_term {};

void remove_all_registered() {
  for (Slot& s : g_slots) {
    if (s.used.exchange(false)) remove_netns_mount(s.name);
  }
}

void on_signal(int sig, siginfo_t* info, void* context) {
  remove_all_registered();
  const struct sigaction& previous = sig == SIGINT ? g_previous_int : g_previous_term;
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
    previous.sa_sigaction(sig, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN && previous.sa_handler) {
    previous.sa_handler(sig);
    return;
  }
  if (previous.sa_handler == SIG_IGN) return;
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_once() {
  struct sigaction action {};
  action.sa_sigaction = on_signal;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &g_previous_int);
  ::sigaction(SIGTERM, &action, &g_previous_term);
  std::atexit(remove_all_registered);
}

// Appends `text` to buf at *len without overflowing (async-signal-safe).
void append(char* buf, size_t size, size_t* len, const char* text) {
  while (*text && *len + 1 < size) buf[(*len)++] = *text++;
  buf[*len] = '\0';
}

}  // namespace

void install_netns_cleanup() {
  static std::once_flag once;
  std::call_once(once, install_once);
}

bool register_netns(const std::string& name) {
  if (name.size() >= kNameMax) return false;
  std::lock_guard lock(g_registry_mutex);
  for (Slot& s : g_slots) {
    if (s.used.load()) continue;
    std::memset(s.name, 0, kNameMax);
    std::memcpy(s.name, name.data(), name.size());
    s.used.store(true);
    return true;
  }
  return false;
}

void unregister_netns(const std::string& name) {
  std::lock_guard lock(g_registry_mutex);
  for (Slot& s : g_slots) {
    if (s.used.load() && name == s.name) s.used.store(false);
  }
}

std::vector<std::string> registered_netns() {
  std::lock_guard lock(g_registry_mutex);
  std::vector<std::string> out;
  for (const Slot& s : g_slots) {
    if (s.used.load()) out.emplace_back(s.name);
  }
  return out;
}

bool remove_netns_mount(const char* name) {
  char path[128];
  size_t len = 0;
  path[0] = '\0';
  append(path, sizeof path, &len, kNetnsRunDir);
  append(path, sizeof path, &len, "/");
  append(path, sizeof path, &len, name);
  const bool unmounted = ::umount2(path, MNT_DETACH) == 0;
  const bool unlinked = ::unlink(path) == 0;
  return unmounted || unlinked;
}

}  // namespace ctc::linux_netfilter
