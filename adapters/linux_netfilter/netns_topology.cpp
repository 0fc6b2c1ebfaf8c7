#include "adapters/linux_netfilter/netns_topology.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "adapters/linux_netfilter/command_runner.h"
#include "adapters/linux_netfilter/firewall_policy.h"
#include "adapters/linux_netfilter/netns_registry.h"

namespace ctc::linux_netfilter {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string next_netns_name() {
  static std::atomic<unsigned> counter{0};
  return "ctc-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

constexpr unsigned kTunMtu = 65535;

// Table numbers for policy routing; 1000 + port keeps clear of the reserved
// 253-255 (default, main, local).
std::string route_table(Port from) { return std::to_string(1000 + from.value); }

bool same_inode(int fd, const char* path) {
  struct stat a {
  }, b{};
  if (::fstat(fd, &a) != 0 || ::stat(path, &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Namespace-wide settings, written before the TUNs exist so that the
// devices inherit the `default` values.
const std::vector<std::pair<std::string, std::string>>& base_sysctls() {
  static const std::vector<std::pair<std::string, std::string>> values = {
      {"net.ipv4.ip_forward", "1"},
      {"net.ipv4.conf.all.rp_filter", "0"},
      {"net.ipv4.conf.default.rp_filter", "0"},
      {"net.ipv4.conf.all.send_redirects", "0"},
      // With policy rules, fib_validate_source (net/ipv4/fib_frontend.c)
      // does a full reverse-path FIB lookup for every forwarded packet unless
      // accept_local is set; with rp_filter 0 and no local addresses that
      // lookup can only accept, so skipping it changes no verdict and saves
      // a FIB lookup per packet.
      {"net.ipv4.conf.all.accept_local", "1"},
      {"net.ipv4.conf.default.send_redirects", "0"},
      {"net.ipv6.conf.all.forwarding", "1"},
      {"net.ipv6.conf.default.forwarding", "1"},
      {"net.ipv6.conf.default.disable_ipv6", "0"},
      {"net.ipv6.conf.default.addr_gen_mode", "1"},
      {"net.ipv6.conf.default.accept_ra", "0"},
      {"net.ipv6.conf.default.router_solicitations", "0"},
      {"net.ipv6.conf.default.dad_transmits", "0"},
  };
  return values;
}

Status write_file(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error(errno_text("open " + path));
  const ssize_t n = ::write(fd, value.data(), value.size());
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (n != static_cast<ssize_t>(value.size())) return io_error(errno_text("write " + path));
  return ok_status();
}

std::string sysctl_path(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  for (size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  return path;
}

}  // namespace

NetnsTopology::NetnsTopology(std::string name, TopologySpec spec)
    : name_(std::move(name)), spec_(std::move(spec)) {}

NetnsTopology::~NetnsTopology() { destroy(); }

Result<std::unique_ptr<NetnsTopology>> NetnsTopology::create(const TopologySpec& spec) {
  install_netns_cleanup();
  std::unique_ptr<NetnsTopology> topo(new NetnsTopology(next_netns_name(), spec));
  if (!register_netns(topo->name_)) return io_error("too many live namespaces");
  if (auto st = topo->setup(); !st.ok()) return st.error();  // destructor cleans up
  return topo;
}

Status NetnsTopology::setup() {
  if (auto out = run_checked({.argv = {"ip", "netns", "add", name_}, .stdin_text = {}});
      !out.ok()) {
    return out.error();
  }
  const std::string path = std::string(kNetnsRunDir) + "/" + name_;
  netns_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (netns_fd_ < 0) return io_error(errno_text("open " + path));
  if (auto st = write_sysctls(base_sysctls()); !st.ok()) return st;
  if (auto st = open_tuns(); !st.ok()) return st;
  return configure_links();
}

Status NetnsTopology::run_inside(const std::function<Status()>& fn) const {
  if (netns_fd_ < 0) return internal_error("namespace " + name_ + " is not open");
  Status result = internal_error("not run");
  std::thread worker([&] {
    if (::setns(netns_fd_, CLONE_NEWNET) != 0) {
      result = io_error(errno_text("setns " + name_));
      return;
    }
    // The guard that keeps the host untouched: never act unless this
    // thread's namespace is the one we created.
    if (!same_inode(netns_fd_, "/proc/thread-self/ns/net")) {
      result = internal_error("setns did not move the thread into " + name_);
      return;
    }
    result = fn();
  });
  worker.join();
  return result;
}

Status NetnsTopology::write_sysctls(
    const std::vector<std::pair<std::string, std::string>>& values) const {
  return run_inside([&]() -> Status {
    for (const auto& [key, value] : values) {
      if (auto st = write_file(sysctl_path(key), value); !st.ok()) return st;
    }
    return ok_status();
  });
}

Result<std::string> NetnsTopology::read_sysctl(const std::string& key) const {
  std::string value;
  Status st = run_inside([&]() -> Status {
    const std::string path = sysctl_path(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error(errno_text("open " + path));
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n < 0) return io_error(errno_text("read " + path));
    value.assign(buf, static_cast<size_t>(n));
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return ok_status();
  });
  if (!st.ok()) return st.error();
  return value;
}

Status NetnsTopology::open_tuns() {
  return run_inside([&]() -> Status {
    for (Port port : spec_.ports) {
      const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) return io_error(errno_text("open /dev/net/tun"));
      struct ifreq ifr {};
      ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
      const std::string dev = device_name(port);
      std::strncpy(ifr.ifr_name, dev.c_str(), IFNAMSIZ - 1);
      if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        const Error e = io_error(errno_text("TUNSETIFF " + dev));
        ::close(fd);
        return e;
      }
      tun_fds_[port] = fd;
      poll_set_.push_back(pollfd{.fd = fd, .events = POLLIN, .revents = 0});
      poll_ports_.push_back(port);
    }
    return ok_status();
  });
}

Status NetnsTopology::configure_links() const {
  std::string links, v4, v6;
  // OVS switches frames of any size; a router refuses to forward a packet
  // larger than the output MTU (IPv6: ip6_forward -> Packet Too Big; IPv4
  // without DF: fragments). The largest MTU a TUN takes (drivers/net/tun.c:
  // max_mtu = MAX_MTU) keeps every scenario frame whole.
  for (Port port : spec_.ports) {
    links += "link set " + device_name(port) + " mtu " + std::to_string(kTunMtu) + " up\n";
  }
  for (const auto& [from, to] : spec_.routes) {
    const std::string rule = "rule add iif " + device_name(from) + " lookup " + route_table(from) +
                             " pref " + std::to_string(1000 + from.value) + "\n";
    const std::string route =
        "route add default dev " + device_name(to) + " table " + route_table(from) + "\n";
    v4 += rule + route;
    v6 += rule + route;
  }
  if (spec_.audit_port) {
    v4 += std::string("route add ") + kAuditNextHopV4 + " dev " + device_name(*spec_.audit_port) +
          "\n";
    v6 += std::string("route add ") + kAuditNextHopV6 + " dev " + device_name(*spec_.audit_port) +
          "\n";
  }
  const std::vector<std::pair<std::string, std::string>> batches = {{"-4", links + v4}, {"-6", v6}};
  for (const auto& [family, batch] : batches) {
    if (batch.empty()) continue;
    auto out =
        run_checked({.argv = {"ip", "-n", name_, family, "-batch", "-"}, .stdin_text = batch});
    if (!out.ok()) return out.error();
  }
  return ok_status();
}

Status NetnsTopology::load_ruleset(const std::string& ruleset) const {
  // `flush ruleset` inside `ip netns exec` empties this namespace's ruleset
  // only; the load is one transaction, so a bad ruleset changes nothing.
  auto out = run_checked({.argv = {"ip", "netns", "exec", name_, "nft", "-f", "-"},
                          .stdin_text = "flush ruleset\n" + ruleset});
  if (!out.ok()) return out.error();
  return ok_status();
}

Status NetnsTopology::write_packet(Port port, std::span<const uint8_t> ip_packet) const {
  auto it = tun_fds_.find(port);
  if (it == tun_fds_.end())
    return invalid_argument("no TUN for port " + std::to_string(port.value));
  const ssize_t n = ::write(it->second, ip_packet.data(), ip_packet.size());
  if (n < 0) {
    // EINVAL/EIO: the kernel refused the packet as malformed (tun_get_user);
    // that is a drop, not a harness failure.
    if (errno == EINVAL || errno == EIO || errno == EFAULT) return ok_status();
    return io_error(errno_text("write to " + device_name(port)));
  }
  return ok_status();
}

std::optional<std::vector<uint8_t>> NetnsTopology::read_packet(Port port) const {
  auto it = tun_fds_.find(port);
  if (it == tun_fds_.end()) return std::nullopt;
  uint8_t buf[65536];
  const ssize_t n = ::read(it->second, buf, sizeof buf);
  if (n <= 0) return std::nullopt;  // EAGAIN: queue empty
  return std::vector<uint8_t>(buf, buf + n);
}

const std::vector<Port>& NetnsTopology::ports_with_packets() const {
  ready_ports_.clear();
  if (::poll(poll_set_.data(), poll_set_.size(), 0) <= 0) return ready_ports_;
  for (size_t i = 0; i < poll_set_.size(); ++i) {
    if (poll_set_[i].revents & POLLIN) ready_ports_.push_back(poll_ports_[i]);
  }
  return ready_ports_;
}

std::vector<std::vector<uint8_t>> NetnsTopology::read_packets(Port port) const {
  std::vector<std::vector<uint8_t>> out;
  auto it = tun_fds_.find(port);
  if (it == tun_fds_.end()) return out;
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(it->second, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: queue empty
    out.emplace_back(buf, buf + n);
  }
  return out;
}

void NetnsTopology::drain() const {
  for (const auto& [port, fd] : tun_fds_) read_packets(port);
}

void NetnsTopology::destroy() {
  // Closing a TUN fd unregisters its device and waits for an RCU grace
  // period (~20-35 ms each here). The namespace is already gone from
  // /run/netns below, so the closes run on a detached thread; at exit the
  // kernel closes whatever is left.
  if (!tun_fds_.empty()) {
    std::vector<int> fds;
    for (const auto& [port, fd] : tun_fds_) fds.push_back(fd);
    tun_fds_.clear();
    poll_set_.clear();
    poll_ports_.clear();
    std::thread([fds] {
      for (int fd : fds) ::close(fd);
    }).detach();
  }
  if (netns_fd_ >= 0) {
    ::close(netns_fd_);
    netns_fd_ = -1;
  }
  if (name_.empty()) return;
  // What `ip netns del` does (lazy unmount, unlink), without a child
  // process: `ip` would wait for the RTNL lock the device closes hold.
  remove_netns_mount(name_.c_str());
  unregister_netns(name_);
  name_.clear();
}

}  // namespace ctc::linux_netfilter
