// A router network namespace of our own with one TUN device per scenario
// port (SEMANTICS.md "Driving Linux nf_conntrack in a namespace"):
//   - name ctc-<pid>-<n>, created with `ip netns add`, registered for
//     cleanup on signals (netns_registry.h);
//   - TUN devices p<N> (IFF_TUN|IFF_NO_PI, O_NONBLOCK) opened by a thread
//     that entered the namespace, so the devices are born inside it and
//     vanish when the fds close;
//   - no addresses: nothing is local, every packet is forwarded. Policy
//     routing by input device (`ip rule iif pA lookup T`, `default dev pB
//     table T`, IPv4 and IPv6) sends port A's packets to port B whatever
//     their addresses;
//   - ip_forward=1, IPv6 forwarding=1, rp_filter=0, accept_local=1 (skips a
//     reverse-path lookup that could only accept), no redirects, IPv6
//     addr_gen_mode=none and accept_ra=0 (no link-local address, so no
//     router solicitations, DAD or MLD from the router itself);
//   - TUN MTU 65535, so no scenario frame is too big to forward.
// Nothing here touches the host: sysctls are written only by a thread whose
// network namespace was checked to be ours; `ip`/`nft` run with -n / netns exec.
#pragma once

#include <poll.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "reference/common/result.h"
#include "reference/scenario/scenario.h"

namespace ctc::linux_netfilter {

struct TopologySpec {
  std::vector<Port> ports;      // one TUN each
  std::map<Port, Port> routes;  // packets from key leave on value
  // Next hops the audit `dup` statements name, routed to this port.
  std::optional<Port> audit_port;
};

class NetnsTopology {
 public:
  static Result<std::unique_ptr<NetnsTopology>> create(const TopologySpec& spec);
  ~NetnsTopology();
  NetnsTopology(const NetnsTopology&) = delete;
  NetnsTopology& operator=(const NetnsTopology&) = delete;

  const std::string& name() const { return name_; }
  const TopologySpec& spec() const { return spec_; }

  // Runs `fn` on a fresh thread that entered the namespace; the thread's
  // namespace is compared with ours (inode) before `fn` runs. Sockets made
  // there stay in the namespace when used from other threads.
  Status run_inside(const std::function<Status()>& fn) const;

  // Writes /proc/sys/<key with dots as slashes> from inside the namespace.
  Status write_sysctls(const std::vector<std::pair<std::string, std::string>>& values) const;
  Result<std::string> read_sysctl(const std::string& key) const;

  // `ip netns exec NAME nft -f -`: replaces this namespace's whole ruleset.
  Status load_ruleset(const std::string& ruleset) const;

  Status write_packet(Port port, std::span<const uint8_t> ip_packet) const;
  // The oldest packet waiting on the port's TUN; nullopt when none is
  // (non-blocking, one read).
  std::optional<std::vector<uint8_t>> read_packet(Port port) const;
  // Every packet waiting on the port's TUN, oldest first (non-blocking).
  std::vector<std::vector<uint8_t>> read_packets(Port port) const;
  // The ports whose TUN has a packet waiting, in spec order: one poll() over
  // every TUN, so "nothing left anywhere" costs one system call. The result
  // stays valid until the next call.
  const std::vector<Port>& ports_with_packets() const;
  void drain() const;

  // Removes the namespace (idempotent; the destructor calls it).
  void destroy();

 private:
  NetnsTopology(std::string name, TopologySpec spec);
  Status setup();
  Status open_tuns();
  Status configure_links() const;

  std::string name_;
  TopologySpec spec_;
  int netns_fd_ = -1;
  std::map<Port, int> tun_fds_;
  // ports_with_packets(): the poll set (one entry per TUN, spec order) and
  // its answer, kept between calls so a poll allocates nothing.
  mutable std::vector<pollfd> poll_set_;
  std::vector<Port> poll_ports_;
  mutable std::vector<Port> ready_ports_;
};

}  // namespace ctc::linux_netfilter
