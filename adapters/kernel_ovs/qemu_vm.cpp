#include "adapters/kernel_ovs/qemu_vm.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/kernel_ovs/agent_protocol.h"

namespace ctc::kernel_ovs {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Live qemu processes, for the signal handler: a fixed array of atomics,
// which a handler may read, with the process that started each (a forked
// child inherits the array but must not kill its parent's VMs).
constexpr size_t kMaxVms = 64;
std::array<std::atomic<pid_t>, kMaxVms> g_vm_pids{};
std::array<std::atomic<pid_t>, kMaxVms> g_vm_owners{};
// Per slot, what the handler removes after the kill: the files of the VM's
// directory, then the directory (unlink and rmdir are async-signal-safe).
constexpr size_t kPathMax = 160;
char g_vm_paths[kMaxVms][4][kPathMax] = {};
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};

extern "C" void kill_vms_on_signal(int sig) {
  const pid_t self = ::getpid();
  for (size_t i = 0; i < kMaxVms; ++i) {
    const pid_t pid = g_vm_pids[i].load();
    if (pid <= 0 || g_vm_owners[i].load() != self) continue;
    ::kill(pid, SIGKILL);
    for (int k = 0; k < 3; ++k) ::unlink(g_vm_paths[i][k]);
    ::rmdir(g_vm_paths[i][3]);
  }
  ::sigaction(sig, sig == SIGINT ? &g_previous_int : &g_previous_term, nullptr);
  ::raise(sig);
}

void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = kill_vms_on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &g_previous_int);
    ::sigaction(SIGTERM, &action, &g_previous_term);
  });
}

void register_pid(pid_t pid, const std::vector<std::string>& files, const std::string& dir) {
  for (size_t i = 0; i < kMaxVms; ++i) {
    pid_t expected = 0;
    if (!g_vm_pids[i].compare_exchange_strong(expected, pid)) continue;
    for (size_t k = 0; k < 3; ++k) {
      std::snprintf(g_vm_paths[i][k], kPathMax, "%s", k < files.size() ? files[k].c_str() : "");
    }
    std::snprintf(g_vm_paths[i][3], kPathMax, "%s", dir.c_str());
    g_vm_owners[i].store(::getpid());
    return;
  }
}

void unregister_pid(pid_t pid) {
  for (auto& slot : g_vm_pids) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// qemu gets SIGKILL when the thread that started it ends, whatever ends it:
// a SIGKILL of this process (a test timeout) runs no handler, and a hung guest
// would not see the channel close. Callers start VMs from a thread that
// outlives them (ctconform and the tests: the main thread).
struct DieWithParent : bp::extend::handler {
  pid_t parent = ::getpid();
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent ended before prctl
  }
};

std::string read_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

}  // namespace

std::string default_image_dir() {
  if (const char* dir = std::getenv("CTCONFORM_KERNEL_OVS_IMAGE"); dir && *dir) return dir;
  std::string cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    cache = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    cache = std::string(home) + "/.cache";
  } else {
    cache = "/root/.cache";
  }
  return cache + "/ctconform/kernel-ovs/current";
}

std::string VmImage::kernel() const {
  std::error_code ec;
  const std::string elf = dir + "/vmlinux";
  return fs::is_regular_file(elf, ec) ? elf : dir + "/vmlinuz";
}

Result<VmImage> find_image(const std::string& dir) {
  VmImage image{dir};
  std::error_code ec;
  for (const std::string& file : {dir + "/vmlinuz", image.initrd()}) {
    if (!fs::is_regular_file(file, ec)) {
      return Error{ErrorCode::kNotFound,
                   "kernel-ovs: no VM image at " + dir + " (" + file +
                       " is missing): run scripts/kernel-ovs-image.sh to build it"};
    }
  }
  return image;
}

Result<std::string> find_qemu() {
  const auto path = bp::search_path("qemu-system-x86_64");
  if (path.empty()) {
    return Error{ErrorCode::kNotFound,
                 "kernel-ovs: qemu-system-x86_64 is not installed (apt-get install "
                 "qemu-system-x86, or run scripts/kernel-ovs-image.sh)"};
  }
  return path.string();
}

struct QemuVm::Impl {
  std::string dir;  // private temporary directory: socket and console log
  bp::child child;
  pid_t pid = 0;
  int fd = -1;
  std::string buffer;  // bytes read after the last complete line

  std::string socket_path() const { return dir + "/agent.sock"; }
  std::string console_path() const { return dir + "/console.log"; }
  std::string qemu_log_path() const { return dir + "/qemu.log"; }

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (pid > 0) {
      std::error_code ec;
      if (child.running(ec)) child.terminate(ec);
      if (child.valid()) child.wait(ec);
      unregister_pid(pid);
    }
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

QemuVm::QemuVm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

QemuVm::~QemuVm() { stop(); }

Result<std::unique_ptr<QemuVm>> QemuVm::boot(const VmOptions& options) {
  install_signal_handlers();
  auto impl = std::make_unique<Impl>();
  char dir_template[] = "/tmp/ctc-kernel-ovs.XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) {
    return io_error(std::string("kernel-ovs: mkdtemp: ") + std::strerror(errno));
  }
  impl->dir = dir_template;
  // One CPU: the barrier relies on one upcall handler (agent_protocol.h).
  const std::vector<std::string> args = {
      "-accel",
      "tcg,thread=multi",
      "-cpu",
      "max",
      "-m",
      std::to_string(options.memory_mb),
      "-smp",
      "1",
      "-display",
      "none",
      "-vga",
      "none",
      "-no-reboot",
      "-nic",
      "none",
      "-kernel",
      options.image.kernel(),
      "-initrd",
      options.image.initrd(),
      "-append",
      "console=ttyS0 quiet panic=-1",
      "-serial",
      "file:" + impl->console_path(),
      "-monitor",
      "none",
      "-device",
      "virtio-serial-pci",
      "-chardev",
      "socket,id=ctc,path=" + impl->socket_path() + ",server=on,wait=on",
      "-device",
      "virtserialport,chardev=ctc,name=ctc"};
  const auto started = Clock::now();
  std::error_code ec;
  impl->child =
      bp::child(bp::exe = options.qemu, bp::args = args,
                bp::std_in<bp::null, (bp::std_out & bp::std_err)> impl->qemu_log_path(),
                DieWithParent{}, ec);
  if (ec) return internal_error("kernel-ovs: cannot start " + options.qemu + ": " + ec.message());
  impl->pid = impl->child.id();
  register_pid(impl->pid, {impl->socket_path(), impl->console_path(), impl->qemu_log_path()},
               impl->dir);

  // qemu creates the listening socket before it waits for us.
  const auto deadline = started + options.boot_timeout;
  for (;;) {
    if (!impl->child.running(ec)) {
      return internal_error("kernel-ovs: qemu exited at start: " +
                            read_tail(impl->qemu_log_path(), 2000));
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, impl->socket_path().c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      impl->fd = fd;
      break;
    }
    ::close(fd);
    if (Clock::now() > deadline)
      return Error{ErrorCode::kTimeout, "kernel-ovs: qemu never listened"};
    std::this_thread::sleep_for(milliseconds(20));
  }

  std::unique_ptr<QemuVm> vm(new QemuVm(std::move(impl)));
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  auto line = vm->read_line(left);
  if (!line.ok()) {
    return Error{line.error().code, "kernel-ovs: the VM did not boot: " + line.error().message +
                                        "\nconsole tail:\n" + vm->console_tail()};
  }
  auto words = decode_line(*line);
  if (!words.ok() || words->empty() || (*words)[0] != "READY" || words->size() < 4) {
    const std::string reason =
        words.ok() && words->size() >= 2 && (*words)[0] == "FAILED" ? (*words)[1] : *line;
    return internal_error("kernel-ovs: the agent could not start: " + reason + "\nconsole tail:\n" +
                          vm->console_tail());
  }
  vm->boot_info_.agent_version = (*words)[1];
  vm->boot_info_.kernel_release = (*words)[2];
  vm->boot_info_.guest_uptime = milliseconds(std::atol((*words)[3].c_str()));
  vm->boot_info_.wall = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return vm;
}

int QemuVm::pid() const { return impl_ ? impl_->pid : 0; }

bool QemuVm::running() const {
  std::error_code ec;
  return impl_ && impl_->fd >= 0 && impl_->child.running(ec);
}

Result<std::string> QemuVm::read_line(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (const size_t eol = impl_->buffer.find('\n'); eol != std::string::npos) {
      std::string line = impl_->buffer.substr(0, eol);
      impl_->buffer.erase(0, eol + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left < 0) return Error{ErrorCode::kTimeout, "no answer from the agent"};
    pollfd p{impl_->fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long>(left, 200)) + 1);
    if (rc < 0 && errno != EINTR) return io_error(std::string("poll: ") + std::strerror(errno));
    if (rc <= 0) {
      std::error_code ec;
      if (!impl_->child.running(ec)) return internal_error("qemu exited");
      continue;
    }
    char chunk[65536];
    const ssize_t n = ::read(impl_->fd, chunk, sizeof chunk);
    if (n == 0) return internal_error("the agent closed the channel");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return io_error(std::string("read: ") + std::strerror(errno));
    }
    impl_->buffer.append(chunk, static_cast<size_t>(n));
  }
}

Result<std::vector<std::string>> QemuVm::call(const std::vector<std::string>& request,
                                              milliseconds timeout) {
  if (!impl_ || impl_->fd < 0) return internal_error("kernel-ovs: the VM is not running");
  const std::string line = encode_line(request) + "\n";
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::send(impl_->fd, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return io_error(std::string("kernel-ovs: send to the agent: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  auto reply_line = read_line(timeout);
  if (!reply_line.ok()) {
    return Error{reply_line.error().code,
                 "kernel-ovs: " + request[0] + ": " + reply_line.error().message};
  }
  auto words = decode_line(*reply_line);
  if (!words.ok()) return internal_error("kernel-ovs: bad reply: " + words.error().message);
  if (words->empty()) return internal_error("kernel-ovs: empty reply to " + request[0]);
  if ((*words)[0] == "ERR") {
    return internal_error("kernel-ovs: agent: " + (words->size() > 1 ? (*words)[1] : ""));
  }
  if ((*words)[0] != "OK")
    return internal_error("kernel-ovs: unexpected reply '" + *reply_line + "'");
  return words;
}

void QemuVm::stop() {
  if (!impl_) return;
  if (impl_->fd >= 0) {
    (void)call({"QUIT"}, milliseconds(2000));
    ::close(impl_->fd);
    impl_->fd = -1;
    std::error_code ec;
    const auto deadline = Clock::now() + milliseconds(3000);
    while (impl_->child.running(ec) && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  impl_.reset();  // kills qemu if still running, removes the directory
}

std::string QemuVm::console_tail() const {
  return impl_ ? read_tail(impl_->console_path(), 3000) : std::string();
}

}  // namespace ctc::kernel_ovs
