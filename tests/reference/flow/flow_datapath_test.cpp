// The reference flow datapath: each action's effect, and stateful programs in
// the spirit of OVS's own conntrack tests (tests/system-traffic.at), with the
// expected outputs and ct_state written by hand.
#include "reference/flow/flow_datapath.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

using namespace tcp_flag;

const IpAddress kA = IpAddress::v4(10, 1, 1, 1);
const IpAddress kB = IpAddress::v4(10, 1, 1, 2);
const IpAddress kPublic = IpAddress::v4(192, 0, 2, 1);

struct Sent {
  std::vector<uint16_t> ports;
  std::optional<CtState> ct;
  std::vector<Packet> packets;
};

class Datapath {
 public:
  explicit Datapath(const std::string& flows, const Profile& profile = linux_profile())
      : dp_(profile, parse(flows)) {}

  Sent send(uint16_t port, const Packet& p) {
    DatapathResult r = dp_.process(port, serialize_frame(p), now_, true);
    last_trace_ = r.trace;
    Sent s;
    s.ct = r.classification;
    for (const auto& o : r.outputs) {
      s.ports.push_back(o.port);
      auto parsed = parse_frame(o.frame);
      EXPECT_TRUE(parsed.ok());
      if (parsed.ok()) s.packets.push_back(std::move(parsed).value());
    }
    return s;
  }
  void advance(Duration d) { now_ = now_ + d; }
  Conntrack& conntrack() { return dp_.conntrack(); }
  const std::string& trace() const { return last_trace_; }

 private:
  static FlowProgram parse(const std::string& flows) {
    auto program = parse_flow_program(flows);
    EXPECT_TRUE(program.ok()) << program.error().message;
    return program.ok() ? std::move(program).value() : FlowProgram{};
  }
  FlowDatapath dp_;
  Timestamp now_;
  std::string last_trace_;
};

Packet tcp(const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp, uint8_t flags,
           uint32_t seq, uint32_t ack = 0) {
  return PacketBuilder().ip(s, d).tcp(sp, dp, flags, seq, ack).packet();
}
Packet udp(const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp) {
  return PacketBuilder().ip(s, d).udp(sp, dp).payload_size(8).packet();
}

CtState S(const char* text) { return CtState::parse(text).value(); }
std::vector<uint16_t> P(std::initializer_list<uint16_t> ports) { return ports; }

// --- actions -----------------------------------------------------------------

TEST(FlowDatapathActions, OutputSendsToThePort) {
  Datapath dp("in_port=1,actions=output:2,output:3\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2, 3}));
}

TEST(FlowDatapathActions, OutputToInputPortIsSkipped) {
  Datapath dp("actions=output:1,output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2}));
}

TEST(FlowDatapathActions, MissAndDropSendNothing) {
  Datapath dp("in_port=2,actions=output:1\nin_port=1,actions=drop\n");
  EXPECT_TRUE(dp.send(1, udp(kA, 1, kB, 2)).ports.empty());
  EXPECT_TRUE(dp.send(3, udp(kA, 1, kB, 2)).ports.empty());
}

TEST(FlowDatapathActions, HighestPriorityWins) {
  Datapath dp("priority=10,actions=output:2\npriority=20,udp,actions=output:3\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({3}));
  EXPECT_EQ(dp.send(1, tcp(kA, 1, kB, 2, kSyn, 1)).ports, P({2}));
}

TEST(FlowDatapathActions, ResubmitRunsAnotherTableAndComesBack) {
  Datapath dp("table=0,actions=resubmit(,1),output:3\ntable=1,actions=output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2, 3}));
}

TEST(FlowDatapathActions, GotoTableContinuesThere) {
  Datapath dp("table=0,actions=goto_table:5\ntable=5,actions=output:4\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({4}));
}

TEST(FlowDatapathActions, RegistersLoadMoveAndMatch) {
  Datapath dp(
      "table=0,actions=load:0x5->NXM_NX_REG0[0..3],move:NXM_NX_REG0[0..3]->NXM_NX_REG1[4..7],resubmit(,1)\n"
      "table=1,reg1=0x50,actions=output:2\n"
      "table=1,priority=0,actions=output:3\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2}));
}

TEST(FlowDatapathActions, SetFieldRewritesHeadersWithFreshChecksums) {
  Datapath dp("udp,actions=mod_nw_src:192.0.2.1,mod_tp_dst:99,mod_dl_src:02:00:00:00:00:09,output:2\n");
  Sent s = dp.send(1, udp(kA, 1, kB, 2));
  ASSERT_EQ(s.packets.size(), 1u);
  EXPECT_EQ(s.packets[0].ip->src, kPublic);
  EXPECT_EQ(s.packets[0].udp()->dst_port, 99);
  EXPECT_EQ(s.packets[0].eth->src, MacAddress::parse("02:00:00:00:00:09").value());
  EXPECT_TRUE(s.packets[0].ip_checksum_ok);
  EXPECT_TRUE(s.packets[0].l4_checksum_ok);
}

TEST(FlowDatapathActions, DecTtlDecrementsAndDropsAtOne) {
  Datapath dp("ip,actions=dec_ttl,output:2\n");
  Sent s = dp.send(1, PacketBuilder().ip(kA, kB).ttl(5).udp(1, 2).packet());
  ASSERT_EQ(s.packets.size(), 1u);
  EXPECT_EQ(s.packets[0].ip->ttl, 4);
  EXPECT_TRUE(dp.send(1, PacketBuilder().ip(kA, kB).ttl(1).udp(1, 2).packet()).ports.empty());
}

TEST(FlowDatapathActions, CtWithTableRecirculatesWithTheNewState) {
  Datapath dp("table=0,ip,actions=ct(table=1)\ntable=1,ct_state=+trk+new,actions=output:2\n");
  Sent s = dp.send(1, udp(kA, 1, kB, 2));
  EXPECT_EQ(s.ports, P({2}));
  EXPECT_EQ(s.ct, S("+trk+new"));
}

TEST(FlowDatapathActions, CtForkLeavesTheRestOfTheListUntracked) {
  // The original continues as untracked: resubmit(,2) sees ct_state=0.
  Datapath dp(
      "table=0,ip,actions=ct(table=1),resubmit(,2)\n"
      "table=1,ct_state=+trk,actions=output:3\n"
      "table=2,ct_state=-trk,actions=output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2, 3}));
}

// A ct(table=) last in its own list but inside a resubmit still forks: the
// enclosing list goes on with the original, untracked and un-NATed packet.
TEST(FlowDatapathActions, CtForkLastInAResubmitLeavesTheCallerUntracked) {
  Datapath dp(
      "table=0,ip,actions=resubmit(,5),resubmit(,2)\n"
      "table=5,ip,actions=ct(commit,table=1,nat(src=192.0.2.1))\n"
      "table=1,ct_state=+trk,actions=output:3\n"
      "table=2,ct_state=-trk,actions=output:2\n");
  const Sent s = dp.send(1, udp(kA, 1, kB, 2));
  EXPECT_EQ(s.ports, P({2, 3}));
  ASSERT_EQ(s.packets.size(), 2u);
  EXPECT_EQ(s.packets[0].ip->src, kA);        // port 2: the original
  EXPECT_EQ(s.packets[1].ip->src, kPublic);   // port 3: tracked and NATed
  EXPECT_EQ(s.ct, S("+trk+new+snat"));
}

// Both forks are queued and run in order; the later packet runs only its own.
TEST(FlowDatapathActions, TwoForksRecirculateInOrderAndOnlyForTheirPacket) {
  Datapath dp(
      "table=0,udp,actions=ct(table=1,zone=1),ct(table=2,zone=2)\n"
      "table=0,tcp,actions=ct(table=2,zone=2)\n"
      "table=1,ct_zone=1,actions=output:3\n"
      "table=2,ct_zone=2,actions=output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({3, 2}));
  EXPECT_EQ(dp.send(1, tcp(kA, 1, kB, 2, kSyn, 1)).ports, P({2}));
}

TEST(FlowDatapathActions, CallerOwnedResultIsClearedForEachPacket) {
  auto program = parse_flow_program(
      "table=0,ip,actions=ct(table=1)\n"
      "table=1,actions=output:2\n");
  ASSERT_TRUE(program.ok());
  FlowDatapath dp(linux_profile(), std::move(program).value());
  DatapathResult r;
  dp.process(1, serialize_frame(udp(kA, 1, kB, 2)), Timestamp{}, r, true);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].port, 2);
  EXPECT_EQ(r.classification, S("+trk+new"));
  EXPECT_FALSE(r.trace.empty());

  Packet arp = PacketBuilder().ip(kA, kB).udp(1, 2).packet();
  arp.eth->ether_type = ether_type::kArp;
  arp.ip.reset();
  arp.l4 = std::monostate{};
  dp.process(1, serialize_frame(arp), Timestamp{}, r);
  EXPECT_TRUE(r.outputs.empty());
  EXPECT_EQ(r.classification, std::nullopt);
  EXPECT_TRUE(r.trace.empty());
}

// A caller that keeps one DatapathResult and swaps its spent buffers into
// the outputs (so that later packets refill them, stale bytes and all) gets
// exactly what fresh results carry: NATed and unchanged frames, copies made by
// a ct(table=) that is not last, frames that do not parse.
TEST(FlowDatapathActions, RefilledOutputBuffersEqualFreshOutputs) {
  const std::string flows =
      "table=0,ip,actions=ct(table=1,zone=1,nat),output:3\n"
      "table=0,priority=0,actions=output:2,output:3\n"
      "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0.2.1)),output:2\n"
      "table=1,in_port=1,ct_state=+trk+est,actions=output:2,output:3\n"
      "table=1,in_port=2,ct_state=+trk+est,actions=output:1\n";
  auto program = parse_flow_program(flows);
  ASSERT_TRUE(program.ok());
  FlowDatapath fresh(linux_profile(), *program);
  FlowDatapath reusing(linux_profile(), *program);

  Packet arp = PacketBuilder().ip(kA, kB).udp(1, 2).packet();
  arp.eth->ether_type = ether_type::kArp;
  arp.ip.reset();
  arp.l4 = std::monostate{};
  std::vector<uint8_t> cut = serialize_frame(tcp(kA, 1000, kB, 80, kSyn, 1));
  cut.resize(40);
  const std::vector<std::pair<uint16_t, std::vector<uint8_t>>> frames = {
      {1, serialize_frame(udp(kA, 5000, kB, 53))},
      {2, serialize_frame(udp(kB, 53, kPublic, 5000))},
      {1, serialize_frame(udp(kA, 5000, kB, 53))},
      {1, serialize_frame(arp)},
      {1, cut},
      {1, serialize_frame(tcp(kA, 1000, kB, 80, kSyn, 1))},
      {2, serialize_frame(tcp(kB, 80, kPublic, 1000, kSyn | kAck, 7, 2))},
      {1, serialize_frame(udp(kA, 5001, kB, 53))},
  };
  DatapathResult kept;
  std::vector<std::vector<uint8_t>> spent(4, std::vector<uint8_t>(1500, 0xee));
  for (const auto& [port, frame] : frames) {
    const DatapathResult want = fresh.process(port, frame, Timestamp{});
    reusing.process(port, frame, Timestamp{}, kept);
    EXPECT_EQ(kept.outputs, want.outputs) << "in_port " << port;
    EXPECT_EQ(kept.classification, want.classification) << "in_port " << port;
    for (size_t i = 0; i < kept.outputs.size(); ++i) {
      std::swap(kept.outputs[i].frame, spent[i % spent.size()]);
    }
  }
}

TEST(FlowDatapathActions, CtFieldsReadAsClearedAfterCtWithoutTable) {
  Datapath dp(
      "table=0,ip,actions=ct(table=1)\n"
      "table=1,ip,ct_state=+trk+new,actions=ct(commit),resubmit(,2)\n"
      "table=2,ct_state=-trk,actions=output:2\n"
      "table=2,ct_state=+trk,actions=output:3\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2}));
}

TEST(FlowDatapathActions, CtClearUntracks) {
  Datapath dp(
      "table=0,ip,actions=ct(table=1)\n"
      "table=1,ct_state=+trk,actions=ct_clear,resubmit(,2)\n"
      "table=2,ct_state=-trk,actions=output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2}));
}

TEST(FlowDatapathActions, CtZoneFromRegister) {
  Datapath dp(
      "table=0,ip,actions=load:7->NXM_NX_REG0[0..15],ct(zone=NXM_NX_REG0[0..15],table=1)\n"
      "table=1,ct_zone=7,actions=output:2\n");
  EXPECT_EQ(dp.send(1, udp(kA, 1, kB, 2)).ports, P({2}));
}

TEST(FlowDatapathActions, TraceNamesTablesRulesAndCtResults) {
  Datapath dp("table=0,ip,actions=ct(table=1,zone=3)\ntable=1,actions=output:2\n");
  dp.send(1, udp(kA, 1, kB, 2));
  EXPECT_NE(dp.trace().find("table 0"), std::string::npos);
  EXPECT_NE(dp.trace().find("ct(zone=3) -> +trk+new"), std::string::npos);
  EXPECT_NE(dp.trace().find("output:2"), std::string::npos);
}

// --- stateful programs ---------------------------------------------------------

constexpr const char* kFirewall =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=100,ipv6,actions=ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
    "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"
    "table=1,priority=80,in_port=2,ct_state=+trk+rel,actions=output:1\n"
    "table=1,priority=70,ct_state=+trk+inv,actions=output:3\n"
    "table=1,priority=0,actions=drop\n";

TEST(FlowDatapathStateful, TwoPortFirewallAllowsRepliesOnly) {
  Datapath dp(kFirewall);
  Sent s = dp.send(1, tcp(kA, 1000, kB, 80, kSyn, 1));
  EXPECT_EQ(s.ports, P({2}));
  EXPECT_EQ(s.ct, S("+trk+new"));
  s = dp.send(2, tcp(kB, 80, kA, 1000, kSyn | kAck, 100, 2));
  EXPECT_EQ(s.ports, P({1}));
  EXPECT_EQ(s.ct, S("+trk+est+rpl"));
  s = dp.send(1, tcp(kA, 1000, kB, 80, kAck, 2, 101));
  EXPECT_EQ(s.ports, P({2}));
  EXPECT_EQ(s.ct, S("+trk+est"));
  // Unsolicited from outside: +new on port 2 matches nothing but the drop.
  s = dp.send(2, tcp(kB, 81, kA, 1000, kSyn, 1));
  EXPECT_TRUE(s.ports.empty());
  EXPECT_EQ(s.ct, S("+trk+new"));
  // SYN+ACK from outside without a connection: +inv, audited on port 3.
  EXPECT_EQ(dp.send(2, tcp(kB, 82, kA, 1000, kSyn | kAck, 1, 1)).ports, P({3}));
}

TEST(FlowDatapathStateful, ZonePerPortIsolatesConnections) {
  Datapath dp(
      "table=0,ip,in_port=1,actions=ct(table=1,zone=1)\n"
      "table=0,ip,in_port=2,actions=ct(table=1,zone=2)\n"
      "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
      "table=1,ct_state=+trk+est,actions=output:9\n"
      "table=1,in_port=2,ct_state=+trk+new,actions=output:3\n");
  dp.send(1, udp(kA, 5, kB, 6));
  // The reply is looked up in zone 2 where nothing was committed: +new.
  Sent s = dp.send(2, udp(kB, 6, kA, 5));
  EXPECT_EQ(s.ports, P({3}));
  EXPECT_EQ(s.ct, S("+trk+new"));
}

TEST(FlowDatapathStateful, MarkAndLabelSetOnCommitAreMatchedLater) {
  Datapath dp(
      "table=0,ip,actions=ct(table=1,zone=1)\n"
      "table=1,ip,ct_state=+trk+new,in_port=1,actions=ct(commit,zone=1,exec(set_field:0x2a->ct_mark,set_field:0x1234->ct_label)),output:2\n"
      "table=1,ct_state=+trk+est,ct_mark=0x2a,ct_label=0x1234,in_port=2,actions=output:1\n"
      "table=1,priority=0,actions=drop\n");
  dp.send(1, udp(kA, 5, kB, 6));
  EXPECT_EQ(dp.send(2, udp(kB, 6, kA, 5)).ports, P({1}));
  auto rows = dp.conntrack().dump({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].mark, 0x2au);
  EXPECT_EQ(rows[0].label, (CtLabel{0, 0x1234}));
}

TEST(FlowDatapathStateful, SnatGatewayTranslatesBothWays) {
  Datapath dp(
      "table=0,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0.2.1)),output:2\n"
      "table=1,in_port=1,ct_state=+trk+est,actions=output:2\n"
      "table=1,in_port=2,ct_state=+trk+est,actions=output:1\n"
      "table=1,in_port=2,ct_state=+trk+rel,actions=output:1\n"
      "table=1,priority=0,actions=drop\n");
  Sent out = dp.send(1, udp(kA, 5000, kB, 53));
  ASSERT_EQ(out.packets.size(), 1u);
  EXPECT_EQ(out.packets[0].ip->src, kPublic);
  EXPECT_TRUE(out.packets[0].l4_checksum_ok);
  Sent back = dp.send(2, udp(kB, 53, kPublic, 5000));
  ASSERT_EQ(back.packets.size(), 1u);
  EXPECT_EQ(back.packets[0].ip->dst, kA);
  EXPECT_EQ(back.ct, S("+trk+est+rpl+dnat"));
  // ICMP related through NAT: the error to the public address reaches kA,
  // quoting the packet as kA sent it.
  Packet error = PacketBuilder().ip(kB, kPublic).icmp_error(3, 3, out.packets[0]).packet();
  Sent rel = dp.send(2, error);
  ASSERT_EQ(rel.packets.size(), 1u);
  EXPECT_EQ(rel.ct, S("+trk+rel+rpl+dnat"));
  EXPECT_EQ(rel.packets[0].ip->dst, kA);
  auto quoted = parse_quoted_packet(rel.packets[0]);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->ip->src, kA);
}

TEST(FlowDatapathStateful, DnatLoadBalancerRewritesDestination) {
  Datapath dp(
      "table=0,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=1,in_port=1,ct_state=+trk+new,tcp,tp_dst=80,actions=ct(commit,zone=1,nat(dst=10.1.1.2:8080)),output:2\n"
      "table=1,in_port=1,ct_state=+trk+est,actions=output:2\n"
      "table=1,in_port=2,ct_state=+trk+est,actions=output:1\n"
      "table=1,priority=0,actions=drop\n");
  Sent s = dp.send(1, tcp(kA, 4000, kPublic, 80, kSyn, 1));
  ASSERT_EQ(s.packets.size(), 1u);
  EXPECT_EQ(s.packets[0].ip->dst, kB);
  EXPECT_EQ(s.packets[0].tcp()->dst_port, 8080);
  EXPECT_EQ(s.ct, S("+trk+new"));
  Sent r = dp.send(2, tcp(kB, 8080, kA, 4000, kSyn | kAck, 9, 2));
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0].ip->src, kPublic);
  EXPECT_EQ(r.packets[0].tcp()->src_port, 80);
}

TEST(FlowDatapathStateful, Ipv6FirewallHandshake) {
  Datapath dp(kFirewall);
  const IpAddress a = IpAddress::parse("fd00::1").value(), b = IpAddress::parse("fd00::2").value();
  EXPECT_EQ(dp.send(1, tcp(a, 1, b, 2, kSyn, 7)).ports, P({2}));
  Sent s = dp.send(2, tcp(b, 2, a, 1, kSyn | kAck, 70, 8));
  EXPECT_EQ(s.ports, P({1}));
  EXPECT_EQ(s.ct, S("+trk+est+rpl"));
}

TEST(FlowDatapathStateful, ConnectionExpiresOnTheVirtualClock) {
  Datapath dp(kFirewall);
  dp.send(1, udp(kA, 5, kB, 6));
  dp.advance(Duration::seconds(31));  // Linux UDP unreplied: 30 s
  Sent s = dp.send(2, udp(kB, 6, kA, 5));
  EXPECT_TRUE(s.ports.empty());
  EXPECT_EQ(s.ct, S("+trk+new"));
}

}  // namespace
}  // namespace ctc
