// The built-in engine on its own: adapter identity, the batch API, dump
// spellings per profile and the per-zone limit, with expected values written
// out (and the zone limit also checked against the reference datapath).
#include "adapters/builtin/builtin_engine.h"

#include "reference/flow/flow_datapath.h"
#include "reference/packet/packet_parser.h"
#include "tests/adapters/builtin/harness.h"

namespace ctc::builtin_test {
namespace {

using namespace tcp_flag;
using builtin::BatchFrame;
using builtin::BatchResult;
using builtin::BuiltinEngine;

FlowProgram program(const std::string& flows) {
  auto p = parse_flow_program(flows);
  EXPECT_TRUE(p.ok()) << p.error().message;
  return p.ok() ? std::move(p).value() : FlowProgram{};
}

CtState S(const char* text) { return CtState::parse(text).value(); }

std::vector<uint8_t> frame_of(const Step& s) { return std::get<Inject>(s).frame; }

TEST(BuiltinAdapter, IdentifiesItselfWithEveryCapability) {
  auto adapter = make_builtin_adapter();
  EXPECT_EQ(adapter->id(), "builtin");
  const Capabilities caps = adapter->capabilities();
  EXPECT_TRUE(caps.flows && caps.ipv6 && caps.nat && caps.zones && caps.marks && caps.labels &&
              caps.virtual_time && caps.table_dump && caps.classification);
  EXPECT_EQ(caps.profiles, (std::vector<std::string>{"linux", "ovs-userspace"}));
}

TEST(BuiltinAdapter, RejectsBadFlowsAndCallsBeforeLoad) {
  auto adapter = make_builtin_adapter();
  EXPECT_FALSE(adapter->inject(Port{1}, frame_of(udp(1, kA, 1, kB, 2))).ok());
  ScenarioSetup setup;
  setup.flows = "table=0,actions=frobnicate\n";
  setup.profile = &linux_profile();
  EXPECT_FALSE(adapter->load(setup).ok());
  setup.profile = nullptr;
  EXPECT_FALSE(adapter->load(setup).ok());
}

TEST(BuiltinEngine, BatchReportsEachFrameInOrder) {
  BuiltinEngine engine(linux_profile(), program(kFirewall));
  const std::vector<std::vector<uint8_t>> frames = {
      frame_of(tcp(1, kA, 40000, kB, 80, kSyn, 1000)),
      frame_of(tcp(2, kB, 80, kA, 40000, kSyn | kAck, 5000, 1001)),
      frame_of(tcp(1, kA, 40000, kB, 80, kAck, 1001, 5001)),
      frame_of(tcp(2, kB, 81, kA, 40000, kSyn | kAck, 1, 1)),
  };
  const std::vector<BatchFrame> batch = {{1, frames[0]}, {2, frames[1]}, {1, frames[2]}, {2, frames[3]}};
  BatchResult r;
  engine.process_batch(batch, 0, r);
  ASSERT_EQ(r.classification.size(), 4u);
  EXPECT_EQ(r.classification[0], S("+trk+new"));
  EXPECT_EQ(r.classification[1], S("+trk+est+rpl"));
  EXPECT_EQ(r.classification[2], S("+trk+est"));
  EXPECT_EQ(r.classification[3], S("+trk+inv"));
  ASSERT_EQ(r.outputs.size(), 4u);
  const uint16_t ports[] = {2, 1, 2, 3};
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.outputs[i].packet, i);
    EXPECT_EQ(r.outputs[i].port, ports[i]);
    const auto out = r.frame(r.outputs[i]);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), frames[i].begin(), frames[i].end()));
  }
}

TEST(BuiltinEngine, DumpSpellsStatesAsEachProfileDoes) {
  for (const Profile* profile : kProfiles) {
    BuiltinEngine engine(*profile, program(kFirewall));
    BatchResult r;
    engine.process(1, frame_of(tcp(1, kA, 40000, kB, 80, kSyn, 1000)), 0, r);
    engine.process(2, frame_of(tcp(2, kB, 80, kA, 40000, kSyn | kAck, 5000, 1001)), 0, r);
    engine.process(1, frame_of(tcp(1, kA, 40000, kB, 80, kAck, 1001, 5001)), 0, r);
    const auto rows = engine.conntrack().dump(Duration::seconds(10).ns);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].zone, Zone{1});
    EXPECT_EQ(rows[0].original.src, kA);
    EXPECT_EQ(rows[0].reply.src, kB);
    EXPECT_EQ(rows[0].reply.dst_port, 40000);
    EXPECT_TRUE(rows[0].seen_reply);
    if (profile->name == "linux") {
      EXPECT_EQ(rows[0].protocol_state, "ESTABLISHED");
      EXPECT_EQ(rows[0].remaining, Duration::seconds(432000 - 10));
    } else {
      EXPECT_EQ(rows[0].protocol_state, "ESTABLISHED/ESTABLISHED");
      EXPECT_EQ(rows[0].remaining, Duration::seconds(86400 - 10));
    }
  }
}

TEST(BuiltinEngine, ZoneLimitDropsOnLinuxAndLeavesNewOnOvs) {
  for (const Profile* profile : kProfiles) {
    SCOPED_TRACE(profile->name);
    BuiltinEngine engine(*profile, program(kFirewall));
    FlowDatapath reference(*profile, program(kFirewall));
    engine.conntrack().set_zone_limit(1, 2);
    reference.conntrack().set_zone_limit(Zone{1}, 2);
    for (uint16_t sport = 1; sport <= 3; ++sport) {
      const auto frame = frame_of(udp(1, kA, sport, kB, 53));
      BatchResult r;
      engine.process(1, frame, 0, r);
      const DatapathResult want = reference.process(1, frame, Timestamp{});
      EXPECT_EQ(r.classification[0], want.classification);
      EXPECT_EQ(r.outputs.size(), want.outputs.size());
      if (sport == 3) {
        EXPECT_EQ(r.classification[0], S("+trk+new"));
        EXPECT_EQ(r.outputs.size(), profile->zone_limit_drops_packet ? 0u : 1u);
      }
    }
    EXPECT_EQ(engine.conntrack().dump(0), reference.conntrack().dump(Timestamp{}));
    EXPECT_EQ(engine.conntrack().size(), 2u);
    // Expired connections no longer count against the limit.
    const auto later = frame_of(udp(1, kA, 9, kB, 53));
    BatchResult r;
    engine.process(1, later, Duration::seconds(100).ns, r);
    EXPECT_EQ(r.outputs.size(), 1u);
    EXPECT_EQ(engine.conntrack().dump(Duration::seconds(100).ns).size(), 1u);
  }
}

// Two hosts ping one server with echo identifier 40002 through one SNAT
// address. Linux (nf_nat_l4proto_unique_tuple()) moves the second to 40003
// in the oracle's walk; OVS 3.1 (nat_get_unique_tuple(), TCP/UDP only) finds
// the tuple exhausted and forwards it +new, untranslated, uncommitted.
TEST(BuiltinEngine, IcmpIdClashThroughSnatPerProfile) {
  for (const Profile* profile : kProfiles) {
    SCOPED_TRACE(profile->name);
    const bool is_linux = profile->name == "linux";
    BuiltinEngine engine(*profile, program(kSnat));
    BatchResult r;
    engine.process(1, frame_of(echo(1, kA, kB, 40002)), 0, r);
    engine.process(1, frame_of(echo(1, kC, kB, 40002)), 0, r);
    // The classification is the state the +new flow matched; the NAT bits
    // come later, from its commit.
    ASSERT_EQ(r.classification.size(), 2u);
    EXPECT_EQ(r.classification[0], S("+trk+new"));
    EXPECT_EQ(r.classification[1], S("+trk+new"));
    ASSERT_EQ(r.outputs.size(), 2u);
    EXPECT_EQ(r.outputs[1].port, 2);
    auto out = parse_frame(r.frame(r.outputs[1]));
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->l4_checksum_ok);
    EXPECT_EQ(out->ip->src, is_linux ? kPublic : kC);
    EXPECT_EQ(out->icmp()->identifier(), is_linux ? 40003 : 40002);
    const auto rows = engine.conntrack().dump(0);
    ASSERT_EQ(rows.size(), is_linux ? 2u : 1u);
    if (is_linux) {
      EXPECT_EQ(rows[1].original.icmp_id, 40002);
      EXPECT_EQ(rows[1].reply.icmp_id, 40003);
    }
  }
}

// Linux deletes an unreplied DNAT connection on a RST from its client, but
// that RST still leaves translated, through the +new flow's commit
// (nftables nf_nat_inet_fn(); not kernel OVS: a known divergence); OVS keeps the
// connection and reports the RST +est.
TEST(BuiltinEngine, RstBeforeReplyThroughDnatPerProfile) {
  const std::string flows =
      "table=0,ip,actions=ct(table=1,zone=0,nat)\n"
      "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=0,nat(dst=192.0.2.77)),output:2\n"
      "table=1,in_port=1,ct_state=+trk+est,actions=output:2\n"
      "table=1,ct_state=+trk+inv,actions=output:3\n"
      "table=1,priority=0,actions=drop\n";
  const IpAddress backend = IpAddress::v4(192, 0, 2, 77);
  for (const Profile* profile : kProfiles) {
    SCOPED_TRACE(profile->name);
    const bool is_linux = profile->name == "linux";
    BuiltinEngine engine(*profile, program(flows));
    BatchResult r;
    engine.process(1, frame_of(tcp(1, kA, 40000, kPublic, 53, kSyn, 2147483647u)), 0, r);
    engine.process(1, frame_of(tcp(1, kA, 40000, kPublic, 53, kRst | kAck, 2147483647u, 0)), 0, r);
    ASSERT_EQ(r.classification.size(), 2u);
    EXPECT_EQ(r.classification[1], is_linux ? S("+trk+new") : S("+trk+est+dnat"));
    ASSERT_EQ(r.outputs.size(), 2u);
    EXPECT_EQ(r.outputs[1].port, 2);
    auto out = parse_frame(r.frame(r.outputs[1]));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->ip->dst, backend);
    EXPECT_EQ(engine.conntrack().dump(0).size(), is_linux ? 0u : 1u);
  }
}

TEST(BuiltinEngine, ManyConnectionsSurviveGrowthAndReaping) {
  BuiltinEngine engine(ovs_userspace_profile(), program(kFirewall));
  BatchResult r;
  for (uint32_t i = 0; i < 5000; ++i) {
    const IpAddress src = IpAddress::v4(0x0a000000u + i);
    engine.process(1, frame_of(udp(1, src, static_cast<uint16_t>(i + 1), kB, 53)), 0, r);
  }
  EXPECT_EQ(engine.conntrack().size(), 5000u);
  for (uint32_t i = 0; i < 5000; i += 2) {
    const IpAddress src = IpAddress::v4(0x0a000000u + i);
    r.clear();
    engine.process(2, frame_of(udp(2, kB, 53, src, static_cast<uint16_t>(i + 1))), Duration::seconds(10).ns, r);
    ASSERT_EQ(r.classification[0], S("+trk+est+rpl")) << i;
  }
  // Unreplied ones expire at 60 s, replied ones 30 s after their reply.
  EXPECT_EQ(engine.conntrack().dump(Duration::seconds(39).ns).size(), 5000u);
  EXPECT_EQ(engine.conntrack().dump(Duration::seconds(40).ns).size(), 2500u);
  EXPECT_EQ(engine.conntrack().dump(Duration::seconds(60).ns).size(), 0u);
  engine.process(1, frame_of(udp(1, kA, 1, kB, 53)), Duration::seconds(60).ns, r);
  EXPECT_EQ(engine.conntrack().size(), 1u);
}

TEST(BuiltinEngine, EachSetPortsReplacesTheLastOne) {
  BuiltinEngine engine(linux_profile(), program("table=0,actions=output:2,output:130,output:4000\n"));
  const auto frame = frame_of(udp(1, kA, 1000, kB, 53));
  const auto ports_out = [&] {
    BatchResult r;
    engine.process(1, frame, 0, r);
    std::vector<uint16_t> ports;
    for (const auto& o : r.outputs) ports.push_back(o.port);
    return ports;
  };
  EXPECT_EQ(ports_out(), (std::vector<uint16_t>{2, 130, 4000}));  // none declared: all exist
  engine.set_ports({1, 2, 130});
  EXPECT_EQ(ports_out(), (std::vector<uint16_t>{2, 130}));
  engine.set_ports({1, 131, 4000});
  EXPECT_EQ(ports_out(), (std::vector<uint16_t>{4000}));
  engine.set_ports({1, 3});
  EXPECT_EQ(ports_out(), (std::vector<uint16_t>{}));
  engine.set_ports({});
  EXPECT_EQ(ports_out(), (std::vector<uint16_t>{2, 130, 4000}));
}

// in_port, dl_type and ct_state (with a mask) are tested from one packed
// word per packet; each rule below is told apart by exactly one of them.
TEST(BuiltinEngine, RulesTellPortsTypesAndMaskedCtStatesApart) {
  const std::string flows =
      "table=0,priority=100,ip,in_port=1,actions=ct(table=1,zone=1)\n"
      "table=0,priority=100,ipv6,actions=ct(table=1,zone=1)\n"
      "table=0,priority=50,in_port=2,actions=output:7\n"
      "table=0,priority=10,actions=output:8\n"
      "table=1,priority=100,ip,ct_state=+trk+new-est,in_port=1,actions=ct(commit,zone=1),output:2\n"
      "table=1,priority=100,ipv6,ct_state=+trk+new-est,in_port=1,actions=ct(commit,zone=1),"
      "output:2\n"
      "table=1,priority=90,ct_state=+trk-new,actions=output:5\n"
      "table=1,priority=0,actions=output:6\n";
  BuiltinEngine engine(linux_profile(), program(flows));
  const auto ports_out = [&](const Step& step) {
    BatchResult r;
    engine.process(std::get<Inject>(step).port, frame_of(step), 0, r);
    std::vector<uint16_t> ports;
    for (const auto& o : r.outputs) ports.push_back(o.port);
    return ports;
  };
  EXPECT_EQ(ports_out(udp(1, kA, 1000, kB, 53)), (std::vector<uint16_t>{2}));
  EXPECT_EQ(ports_out(udp(2, kB, 53, kA, 1000)), (std::vector<uint16_t>{7}));  // ip from 2
  EXPECT_EQ(ports_out(udp(3, kA, 1000, kB, 53)), (std::vector<uint16_t>{8}));
  EXPECT_EQ(ports_out(udp(1, kA6, 1000, kB6, 53)), (std::vector<uint16_t>{2}));
  EXPECT_EQ(ports_out(udp(2, kB6, 53, kA6, 1000)), (std::vector<uint16_t>{5}));  // +est+rpl
  EXPECT_EQ(ports_out(udp(2, kB6, 7, kA6, 9)), (std::vector<uint16_t>{6}));      // +new from 2
  EXPECT_TRUE(same_as_reference(linux_profile(), flows,
                                {udp(1, kA, 1000, kB, 53), udp(2, kB, 53, kA, 1000),
                                 udp(3, kA, 1000, kB, 53), udp(1, kA6, 1000, kB6, 53),
                                 udp(2, kB6, 53, kA6, 1000), udp(2, kB6, 7, kA6, 9)}));
}

// reset() and flush() forget every connection, whether few (removed one by
// one) or many (the index cleared whole), and the tracker works on after.
TEST(BuiltinEngine, ResetAndFlushForgetFewAndManyConnections) {
  for (const uint16_t n : {uint16_t{3}, uint16_t{700}}) {
    SCOPED_TRACE(n);
    BuiltinEngine engine(linux_profile(), program(kFirewall));
    const auto open_all = [&] {
      for (uint16_t sport = 1; sport <= n; ++sport) {
        BatchResult r;
        engine.process(1, frame_of(udp(1, kA, sport, kB, 53)), 0, r);
        EXPECT_EQ(r.classification[0], S("+trk+new"));
      }
      EXPECT_EQ(engine.conntrack().size(), n);
    };
    open_all();
    engine.conntrack().reset();
    EXPECT_EQ(engine.conntrack().size(), 0u);
    EXPECT_TRUE(engine.conntrack().dump(0).empty());
    BatchResult reply;
    engine.process(2, frame_of(udp(2, kB, 53, kA, 1)), 0, reply);
    EXPECT_EQ(reply.classification[0], S("+trk+new"));  // no connection left to answer
    EXPECT_TRUE(reply.outputs.empty());
    open_all();
    engine.conntrack().flush();
    EXPECT_EQ(engine.conntrack().size(), 0u);
    open_all();
    const auto rows = engine.conntrack().dump(0);
    ASSERT_EQ(rows.size(), n);
    EXPECT_EQ(rows[0].original.src_port, 1);
  }
}

}  // namespace
}  // namespace ctc::builtin_test
