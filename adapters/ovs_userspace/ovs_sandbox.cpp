#include "adapters/ovs_userspace/ovs_sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/process.hpp>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "adapters/common/signal_cleanup.h"

namespace ctc {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

// ---- Helpers ----

std::string find_program(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = ::getenv("PATH")) {
    std::istringstream in(path);
    for (std::string d; std::getline(in, d, ':');) {
      if (!d.empty()) dirs.push_back(d);
    }
  }
  for (const char* d : {"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"}) {
    dirs.emplace_back(d);
  }
  for (const std::string& d : dirs) {
    const std::string candidate = d + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string last_lines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t n = 0; n < lines && pos > 0; ++n) {
    const size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return pos == 0 ? text : text.substr(pos + 1);
}

bool can_connect(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// SIGKILL, then a blocking wait. Not bp::child::terminate(): in Boost 1.74 it
// reaps with WNOHANG right after the kill, usually too early, and marks the
// child as finished so that wait() does not reap it either: a zombie.
// All killed first, so that they die in parallel.
void kill_and_reap(std::initializer_list<bp::child*> children) {
  std::error_code ec;
  for (bp::child* c : children) {
    if (c->valid() && c->running(ec)) ::kill(c->id(), SIGKILL);
  }
  for (bp::child* c : children) {
    if (c->valid()) c->wait(ec);
  }
}

// Sleeps a little longer each time: tools finish in a few ms, daemons in tens.
class Backoff {
 public:
  void wait() {
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us_));
    delay_us_ = std::min(delay_us_ * 2, 5000);
  }

 private:
  int delay_us_ = 50;
};

}  // namespace

Result<OvsBinaries> find_ovs_binaries() {
  OvsBinaries b{.ovsdb_tool = find_program("ovsdb-tool"),
                .ovsdb_server = find_program("ovsdb-server"),
                .ovs_vswitchd = find_program("ovs-vswitchd"),
                .ovs_vsctl = find_program("ovs-vsctl"),
                .ovs_ofctl = find_program("ovs-ofctl"),
                .schema = {}};
  for (const char* s : {"/usr/share/openvswitch/vswitch.ovsschema",
                        "/usr/local/share/openvswitch/vswitch.ovsschema"}) {
    if (::access(s, R_OK) == 0) {
      b.schema = s;
      break;
    }
  }
  std::string missing;
  const std::pair<const std::string*, const char*> needed[] = {
      {&b.ovsdb_tool, "ovsdb-tool"},     {&b.ovsdb_server, "ovsdb-server"},
      {&b.ovs_vswitchd, "ovs-vswitchd"}, {&b.ovs_vsctl, "ovs-vsctl"},
      {&b.ovs_ofctl, "ovs-ofctl"},       {&b.schema, "vswitch.ovsschema"}};
  for (const auto& [value, name] : needed) {
    if (value->empty()) missing += std::string(missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty()) {
    return Error{ErrorCode::kNotFound, "ovs-userspace: Open vSwitch is not installed (missing " +
                                           missing +
                                           "; on Debian: apt-get install openvswitch-switch)"};
  }
  return b;
}

struct OvsSandbox::Daemons {
  bp::environment env{boost::this_process::environment()};
  bp::child ovsdb_server;
  bp::child vswitchd;
};

OvsSandbox::OvsSandbox(OvsBinaries binaries, std::string dir)
    : binaries_(std::move(binaries)), dir_(std::move(dir)) {}

OvsSandbox::~OvsSandbox() { stop(); }

Result<std::unique_ptr<OvsSandbox>> OvsSandbox::start(const OvsBinaries& binaries,
                                                      std::chrono::milliseconds step_timeout) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ctconform-ovs-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return io_error("ovs-userspace: mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  std::unique_ptr<OvsSandbox> sandbox(new OvsSandbox(binaries, tmpl));
  sandbox->registry_slot_ = register_cleanup_dir(sandbox->dir_);
  if (auto st = sandbox->start_daemons(step_timeout); !st.ok()) {
    Error e = st.error();
    const std::string tail = sandbox->vswitchd_log_tail();
    if (!tail.empty()) e.message += "\novs-vswitchd.log tail:\n" + tail;
    return e;  // the destructor stops what did start
  }
  return sandbox;
}

Status OvsSandbox::start_daemons(std::chrono::milliseconds step_timeout) {
  daemons_ = std::make_unique<Daemons>();
  for (const char* var : {"OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR"}) {
    daemons_->env[var] = dir_;
  }
  const std::string db = path("conf.db");
  if (auto r = run_tool(binaries_.ovsdb_tool, {"create", db, binaries_.schema}, step_timeout);
      !r.ok()) {
    return r.error();
  }
  std::error_code ec;
  daemons_->ovsdb_server = bp::child(
      binaries_.ovsdb_server,
      bp::args({db, "--remote=punix:" + path("db.sock"), "--unixctl=" + path("ovsdb-server.ctl"),
                "--pidfile=" + path("ovsdb-server.pid"), "--log-file=" + path("ovsdb-server.log")}),
      daemons_->env, bp::std_in<bp::null, bp::std_out> path("ovsdb-server.stdout"),
      bp::std_err > path("ovsdb-server.stderr"), ec);
  if (ec) return io_error("ovs-userspace: cannot start ovsdb-server: " + ec.message());
  register_cleanup_pid(registry_slot_, 0, daemons_->ovsdb_server.id());
  if (auto st = wait_for_socket(path("db.sock"), "ovsdb-server", step_timeout); !st.ok()) return st;
  if (auto r = vsctl({"--no-wait", "init"}, step_timeout); !r.ok()) return r.error();

  daemons_->vswitchd = bp::child(
      binaries_.ovs_vswitchd,
      bp::args({"--enable-dummy", "--disable-system", "--disable-system-route",
                "--unixctl=" + path("ovs-vswitchd.ctl"), "--pidfile=" + path("ovs-vswitchd.pid"),
                "--log-file=" + path("ovs-vswitchd.log"), "unix:" + path("db.sock")}),
      daemons_->env, bp::std_in<bp::null, bp::std_out> path("ovs-vswitchd.stdout"),
      bp::std_err > path("ovs-vswitchd.stderr"), ec);
  if (ec) return io_error("ovs-userspace: cannot start ovs-vswitchd: " + ec.message());
  register_cleanup_pid(registry_slot_, 1, daemons_->vswitchd.id());

  if (auto r = vsctl({"--", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy",
                      "fail-mode=secure", "protocols=OpenFlow10,OpenFlow13,OpenFlow15"},
                     step_timeout);
      !r.ok()) {
    return r.error();
  }
  const auto deadline = Clock::now() + step_timeout;
  for (Backoff backoff;; backoff.wait()) {
    if (control_.connect(path("ovs-vswitchd.ctl")).ok()) break;
    if (!vswitchd_running()) return internal_error("ovs-userspace: ovs-vswitchd exited at start");
    if (Clock::now() > deadline) {
      return Error{ErrorCode::kTimeout,
                   "ovs-userspace: ovs-vswitchd control socket never appeared"};
    }
  }
  return ok_status();
}

Status OvsSandbox::wait_for_socket(const std::string& socket, const std::string& what,
                                   std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (Backoff backoff;; backoff.wait()) {
    if (can_connect(socket)) return ok_status();
    if (Clock::now() > deadline) {
      return Error{ErrorCode::kTimeout,
                   "ovs-userspace: " + what + " did not open " + socket +
                       " in time; stderr: " + read_file(path("ovsdb-server.stderr"))};
    }
  }
}

void OvsSandbox::stop() {
  control_.close();
  if (daemons_) {
    std::error_code ec;
    // SIGKILL at once: nothing in the sandbox needs to survive, and the
    // directory goes away with it.
    kill_and_reap({&daemons_->vswitchd, &daemons_->ovsdb_server});
    daemons_.reset();
  }
  unregister_cleanup_dir(registry_slot_);
  registry_slot_ = -1;
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  ports_.clear();
}

bool OvsSandbox::vswitchd_running() {
  if (!daemons_ || !daemons_->vswitchd.valid()) return false;
  std::error_code ec;
  return daemons_->vswitchd.running(ec) && !ec;
}

Result<std::string> OvsSandbox::run_tool(const std::string& exe,
                                         const std::vector<std::string>& args,
                                         std::chrono::milliseconds timeout) {
  const std::string out = path("tool.stdout"), err = path("tool.stderr");
  std::error_code ec;
  bp::child child(exe, bp::args(args), daemons_->env, bp::std_in<bp::null, bp::std_out> out,
                  bp::std_err > err, ec);
  if (ec) return io_error("ovs-userspace: cannot run " + exe + ": " + ec.message());
  const auto deadline = Clock::now() + timeout;
  for (Backoff backoff; child.running(ec); backoff.wait()) {
    if (Clock::now() > deadline) {
      kill_and_reap({&child});
      return Error{ErrorCode::kTimeout, "ovs-userspace: " + exe + " did not finish in time"};
    }
  }
  child.wait(ec);
  std::string command = std::filesystem::path(exe).filename().string();
  for (const std::string& a : args) command += " " + a;
  if (child.exit_code() != 0) {
    return internal_error("ovs-userspace: `" + command + "` failed (exit " +
                          std::to_string(child.exit_code()) + "): " + read_file(err));
  }
  return read_file(out);
}

Result<std::string> OvsSandbox::vsctl(const std::vector<std::string>& args,
                                      std::chrono::milliseconds timeout) {
  std::vector<std::string> full = {
      "--db=unix:" + path("db.sock"),
      "--timeout=" + std::to_string(std::max<int64_t>(1, timeout.count() / 1000))};
  full.insert(full.end(), args.begin(), args.end());
  return run_tool(binaries_.ovs_vsctl, full, timeout);
}

Result<std::string> OvsSandbox::ofctl(const std::vector<std::string>& args,
                                      std::chrono::milliseconds timeout) {
  return run_tool(binaries_.ovs_ofctl, args, timeout);
}

Status OvsSandbox::ensure_ports(const std::vector<SandboxPort>& ports,
                                std::chrono::milliseconds timeout) {
  std::vector<std::string> args;
  for (const SandboxPort& p : ports) {
    if (ports_.contains(p.name)) continue;
    // A dummy port drops every frame longer than its MTU plus the Ethernet
    // header on output (lib/netdev-dummy.c netdev_dummy_send(), EMSGSIZE;
    // default MTU 1500), which would lose IPv6 segments with a full
    // 1460-byte payload, and their probe copies. The datapath itself does
    // not look at the MTU, so the largest MTU a dummy port takes
    // (DUMMY_MAX_MTU) lets every frame the scenario makes through.
    for (const std::string& a :
         {std::string("--"), std::string("add-port"), std::string("br0"), p.name, std::string("--"),
          std::string("set"), std::string("interface"), p.name, std::string("type=dummy"),
          "ofport_request=" + std::to_string(p.ofport), std::string("mtu_request=65535"),
          "options:pstream=punix:" + port_socket(p.name)}) {
      args.push_back(a);
    }
  }
  if (args.empty()) return ok_status();
  if (auto r = vsctl(args, timeout); !r.ok()) return r.error();
  for (const SandboxPort& p : ports) ports_.insert(p.name);
  return ok_status();
}

std::string OvsSandbox::vswitchd_log_tail(size_t lines) const {
  if (dir_.empty()) return {};
  std::string text = read_file(path("ovs-vswitchd.log"));
  const std::string err = read_file(path("ovs-vswitchd.stderr"));
  if (!err.empty()) text += "\n[stderr]\n" + err;
  return last_lines(text, lines);
}

}  // namespace ctc
