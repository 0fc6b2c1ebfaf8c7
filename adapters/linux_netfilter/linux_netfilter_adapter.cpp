#include "adapters/linux_netfilter/linux_netfilter_adapter.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/linux_netfilter/command_runner.h"
#include "adapters/linux_netfilter/ctnetlink_table.h"
#include "adapters/linux_netfilter/firewall_policy.h"
#include "adapters/linux_netfilter/frame_codec.h"
#include "adapters/linux_netfilter/netns_topology.h"
#include "adapters/linux_netfilter/nflog_ct_reader.h"
#include "adapters/linux_netfilter/ovs_ct_state.h"
#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

using linux_netfilter::ConntrackVerdict;
using linux_netfilter::CtNetlinkTable;
using linux_netfilter::NetnsTopology;
using linux_netfilter::NflogCtReader;
using linux_netfilter::Policy;
using linux_netfilter::TopologySpec;

constexpr unsigned kCapNetAdmin = 12;
constexpr unsigned kCapSysAdmin = 21;
constexpr int kProbeAttempts = 100;
constexpr auto kProbeWait = std::chrono::milliseconds(2);

bool has_capability(unsigned cap) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
    return (caps >> cap) & 1;
  }
  return false;
}

std::string seconds(Duration d) { return std::to_string(d.ns / 1'000'000'000); }

// The profile's switches and timeouts as this namespace's sysctls, so the
// kernel runs with the semantics the reference models (all per netns).
std::vector<std::pair<std::string, std::string>> profile_sysctls(const Profile& p) {
  const TcpTimeouts& t = p.timeouts.tcp;
  const std::string nf = "net.netfilter.nf_conntrack_";
  return {
      {nf + "tcp_be_liberal", p.tcp_liberal ? "1" : "0"},
      {nf + "tcp_loose", p.tcp_loose ? "1" : "0"},
      {nf + "checksum", p.verify_checksums ? "1" : "0"},
      {nf + "tcp_timeout_syn_sent", seconds(t.syn_sent)},
      {nf + "tcp_timeout_syn_recv", seconds(t.syn_recv)},
      {nf + "tcp_timeout_established", seconds(t.established)},
      {nf + "tcp_timeout_fin_wait", seconds(t.fin_wait)},
      {nf + "tcp_timeout_close_wait", seconds(t.close_wait)},
      {nf + "tcp_timeout_last_ack", seconds(t.last_ack)},
      {nf + "tcp_timeout_time_wait", seconds(t.time_wait)},
      {nf + "tcp_timeout_close", seconds(t.close)},
      {nf + "tcp_timeout_max_retrans", seconds(t.retrans)},
      {nf + "tcp_timeout_unacknowledged", seconds(t.unacknowledged)},
      {nf + "udp_timeout", seconds(p.timeouts.udp_first)},
      {nf + "udp_timeout_stream", seconds(p.timeouts.udp_stream)},
      {nf + "icmp_timeout", seconds(p.timeouts.icmp_first)},
      {nf + "icmpv6_timeout", seconds(p.timeouts.icmp_first)},
      {nf + "generic_timeout", seconds(p.timeouts.other_first)},
  };
}

std::vector<uint8_t> probe_packet() {
  Packet p;
  IpHeader ip;
  ip.family = IpFamily::kV4;
  const auto* s = linux_netfilter::kProbeSource;
  const auto* d = linux_netfilter::kProbeDestination;
  ip.src = IpAddress::v4(s[0], s[1], s[2], s[3]);
  ip.dst = IpAddress::v4(d[0], d[1], d[2], d[3]);
  ip.protocol = ip_proto::kUdp;
  p.ip = ip;
  UdpHeader udp;
  udp.src_port = linux_netfilter::kProbePort;
  udp.dst_port = linux_netfilter::kProbePort;
  p.l4 = udp;
  p.payload = {'c', 't', 'c'};
  return serialize_ip(p);
}

bool same_spec(const TopologySpec& a, const TopologySpec& b) {
  return a.ports == b.ports && a.routes == b.routes && a.audit_port == b.audit_port;
}

// What the kernel said about the packet, for InjectResult::trace.
std::string describe_verdict(const std::optional<ConntrackVerdict>& verdict, CtState state) {
  if (!verdict) return "not seen by conntrack (dropped before it, or untracked)";
  return "nftables: \"" + linux_netfilter::classify_log_prefix(verdict->state) + "\" -> " +
         state.to_string();
}

class LinuxNetfilterAdapter final : public Adapter {
 public:
  explicit LinuxNetfilterAdapter(AdapterOptions options) : options_(std::move(options)) {}
  ~LinuxNetfilterAdapter() override { shutdown(); }

  std::string id() const override { return "linux-netfilter"; }

  Capabilities capabilities() const override {
    return Capabilities{.flows = true,
                        .ipv6 = true,
                        .nat = true,
                        .zones = true,
                        .marks = true,
                        .labels = false,
                        .virtual_time = false,
                        .table_dump = true,
                        .classification = true,
                        .profiles = {"linux"}};
  }

  Status load(const ScenarioSetup& setup) override {
    if (!setup.profile) return invalid_argument("linux-netfilter: no profile");
    if (setup.profile->name != "linux") {
      return unsupported("linux-netfilter runs the linux profile only, not '" +
                         setup.profile->name + "'");
    }
    auto program = parse_flow_program(setup.flows);
    if (!program.ok()) return program.error();
    auto policy = linux_netfilter::lift_policy(*program);
    if (!policy.ok()) return policy.error();
    TopologySpec spec;
    for (const PortDecl& p : setup.ports) spec.ports.push_back(p.port);
    for (Port p : policy->ports()) {
      if (std::find(spec.ports.begin(), spec.ports.end(), p) == spec.ports.end()) {
        return unsupported("flow program names port " + std::to_string(p.value) +
                           ", which the scenario does not declare");
      }
    }
    spec.routes = policy->routes;
    spec.audit_port = policy->audit_port;
    nat_on_lookup_ = policy->nat_on_lookup;
    want_trace_ = setup.want_trace;
    if (auto st = prepare_topology(spec); !st.ok()) return st;
    const std::string ruleset = linux_netfilter::render_nft(*policy);
    if (ruleset != ruleset_) {
      ruleset_.clear();
      if (auto st = topology_->load_ruleset(ruleset); !st.ok()) return st;
      ruleset_ = ruleset;
    }
    if (auto st = topology_->write_sysctls(profile_sysctls(*setup.profile)); !st.ok()) return st;
    if (!probed_) {
      if (auto st = probe(*policy); !st.ok()) return st;
      probed_ = true;
    }
    if (auto st = table_->flush(std::nullopt); !st.ok()) return st;
    topology_->drain();
    ct_log_->drain();
    return ok_status();
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    if (!topology_) return internal_error("linux-netfilter: inject before load");
    InjectResult result;
    auto split = linux_netfilter::split_frame(frame);
    if (!split) {
      result.trace = "not an IP frame: a TUN carries IP only, dropped";
      return result;
    }
    if (auto st = topology_->write_packet(port, split->ip); !st.ok()) return st.error();
    // The kernel receives, tracks and forwards in the writer's context
    // (drivers/net/tun.c tun_rx_batched: netif_receive_skb under
    // local_bh_disable), so the conntrack verdict and the outputs are
    // readable when write() returns (SEMANTICS.md: a 10 ms wait never found
    // a late packet in 1.5 M).
    auto verdict = ct_log_->take(split->ip);
    if (!verdict.ok()) return verdict.error();
    if (*verdict) {
      result.classification =
          linux_netfilter::ovs_lookup_ct_state((*verdict)->state, nat_on_lookup_);
    }
    if (want_trace_) {
      result.trace = describe_verdict(*verdict, result.classification.value_or(CtState{}));
    }
    collect_outputs(port, *split, result.outputs);
    return result;
  }

  // Real time: the kernel's clock cannot be stopped or warped.
  Status advance(Duration duration) override {
    if (duration.ns < 0) return invalid_argument("linux-netfilter: negative advance");
    std::this_thread::sleep_for(std::chrono::nanoseconds(duration.ns));
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (!table_) return internal_error("linux-netfilter: dump before load");
    return table_->dump();
  }

  Status flush(std::optional<Zone> zone) override {
    if (!table_) return internal_error("linux-netfilter: flush before load");
    return table_->flush(zone);
  }

  void shutdown() override {
    // The netlink sockets hold the namespace: close them first.
    ct_log_.reset();
    table_.reset();
    topology_.reset();
    ruleset_.clear();
    probed_ = false;
  }

  // For tests: the namespace in use ("" before load).
  std::string namespace_name() const { return topology_ ? topology_->name() : ""; }

 private:
  Status prepare_topology(const TopologySpec& spec) {
    if (topology_ && same_spec(topology_->spec(), spec)) return ok_status();
    shutdown();
    auto topo = NetnsTopology::create(spec);
    if (!topo.ok()) return topo.error();
    topology_ = std::move(*topo);
    auto table = CtNetlinkTable::open(*topology_);
    if (!table.ok()) {
      topology_.reset();
      return table.error();
    }
    table_ = std::move(*table);
    auto log = NflogCtReader::open(*topology_);
    if (!log.ok()) {
      table_.reset();
      topology_.reset();
      return log.error();
    }
    ct_log_ = std::move(*log);
    return ok_status();
  }

  // Everything that left any TUN because of the packet just written. The
  // port the input routes to is read first (where a forwarded packet is);
  // then one poll() over every TUN says which still hold packets, until none
  // does: each queue is provably empty at the end, with one system call for
  // "nothing else" instead of one read per port.
  void collect_outputs(Port in, const linux_netfilter::SplitFrame& injected,
                       std::vector<OutputFrame>& outputs) const {
    const TopologySpec& spec = topology_->spec();
    auto take_one = [&](Port out) {
      std::optional<std::vector<uint8_t>> ip = topology_->read_packet(out);
      if (!ip || linux_netfilter::is_router_noise(*ip)) return;
      const linux_netfilter::OutputContext context{.injected = &injected,
                                                   .audit_copy = spec.audit_port == out};
      outputs.push_back(OutputFrame{out, linux_netfilter::restore_frame(context, std::move(*ip))});
    };
    if (auto route = spec.routes.find(in); route != spec.routes.end()) take_one(route->second);
    for (;;) {
      const std::vector<Port>& ready = topology_->ports_with_packets();
      if (ready.empty()) break;
      for (Port out : ready) take_one(out);
    }
    // One read per port per round keeps each port's frames in the order
    // they left; ports in ascending order, as the runner compares them.
    const auto by_port = [](const OutputFrame& a, const OutputFrame& b) { return a.port < b.port; };
    if (!std::is_sorted(outputs.begin(), outputs.end(), by_port)) {
      std::stable_sort(outputs.begin(), outputs.end(), by_port);  // allocates: only when needed
    }
  }

  // Sends the untracked probe along the first route until it comes out
  // (the first packet after a fresh start is occasionally lost).
  Status probe(const Policy& policy) {
    if (policy.routes.empty()) return ok_status();
    const auto [from, to] = *policy.routes.begin();
    const std::vector<uint8_t> packet = probe_packet();
    for (int attempt = 0; attempt < kProbeAttempts; ++attempt) {
      if (auto st = topology_->write_packet(from, packet); !st.ok()) return st;
      for (int wait = 0; wait < 5; ++wait) {
        if (!topology_->read_packets(to).empty()) return ok_status();
        std::this_thread::sleep_for(kProbeWait);
      }
    }
    return io_error("linux-netfilter: the probe never crossed " + topology_->name() + " from " +
                    linux_netfilter::device_name(from) + " to " + linux_netfilter::device_name(to));
  }

  AdapterOptions options_;
  std::unique_ptr<NetnsTopology> topology_;
  std::unique_ptr<CtNetlinkTable> table_;
  std::unique_ptr<NflogCtReader> ct_log_;
  std::string ruleset_;
  bool probed_ = false;
  bool nat_on_lookup_ = false;  // the loaded program's lookup carries `nat`
  bool want_trace_ = true;
};

}  // namespace

std::string linux_netfilter_unavailable_reason() {
  if (!has_capability(kCapNetAdmin)) return "needs CAP_NET_ADMIN (run as root)";
  if (!has_capability(kCapSysAdmin))
    return "needs CAP_SYS_ADMIN for network namespaces (run as root)";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no usable /dev/net/tun";
  for (const char* tool : {"ip", "nft"}) {
    auto out = linux_netfilter::run_command({.argv = {tool, "-V"}, .stdin_text = {}});
    if (!out.ok()) return std::string("'") + tool + "' is not installed";
  }
  return "";
}

Result<std::unique_ptr<Adapter>> make_linux_netfilter_adapter(const AdapterOptions& options) {
  const std::string reason = linux_netfilter_unavailable_reason();
  if (!reason.empty()) return unsupported("linux-netfilter: " + reason);
  return std::unique_ptr<Adapter>(new LinuxNetfilterAdapter(options));
}

}  // namespace ctc
