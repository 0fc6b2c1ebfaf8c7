// Live tests: the real kernel in a namespace. Skipped with the reason when
// the process cannot create namespaces (not root).
#include "adapters/linux_netfilter/linux_netfilter_adapter.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/linux_netfilter/command_runner.h"
#include "adapters/linux_netfilter/netns_registry.h"
#include "properties/programs.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/packet_spec.h"
#include "reference/scenario/table_format.h"

namespace ctc {
namespace {

using linux_netfilter::run_checked;

#define SKIP_UNLESS_PRIVILEGED()                                        \
  do {                                                                  \
    const std::string reason = linux_netfilter_unavailable_reason();    \
    if (!reason.empty()) GTEST_SKIP() << "linux-netfilter: " << reason; \
  } while (0)

std::vector<uint8_t> frame(const std::string& spec) {
  auto packet = parse_packet_spec(spec);
  EXPECT_TRUE(packet.ok()) << spec;
  return packet.ok() ? serialize_frame(*packet) : std::vector<uint8_t>{};
}

std::string host(const std::vector<std::string>& argv) {
  auto out = run_checked({.argv = argv, .stdin_text = {}});
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : "";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What must never change on the host.

// The names in `ip netns list` that belong to process `pid` (ctc-<pid>-<n>).
std::string namespaces_of(int pid) {
  std::istringstream in(host({"ip", "netns", "list"}));
  const std::string prefix = "ctc-" + std::to_string(pid) + "-";
  std::string mine;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) mine += line + "\n";
  }
  return mine;
}

struct HostState {
  std::string ruleset, netns, conntrack_count, ip_forward, be_liberal, syn_sent;
  static HostState capture() {
    return {host({"nft", "list", "ruleset"}),
            namespaces_of(::getpid()),
            read_file("/proc/sys/net/netfilter/nf_conntrack_count"),
            read_file("/proc/sys/net/ipv4/ip_forward"),
            read_file("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal"),
            read_file("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_sent")};
  }
};

std::unique_ptr<Adapter> make() {
  auto adapter = make_linux_netfilter_adapter(AdapterOptions{});
  EXPECT_TRUE(adapter.ok()) << (adapter.ok() ? "" : adapter.error().message);
  return adapter.ok() ? std::move(*adapter) : nullptr;
}

// The generator's NAT pipelines also commit IPv6 with the IPv4 NAT range,
// which the flow parser rejects; keep the IPv4 lines of those rules.
std::string flows_of(const PipelineSpec& spec) {
  std::istringstream in(pipeline_flows(spec));
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find(",ipv6,") != std::string::npos && line.find("nat(") != std::string::npos) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

ScenarioSetup setup_for(const std::string& flows) {
  return ScenarioSetup{.ports = pipeline_ports(), .flows = flows, .profile = &linux_profile()};
}

std::vector<uint16_t> ports_of(const InjectResult& r) {
  std::vector<uint16_t> out;
  for (const OutputFrame& f : r.outputs) out.push_back(f.port.value);
  return out;
}

InjectResult inject(Adapter& a, uint16_t port, const std::string& spec) {
  auto r = a.inject(Port{port}, frame(spec));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : InjectResult{};
}

std::vector<std::string> rows(Adapter& a) {
  auto table = a.dump_table();
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().message);
  std::vector<std::string> out;
  if (table.ok()) {
    for (const ConnectionSnapshot& c : *table) {
      out.push_back(format_connection(c, RowFormatOptions{.timeout = false}));
    }
  }
  return out;
}

const char* kClientSyn = "tcp 10.0.0.1:40000 > 172.16.0.1:80 S seq=1000 ack=0 mss=1460";
const char* kServerSynAck = "tcp 172.16.0.1:80 > 10.0.0.1:40000 SA seq=5000 ack=1001 mss=1460";
const char* kClientAck = "tcp 10.0.0.1:40000 > 172.16.0.1:80 . seq=1001 ack=5001";

TEST(LinuxNetfilterAdapter, RefusesTheOvsUserspaceProfileAsUnsupported) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ScenarioSetup s = setup_for(flows_of(PipelineSpec{}));
  s.profile = &ovs_userspace_profile();
  auto st = a->load(s);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
}

TEST(LinuxNetfilterAdapter, HandshakeThroughTheNamespaceIsEstablished) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());

  const std::vector<uint8_t> syn = frame(kClientSyn);
  auto r1 = a->inject(Port{1}, syn);
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  ASSERT_EQ(ports_of(*r1), std::vector<uint16_t>{2});
  // TTL and checksum restored, MACs kept: the frame leaves as it came.
  EXPECT_EQ(r1->outputs[0].bytes, syn);
  // ctnetlink reports whole seconds, rounded down: 120 s becomes 119 at once.
  EXPECT_EQ(rows(*a), std::vector<std::string>{
                          "tcp,orig=(src=10.0.0.1,dst=172.16.0.1,sport=40000,dport=80),"
                          "reply=(src=172.16.0.1,dst=10.0.0.1,sport=80,dport=40000),zone=1,"
                          "mark=0,labels=0x0,state=SYN_SENT"});
  auto syn_sent = a->dump_table();
  ASSERT_TRUE(syn_sent.ok());
  ASSERT_EQ(syn_sent->size(), 1u);
  EXPECT_GE((*syn_sent)[0].remaining, Duration::seconds(119));
  EXPECT_LE((*syn_sent)[0].remaining, Duration::seconds(120));

  EXPECT_EQ(ports_of(inject(*a, 2, kServerSynAck)), std::vector<uint16_t>{1});
  EXPECT_EQ(ports_of(inject(*a, 1, kClientAck)), std::vector<uint16_t>{2});
  auto table = a->dump_table();
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->size(), 1u);
  EXPECT_EQ((*table)[0].protocol_state, "ESTABLISHED");
  EXPECT_TRUE((*table)[0].seen_reply);
  EXPECT_EQ((*table)[0].zone, Zone{1});
  EXPECT_GE((*table)[0].remaining, Duration::seconds(431999));
}

std::optional<CtState> ct(const std::string& flags) {
  auto parsed = CtState::parse(flags);
  EXPECT_TRUE(parsed.ok()) << flags;
  return parsed.ok() ? std::optional<CtState>(*parsed) : std::nullopt;
}

TEST(LinuxNetfilterAdapter, ReportsClassification) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->capabilities().classification);
}

// What ct(table=1) would hand on for each packet of a handshake
// (corpora/tcp/tcp-handshake.scenario).
TEST(LinuxNetfilterAdapter, HandshakeIsNewThenEstablishedReplyThenEstablished) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  EXPECT_EQ(inject(*a, 1, kClientSyn).classification, ct("+trk+new"));
  EXPECT_EQ(inject(*a, 2, kServerSynAck).classification, ct("+trk+est+rpl"));
  EXPECT_EQ(inject(*a, 1, kClientAck).classification, ct("+trk+est"));
}

// nf_conntrack_in: IP_CT_NEW until the reply is seen, so a retransmitted SYN
// is +new again, not +est.
TEST(LinuxNetfilterAdapter, RetransmittedSynIsStillNew) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  EXPECT_EQ(inject(*a, 1, kClientSyn).classification, ct("+trk+new"));
  const InjectResult again = inject(*a, 1, kClientSyn);
  EXPECT_EQ(again.classification, ct("+trk+new"));
  EXPECT_EQ(ports_of(again), std::vector<uint16_t>{2});
}

TEST(LinuxNetfilterAdapter, SynAckWithoutSynIsInvalidAndAudited) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  const InjectResult r = inject(*a, 2, kServerSynAck);
  EXPECT_EQ(r.classification, ct("+trk+inv"));
  EXPECT_EQ(ports_of(r), std::vector<uint16_t>{3});
}

// corpora/icmp/icmp-unreachable-related-udp.scenario.
TEST(LinuxNetfilterAdapter, IcmpErrorQuotingTheFlowIsRelatedReply) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  EXPECT_EQ(inject(*a, 1, "udp 10.0.0.1:40000 > 172.16.0.1:53 len=8").classification,
            ct("+trk+new"));
  const InjectResult r = inject(
      *a, 2,
      "icmp 172.16.0.1 > 10.0.0.1 unreachable code=3 quote(udp 10.0.0.1:40000 > 172.16.0.1:53 len=8)");
  EXPECT_EQ(r.classification, ct("+trk+rel+rpl"));
  EXPECT_EQ(ports_of(r), std::vector<uint16_t>{1});
}

// A bad IPv4 header checksum is dropped by ip_rcv_core before any hook: no
// ct() ran, so there is no classification at all.
TEST(LinuxNetfilterAdapter, PacketDroppedBeforeConntrackHasNoClassification) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  Packet p = PacketBuilder().ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1))
                 .udp(5000, 53)
                 .ip_checksum(0x1234)
                 .packet();
  auto r = a->inject(Port{1}, serialize_frame(p));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->classification, std::nullopt);
  EXPECT_TRUE(r->outputs.empty());
}

// With `nat` on the lookup, established packets report the translation the
// lookup applies: the source going out, the destination coming back
// (net/openvswitch/conntrack.c ovs_ct_nat); the first packet is not
// translated by the lookup.
TEST(LinuxNetfilterAdapter, SnatConnectionReportsSnatOutAndDnatBack) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  PipelineSpec spec;
  spec.kind = PipelineKind::kSnatGateway;
  ASSERT_TRUE(a->load(setup_for(flows_of(spec))).ok());
  EXPECT_EQ(inject(*a, 1, "udp 10.0.0.1:5000 > 172.16.0.1:53 len=8").classification,
            ct("+trk+new"));
  EXPECT_EQ(inject(*a, 2, "udp 172.16.0.1:53 > 192.0.2.1:5000 len=8").classification,
            ct("+trk+est+rpl+dnat"));
  EXPECT_EQ(inject(*a, 1, "udp 10.0.0.1:5000 > 172.16.0.1:53 len=8").classification,
            ct("+trk+est+snat"));
}

// The verdict is read right after the write, with no wait: it must be there
// for every packet of a long run (tun_rx_batched processes the packet in the
// writer's context; the NFLOG queue threshold is 1).
TEST(LinuxNetfilterAdapter, EveryPacketOfALongRunIsClassifiedWithoutWaiting) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  inject(*a, 1, kClientSyn);
  inject(*a, 2, kServerSynAck);
  inject(*a, 1, kClientAck);
  const std::vector<uint8_t> out = frame(kClientAck);
  const std::vector<uint8_t> back = frame("tcp 172.16.0.1:80 > 10.0.0.1:40000 . seq=5001 ack=1001");
  constexpr int kPackets = 20000;
  int unclassified = 0, misrouted = 0;
  for (int i = 0; i < kPackets; ++i) {
    const bool from_client = i % 2 == 0;
    auto r = a->inject(Port{from_client ? uint16_t{1} : uint16_t{2}}, from_client ? out : back);
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (r->classification != ct(from_client ? "+trk+est" : "+trk+est+rpl")) ++unclassified;
    if (ports_of(*r) != std::vector<uint16_t>{from_client ? uint16_t{2} : uint16_t{1}}) ++misrouted;
  }
  EXPECT_EQ(unclassified, 0);
  EXPECT_EQ(misrouted, 0);
}

// IPv6 data of a full Ethernet payload plus headers exceeds a 1500-byte MTU;
// OVS switches it whole, so the router must too.
TEST(LinuxNetfilterAdapter, LargeIpv6SegmentIsForwardedWhole) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  inject(*a, 1, "tcp [fd00:1::1]:40000 > [fd00:2::1]:443 S seq=1000 ack=0");
  inject(*a, 2, "tcp [fd00:2::1]:443 > [fd00:1::1]:40000 SA seq=5000 ack=1001");
  inject(*a, 1, "tcp [fd00:1::1]:40000 > [fd00:2::1]:443 . seq=1001 ack=5001");
  const std::vector<uint8_t> big =
      frame("tcp [fd00:1::1]:40000 > [fd00:2::1]:443 P. seq=1001 ack=5001 len=1460");
  auto r = a->inject(Port{1}, big);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(ports_of(*r), std::vector<uint16_t>{2});
  EXPECT_EQ(r->outputs[0].bytes, big);
  EXPECT_EQ(r->classification, ct("+trk+est"));
}

TEST(LinuxNetfilterAdapter, OutOfWindowDataIsDroppedAndAudited) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  inject(*a, 1, kClientSyn);
  inject(*a, 2, kServerSynAck);
  inject(*a, 1, kClientAck);
  // corpora/tcp/tcp-data-out-of-window.scenario: a quarter of the space ahead.
  const std::vector<uint8_t> bad =
      frame("tcp 10.0.0.1:40000 > 172.16.0.1:80 P. seq=1073742825 ack=5001 len=10");
  auto r = a->inject(Port{1}, bad);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(ports_of(*r), std::vector<uint16_t>{3});
  EXPECT_EQ(r->classification, ct("+trk+inv"));
  // The dup copy, normalised (TTL, DF, checksum), is the injected frame.
  EXPECT_EQ(r->outputs[0].bytes, bad);
  EXPECT_EQ(
      ports_of(inject(*a, 1, "tcp 10.0.0.1:40000 > 172.16.0.1:80 P. seq=1001 ack=5001 len=10")),
      std::vector<uint16_t>{2});
}

TEST(LinuxNetfilterAdapter, SynFromOutsideIsDroppedAndLeavesNoEntry) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  EXPECT_TRUE(inject(*a, 2, "tcp 172.16.0.1:80 > 10.0.0.1:40000 S seq=1").outputs.empty());
  EXPECT_TRUE(rows(*a).empty());
}

TEST(LinuxNetfilterAdapter, SnatRewritesTheSourceAndUndoesItOnReplies) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  PipelineSpec spec;
  spec.kind = PipelineKind::kSnatGateway;
  ASSERT_TRUE(a->load(setup_for(flows_of(spec))).ok());
  auto r = inject(*a, 1, "udp 10.0.0.1:5000 > 172.16.0.1:53 len=8");
  ASSERT_EQ(ports_of(r), std::vector<uint16_t>{2});
  auto out = parse_frame(r.outputs[0].bytes);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->ip->src, IpAddress::v4(192, 0, 2, 1));
  EXPECT_TRUE(out->l4_checksum_ok);
  auto back = inject(*a, 2, "udp 172.16.0.1:53 > 192.0.2.1:5000 len=8");
  ASSERT_EQ(ports_of(back), std::vector<uint16_t>{1});
  EXPECT_EQ(back.outputs[0].bytes, frame("udp 172.16.0.1:53 > 10.0.0.1:5000 len=8"));
  auto table = a->dump_table();
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->size(), 1u);
  EXPECT_TRUE((*table)[0].snat);
  EXPECT_FALSE((*table)[0].dnat);
  EXPECT_EQ((*table)[0].reply.dst, IpAddress::v4(192, 0, 2, 1));
}

TEST(LinuxNetfilterAdapter, ZoneFlushRemovesOnlyThatZone) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  PipelineSpec spec;
  spec.kind = PipelineKind::kZonePerPort;
  spec.zone = 4;
  spec.second_zone = 9;
  ASSERT_TRUE(a->load(setup_for(flows_of(spec))).ok());
  inject(*a, 1, "udp 10.0.0.1:5000 > 172.16.0.1:53 len=8");
  inject(*a, 1, "udp 10.0.0.1:5001 > 172.16.0.1:53 len=8");
  auto table = a->dump_table();
  ASSERT_TRUE(table.ok());
  ASSERT_EQ(table->size(), 2u);
  EXPECT_EQ((*table)[0].zone, Zone{4});
  ASSERT_TRUE(a->flush(Zone{9}).ok());
  EXPECT_EQ(rows(*a).size(), 2u);
  ASSERT_TRUE(a->flush(Zone{4}).ok());
  EXPECT_TRUE(rows(*a).empty());
}

TEST(LinuxNetfilterAdapter, LoadStartsFromAnEmptyTable) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  inject(*a, 1, kClientSyn);
  ASSERT_EQ(rows(*a).size(), 1u);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  EXPECT_TRUE(rows(*a).empty());
}

TEST(LinuxNetfilterAdapter, UnsupportedProgramIsRefusedAtLoad) {
  SKIP_UNLESS_PRIVILEGED();
  auto a = make();
  ASSERT_TRUE(a);
  auto st = a->load(setup_for("table=0,priority=100,ip,actions=output:2\n"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
}

TEST(LinuxNetfilterAdapter, CleanupLeavesNoNamespaceAndTheHostUnchanged) {
  SKIP_UNLESS_PRIVILEGED();
  const HostState before = HostState::capture();
  {
    auto a = make();
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
    inject(*a, 1, kClientSyn);
    const std::string during = host({"ip", "netns", "list"});
    EXPECT_NE(during.find("ctc-" + std::to_string(::getpid()) + "-"), std::string::npos) << during;
    PipelineSpec nat;
    nat.kind = PipelineKind::kSnatGateway;
    ASSERT_TRUE(a->load(setup_for(flows_of(nat))).ok());
    a->shutdown();
    a->shutdown();  // idempotent
  }
  {
    auto a = make();
    ASSERT_TRUE(a);
    ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  }  // destructor only
  const HostState after = HostState::capture();
  EXPECT_EQ(after.ruleset, before.ruleset);
  EXPECT_EQ(after.netns, before.netns);
  EXPECT_EQ(after.conntrack_count, before.conntrack_count);
  EXPECT_EQ(after.ip_forward, before.ip_forward);
  EXPECT_EQ(after.be_liberal, before.be_liberal);
  EXPECT_EQ(after.syn_sent, before.syn_sent);
  EXPECT_TRUE(linux_netfilter::registered_netns().empty());
}

// A child killed by SIGTERM mid-scenario leaves no namespace behind.
TEST(LinuxNetfilterAdapter, SigtermRemovesTheNamespace) {
  SKIP_UNLESS_PRIVILEGED();
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  namespace bp = boost::process;
  bp::ipstream out;
  // The child inherits the variable: Boost 1.74's bp::env["X"] = "1" reads
  // past the end of shorter environment entries (ASan reports it).
  ::setenv("CTC_LINUX_NETFILTER_CHILD", "1", 1);
  bp::child child(bp::exe = self,
                  bp::args = {"--gtest_filter=LinuxNetfilterAdapterChild.HoldNamespaceUntilKilled"},
                  bp::std_out > out);
  ::unsetenv("CTC_LINUX_NETFILTER_CHILD");
  std::string line;
  bool ready = false;
  while (std::getline(out, line)) {
    if (line.rfind("READY", 0) == 0) {
      ready = true;
      break;
    }
  }
  ASSERT_TRUE(ready);
  // Only the child's own namespaces count: other test processes (ctest -j)
  // create and remove theirs at the same time.
  EXPECT_NE(namespaces_of(child.id()), "");
  ::kill(child.id(), SIGTERM);
  child.wait();
  EXPECT_EQ(namespaces_of(child.id()), "");
}

TEST(LinuxNetfilterAdapterChild, HoldNamespaceUntilKilled) {
  if (!std::getenv("CTC_LINUX_NETFILTER_CHILD"))
    GTEST_SKIP() << "run by SigtermRemovesTheNamespace";
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->load(setup_for(flows_of(PipelineSpec{}))).ok());
  std::printf("READY\n");
  std::fflush(stdout);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace
}  // namespace ctc
