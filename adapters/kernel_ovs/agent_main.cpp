// ctc-agent: the kernel-ovs adapter's agent, run by /init inside the VM that
// scripts/kernel-ovs-image.sh builds. It loads openvswitch.ko and its
// dependencies, starts ovsdb-server and ovs-vswitchd on the system
// (kernel) datapath, keeps one veth pair per OpenFlow port (pN on the bridge,
// qN held by the agent through an AF_PACKET socket) and serves the line
// protocol of agent_protocol.h on the virtio-serial port.
//
// A static binary with no dependency on the host: it only uses the program
// files the image ships (ip, ovs-*).
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/kernel_ovs/agent_protocol.h"
#include "adapters/ovs_userspace/ovs_probe.h"


namespace ctc::kernel_ovs {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kRunDir = "/run/ovs";
constexpr const char* kBridge = "br0";
constexpr auto kRoundTimeout = milliseconds(5000);

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

long uptime_ms() {
  double seconds = 0;
  std::istringstream(read_file("/proc/uptime")) >> seconds;
  return static_cast<long>(seconds * 1000);
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Starts argv[0] (searched in PATH) with stdin from /dev/null, stdout to
// `out` (opened with `flags`) and stderr to `err`, or to stdout when `err` is
// empty. fork + exec rather than posix_spawn: glibc's posix_spawn clones with
// CLONE_VM, which Linux refuses (EINVAL, kernel/fork.c copy_process) once this
// process has unshared a time namespace for its children
// (clock_ahead_for_children() below). An exec failure comes back through a
// close-on-exec pipe, so it reads as the error it is.
Result<pid_t> start_program(const std::vector<std::string>& argv, const std::string& out,
                            int flags, const std::string& err) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return io_error(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(report[0]);
    ::close(report[1]);
    return io_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
    const int e =
        err.empty() ? o : ::open(err.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
    if (in >= 0 && o >= 0 && e >= 0 && ::dup2(in, 0) == 0 && ::dup2(o, 1) == 1 &&
        ::dup2(e, 2) == 2) {
      ::execvp(args[0], args.data());
    }
    const int error = errno;
    if (::write(report[1], &error, sizeof error) < 0) ::_exit(126);
    ::_exit(127);
  }
  ::close(report[1]);
  int error = 0;
  ssize_t n;
  while ((n = ::read(report[0], &error, sizeof error)) < 0 && errno == EINTR) {
  }
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof error)) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return internal_error(argv[0] + ": " + std::strerror(error));
  }
  return pid;
}

// Runs a program to completion, its output captured through files in /tmp.
RunResult run(const std::vector<std::string>& argv) {
  RunResult r;
  auto pid = start_program(argv, "/tmp/run.out", O_TRUNC, "/tmp/run.err");
  if (!pid.ok()) {
    r.err = pid.error().message;
    return r;
  }
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file("/tmp/run.out");
  r.err = read_file("/tmp/run.err");
  return r;
}

// Runs a program and turns a failure into an error naming it.
Status run_ok(const std::vector<std::string>& argv) {
  RunResult r = run(argv);
  if (r.exit_code == 0) return ok_status();
  std::string cmd;
  for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return internal_error(cmd + " failed (" + std::to_string(r.exit_code) + "): " + trim(r.err));
}

// Starts a daemon in the background; it is never waited for (init reaps it).
Status spawn_daemon(const std::vector<std::string>& argv, const std::string& log) {
  auto pid = start_program(argv, log, O_APPEND, "");
  if (!pid.ok()) return pid.error();
  return ok_status();
}

bool wait_for_path(const std::string& path, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  struct stat st {};
  while (::stat(path.c_str(), &st) != 0) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

Status write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.flush();
  if (!out) return io_error("cannot write " + path + ": " + std::strerror(errno));
  return ok_status();
}

// finit_module on every module of /etc/ctc/modules, in order (dependencies
// first, as the image script listed them).
Status load_modules() {
  std::istringstream list(read_file("/etc/ctc/modules"));
  for (std::string path; std::getline(list, path);) {
    if (path.empty()) continue;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open " + path);
    const long rc = ::syscall(SYS_finit_module, fd, "", 0);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && err != EEXIST)
      return internal_error("loading " + path + ": " + std::strerror(err));
  }
  return ok_status();
}

// OVS 3.1 lib/ovs-thread.c count_cpu_cores() refreshes its count only once
// the monotonic clock has passed 10 s (it compares against a last update of
// 0), so an ovs-vswitchd started earlier in a fresh VM sizes its per-CPU
// upcall handler pool to zero, and the later resize leaves upcalls lost
// (dpctl/show "lost"). The monotonic clock ovs-vswitchd sees must be past
// that point when it starts.
constexpr long kVswitchdMinClockMs = 10'500;

// Puts every child started from now on in a time namespace whose monotonic
// clock runs 60 s ahead (time_namespaces(7); Debian's kernel has
// CONFIG_TIME_NS), so ovs-vswitchd can start at once instead of after
// kVswitchdMinClockMs of uptime. Only children move: this process keeps the
// real clock, and the kernel's own timers (conntrack timeouts) are jiffies,
// untouched. Must run before the first child: the offsets can only be set
// while the namespace is empty. False when the kernel cannot.
bool clock_ahead_for_children() {
  if (::unshare(CLONE_NEWTIME) != 0) return false;
  return write_text("/proc/self/timens_offsets", "monotonic 60 0\n").ok();
}

void wait_for_uptime(long ms) {
  while (uptime_ms() < ms) std::this_thread::sleep_for(milliseconds(50));
}

// One end of a veth pair, held through AF_PACKET.
class PacketSocket {
 public:
  PacketSocket() = default;
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;
  PacketSocket(PacketSocket&& o) noexcept : fd_(o.fd_), index_(o.index_) { o.fd_ = -1; }
  ~PacketSocket() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open(const std::string& ifname) {
    const unsigned index = if_nametoindex(ifname.c_str());
    if (index == 0) return io_error("no interface " + ifname);
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd_ < 0) return io_error(std::string("AF_PACKET socket: ") + std::strerror(errno));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = static_cast<int>(index);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return io_error("bind to " + ifname + ": " + std::strerror(errno));
    }
    index_ = static_cast<int>(index);
    drain();
    return ok_status();
  }

  int fd() const { return fd_; }

  Status send(std::span<const uint8_t> frame) {
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = index_;
    addr.sll_halen = 6;
    std::memcpy(addr.sll_addr, frame.data(), 6);
    if (::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                 sizeof addr) != static_cast<ssize_t>(frame.size())) {
      return io_error(std::string("send: ") + std::strerror(errno));
    }
    return ok_status();
  }

  // Every frame the interface received (its own transmissions skipped).
  std::vector<std::vector<uint8_t>> receive() {
    std::vector<std::vector<uint8_t>> frames;
    std::vector<uint8_t> buffer(65536);
    for (;;) {
      sockaddr_ll from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      frames.emplace_back(buffer.begin(), buffer.begin() + n);
    }
    return frames;
  }

  void drain() { receive(); }

 private:
  int fd_ = -1;
  int index_ = 0;
};

class Agent {
 public:
  Status boot() {
    ::setenv("OVS_RUNDIR", kRunDir, 1);
    ::setenv("OVS_DBDIR", kRunDir, 1);
    ::setenv("OVS_LOGDIR", kRunDir, 1);
    ::setenv("OVS_SYSCONFDIR", "/etc", 1);
    ::setenv("OVS_PKGDATADIR", "/usr/share/openvswitch", 1);
    ::mkdir(kRunDir, 0755);
    const bool clock_ahead = clock_ahead_for_children();
    if (auto st = load_modules(); !st.ok()) return st;
    // No stray IPv6 traffic (router solicitations, DAD) on the veth pairs.
    for (const char* knob : {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                             "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
      (void)write_text(knob, "1\n");
    }
    const std::string db = std::string(kRunDir) + "/conf.db";
    if (auto st = run_ok({"ovsdb-tool", "create", db, "/usr/share/openvswitch/vswitch.ovsschema"});
        !st.ok()) {
      return st;
    }
    if (auto st =
            spawn_daemon({"ovsdb-server", db, "--remote=punix:" + std::string(kRunDir) + "/db.sock",
                          "--pidfile", "--log-file"},
                         std::string(kRunDir) + "/ovsdb-server.out");
        !st.ok()) {
      return st;
    }
    if (!wait_for_path(std::string(kRunDir) + "/db.sock", milliseconds(30000))) {
      return internal_error("ovsdb-server did not start: " + tail("ovsdb-server.log"));
    }
    // One upcall handler and no datapath flows: the FIFO the barrier relies
    // on (agent_protocol.h).
    std::vector<std::string> init = {"ovs-vsctl", "--no-wait", "init"};
    const std::string cmdline = read_file("/proc/cmdline");
    if (cmdline.find("ctc.noflowlimit") == std::string::npos) {
      for (const char* w : {"--", "set", "Open_vSwitch", ".", "other_config:flow-limit=0"}) {
        init.push_back(w);
      }
    }
    if (cmdline.find("ctc.threads") != std::string::npos) {
      for (const char* w : {"--", "set", "Open_vSwitch", ".", "other_config:n-handler-threads=1",
                            "other_config:n-revalidator-threads=1"}) {
        init.push_back(w);
      }
    }
    if (auto st = run_ok(init); !st.ok()) return st;
    if (!clock_ahead) {
      std::fprintf(stderr, "ctc-agent: no time namespace, waiting for %ld ms of uptime\n",
                   kVswitchdMinClockMs);
      wait_for_uptime(kVswitchdMinClockMs);
    }
    if (auto st = spawn_daemon({"ovs-vswitchd", "unix:" + std::string(kRunDir) + "/db.sock",
                                "--pidfile", "--log-file"},
                               std::string(kRunDir) + "/ovs-vswitchd.out");
        !st.ok()) {
      return st;
    }
    if (!wait_for_path(std::string(kRunDir) + "/ovs-vswitchd.pid", milliseconds(30000))) {
      return internal_error("ovs-vswitchd did not start: " + tail("ovs-vswitchd.log"));
    }
    if (auto st = run_ok({"ovs-vsctl", "--timeout=60", "add-br", kBridge, "--", "set", "Bridge",
                          kBridge, "fail-mode=secure", "datapath_type=system"});
        !st.ok()) {
      return st;
    }
    if (auto st = add_port(kProbePortName, kProbeOfport); !st.ok()) return st;
    return run_ok({"ovs-ofctl", "mod-port", kBridge, kProbePortName, "no-flood"});
  }

  std::string tail(const std::string& log) const {
    std::string text = read_file(std::string(kRunDir) + "/" + log);
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  }

  std::vector<std::string> handle(const std::vector<std::string>& request, bool& quit) {
    if (request.empty()) return {"ERR", "empty request"};
    const std::string& cmd = request[0];
    if (cmd == "HELLO") return {"OK", kAgentVersion, kernel_release(), manifest_key()};
    if (cmd == "QUIT") {
      quit = true;
      return {"OK"};
    }
    if (cmd == "RUN" && request.size() >= 2) {
      RunResult r = run({request.begin() + 1, request.end()});
      return {"OK", std::to_string(r.exit_code), r.out, r.err};
    }
    if (cmd == "WRITE" && request.size() == 3) {
      if (auto st = write_text(request[1], request[2]); !st.ok())
        return {"ERR", st.error().message};
      return {"OK"};
    }
    if (cmd == "PORTS") {
      std::set<uint16_t> wanted;
      for (size_t i = 1; i < request.size(); ++i) {
        const int p = std::atoi(request[i].c_str());
        if (p <= 0 || p >= kProbeOfport) return {"ERR", "bad ofport " + request[i]};
        wanted.insert(static_cast<uint16_t>(p));
      }
      if (auto st = set_ports(wanted); !st.ok()) return {"ERR", st.error().message};
      return {"OK"};
    }
    if (cmd == "INJECT" && request.size() == 5) return inject(request);
    return {"ERR", "unknown request " + cmd};
  }

 private:
  static std::string kernel_release() { return trim(read_file("/proc/sys/kernel/osrelease")); }

  static std::string manifest_key() {
    std::istringstream in(read_file("/etc/ctc/manifest.txt"));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("key=")) return line.substr(4);
    }
    return "unknown";
  }

  static std::string bridge_side(uint16_t ofport) {
    return ofport == kProbeOfport ? std::string(kProbePortName) : "p" + std::to_string(ofport);
  }
  static std::string agent_side(uint16_t ofport) {
    return ofport == kProbeOfport ? std::string(kProbePortName) + "q"
                                  : "q" + std::to_string(ofport);
  }

  Status add_port(const std::string& name, uint16_t ofport) {
    const std::string peer = agent_side(ofport);
    if (auto st = run_ok({"ip", "link", "add", name, "type", "veth", "peer", "name", peer});
        !st.ok()) {
      return st;
    }
    // The largest MTU a veth takes (ETH_MAX_MTU) on both ends: a scenario
    // frame over 1514 bytes (a full IPv6 segment) would otherwise be refused
    // by sendto (EMSGSIZE) or dropped by the datapath on output, where the
    // other adapters pass it (ovs-userspace's mtu_request, linux-netfilter's
    // TUN MTU).
    for (const std::string& dev : {name, peer}) {
      if (auto st = run_ok({"ip", "link", "set", dev, "mtu", "65535", "up"}); !st.ok()) return st;
    }
    if (auto st = run_ok({"ovs-vsctl", "--timeout=30", "add-port", kBridge, name, "--", "set",
                          "Interface", name, "ofport_request=" + std::to_string(ofport)});
        !st.ok()) {
      return st;
    }
    RunResult got = run({"ovs-vsctl", "get", "Interface", name, "ofport"});
    if (trim(got.out) != std::to_string(ofport)) {
      return internal_error(name + " got ofport " + trim(got.out) + ", not " +
                            std::to_string(ofport));
    }
    PacketSocket s;
    if (auto st = s.open(peer); !st.ok()) return st;
    sockets_.erase(ofport);
    sockets_.emplace(ofport, std::move(s));
    return ok_status();
  }

  Status remove_port(uint16_t ofport) {
    sockets_.erase(ofport);
    stash_.erase(ofport);
    if (auto st = run_ok({"ovs-vsctl", "--timeout=30", "del-port", kBridge, bridge_side(ofport)});
        !st.ok()) {
      return st;
    }
    return run_ok({"ip", "link", "del", bridge_side(ofport)});
  }

  Status set_ports(const std::set<uint16_t>& wanted) {
    std::vector<uint16_t> stale;
    for (const auto& [p, s] : sockets_) {
      if (p != kProbeOfport && !wanted.contains(p)) stale.push_back(p);
    }
    for (uint16_t p : stale) {
      if (auto st = remove_port(p); !st.ok()) return st;
    }
    for (uint16_t p : wanted) {
      if (sockets_.contains(p)) continue;
      if (auto st = add_port(bridge_side(p), p); !st.ok()) return st;
    }
    return ok_status();
  }

  std::vector<std::string> inject(const std::vector<std::string>& request) {
    const int port = std::atoi(request[1].c_str());
    auto frame = from_hex(request[2]);
    const int min_rounds = std::atoi(request[3].c_str());
    const int max_rounds = std::atoi(request[4].c_str());
    auto it = sockets_.find(static_cast<uint16_t>(port));
    if (it == sockets_.end() || port == kProbeOfport) return {"ERR", "no port " + request[1]};
    if (!frame.ok()) return {"ERR", frame.error().message};
    drop_stale_frames();
    if (auto st = it->second.send(*frame); !st.ok()) return {"ERR", st.error().message};
    InjectReply reply;
    BarrierTally tally;
    while (!barrier_settled(tally, min_rounds, max_rounds)) {
      ++tally.rounds;
      const uint64_t sequence = ++marker_sequence_;
      if (auto st = it->second.send(marker_frame(sequence)); !st.ok()) {
        return {"ERR", st.error().message};
      }
      if (auto st = collect_round(sequence, reply.frames, tally); !st.ok()) {
        return {"ERR", st.error().message};
      }
    }
    reply.rounds = tally.rounds;
    std::vector<std::string> words{"OK"};
    for (std::string& w : encode_inject_reply(reply)) words.push_back(std::move(w));
    return words;
  }

  // Reads every socket until each has delivered marker `sequence`. Frames
  // read after a socket's marker belong to the next round: they wait in
  // stash_ (one read takes everything queued on the socket).
  Status collect_round(uint64_t sequence, std::vector<PortFrame>& frames, BarrierTally& tally) {
    std::set<uint16_t> pending;
    for (const auto& [p, s] : sockets_) pending.insert(p);
    auto take = [&](uint16_t p, std::vector<std::vector<uint8_t>> batch) {
      for (size_t k = 0; k < batch.size(); ++k) {
        std::vector<uint8_t>& f = batch[k];
        if (const auto m = decode_marker(f)) {
          if (*m != sequence) continue;  // an older round's copy
          pending.erase(p);
          stash_[p].assign(std::make_move_iterator(batch.begin() + static_cast<long>(k) + 1),
                           std::make_move_iterator(batch.end()));
          return;
        }
        if (p == kProbeOfport) {
          if (is_pre_probe_frame(f)) ++tally.pre_copies;
          if (is_probe_frame(f)) ++tally.probe_copies;
        }
        frames.push_back({p, std::move(f)});
      }
    };
    for (uint16_t p : std::set<uint16_t>(pending)) take(p, std::exchange(stash_[p], {}));
    const auto deadline = Clock::now() + kRoundTimeout;
    while (!pending.empty()) {
      std::vector<pollfd> fds;
      std::vector<uint16_t> ports;
      for (uint16_t p : pending) {
        fds.push_back({sockets_.at(p).fd(), POLLIN, 0});
        ports.push_back(p);
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left < 0) {
        return internal_error("marker " + std::to_string(sequence) + " did not come back on " +
                              std::to_string(pending.size()) + " port(s) within " +
                              std::to_string(kRoundTimeout.count()) + " ms");
      }
      if (::poll(fds.data(), fds.size(), static_cast<int>(left) + 1) < 0 && errno != EINTR) {
        return io_error(std::string("poll: ") + std::strerror(errno));
      }
      for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents & POLLIN) take(ports[i], sockets_.at(ports[i]).receive());
      }
    }
    return ok_status();
  }

  // Frames nobody waited for: after the last barrier of the previous inject.
  void drop_stale_frames() {
    size_t stale = 0;
    for (auto& [p, s] : sockets_) {
      stale += s.receive().size() + stash_[p].size();
      stash_[p].clear();
    }
    if (stale > 0) std::fprintf(stderr, "ctc-agent: dropped %zu late frame(s)\n", stale);
  }

  std::map<uint16_t, PacketSocket> sockets_;
  std::map<uint16_t, std::vector<std::vector<uint8_t>>> stash_;
  uint64_t marker_sequence_ = 0;
};

// The virtio-serial port of the adapter (the only one), or "".
std::string find_channel() {
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (DIR* dir = ::opendir("/dev")) {
      std::string found;
      while (dirent* e = ::readdir(dir)) {
        const std::string name = e->d_name;
        if (name.starts_with("vport") && name.find('p', 5) != std::string::npos) found = name;
      }
      ::closedir(dir);
      if (!found.empty()) return "/dev/" + found;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return "";
}

bool write_line(int fd, const std::vector<std::string>& words) {
  std::string line = encode_line(words) + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// Boots the VM side and serves requests until QUIT or the host goes away.
// Outside the anonymous namespace so that the adapter's test build, which
// compiles this file without main(), has no unused functions.
int run_agent() {
  Agent agent;
  Status booted = agent.boot();
  const std::string channel = find_channel();
  if (channel.empty()) {
    std::fprintf(stderr, "ctc-agent: no virtio-serial port\n");
    return 1;
  }
  const int fd = ::open(channel.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "ctc-agent: cannot open %s: %s\n", channel.c_str(), std::strerror(errno));
    return 1;
  }
  if (!booted.ok()) {
    std::fprintf(stderr, "ctc-agent: %s\n", booted.error().message.c_str());
    write_line(fd, {"FAILED", booted.error().message});
    return 1;
  }
  write_line(fd, {"READY", kAgentVersion, trim(read_file("/proc/sys/kernel/osrelease")),
                  std::to_string(uptime_ms())});
  std::string buffer;
  char chunk[65536];
  for (bool quit = false; !quit;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;  // the host went away
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t eol; !quit && (eol = buffer.find('\n')) != std::string::npos;) {
      const std::string line = buffer.substr(0, eol);
      buffer.erase(0, eol + 1);
      auto request = decode_line(line);
      std::vector<std::string> reply =
          request.ok() ? agent.handle(*request, quit)
                       : std::vector<std::string>{"ERR", request.error().message};
      if (!write_line(fd, reply)) return 1;
    }
  }
  return 0;
}

}  // namespace ctc::kernel_ovs

// The image script builds the agent with -DCTC_KERNEL_OVS_AGENT_MAIN.
#ifdef CTC_KERNEL_OVS_AGENT_MAIN
int main() { return ctc::kernel_ovs::run_agent(); }
#endif
