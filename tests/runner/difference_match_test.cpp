#include "runner/difference_match.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

// Two inside hosts with the same UDP source port through one SNAT address:
// the second connection's port is the NAT's choice. The reference walks up
// (40001); the "system" in these tests picks 13690, as Linux might.
const IpAddress kHostA = IpAddress::v4(10, 0, 0, 1);
const IpAddress kHostB = IpAddress::v4(10, 0, 0, 2);
const IpAddress kHostC = IpAddress::v4(10, 0, 0, 3);
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);
const IpAddress kPublic = IpAddress::v4(192, 0, 2, 1);

constexpr char kSnatFlows[] =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
    "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0.2."
    "1)),output:2\n"
    "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
    "table=1,priority=0,actions=drop\n";

std::vector<uint8_t> udp(const IpAddress& src, uint16_t sport) {
  PacketBuilder b;
  b.ip(src, kServer).udp(sport, 53).payload_size(8);
  return b.frame();
}

ConnectionSnapshot connection(const IpAddress& host, uint16_t nat_port) {
  ConnectionSnapshot c;
  c.zone = Zone{1};
  c.original = Tuple{
      .src = host, .dst = kServer, .protocol = ip_proto::kUdp, .src_port = 40000, .dst_port = 53};
  c.reply = Tuple{.src = kServer,
                  .dst = kPublic,
                  .protocol = ip_proto::kUdp,
                  .src_port = 53,
                  .dst_port = nat_port};
  c.protocol_state = "UNREPLIED";
  c.remaining = Duration::millis(30000);
  c.snat = true;
  return c;
}

const CtState kNew = CtState(CtState::kTrk | CtState::kNew);

RecordedStep sent(std::vector<uint8_t> frame, CtState state = kNew) {
  return {.outputs = {OutputFrame{Port{2}, std::move(frame)}},
          .classification = state,
          .table = std::nullopt};
}

RecordedStep table(std::vector<ConnectionSnapshot> rows) { return {.table = std::move(rows)}; }

// Host A, then host B twice, on the same source port; a check; the end.
struct Case {
  Scenario scenario;
  RunRecord reference;
  RunRecord system;
};

Case snat_clash(const std::string& flows = kSnatFlows) {
  Case c;
  c.scenario.flows = flows;
  for (const IpAddress& host : {kHostA, kHostB, kHostB}) {
    c.scenario.steps.push_back(InjectStep{.port = Port{1}, .frame = udp(host, 40000)});
  }
  c.scenario.steps.push_back(CheckTableStep{});
  for (uint16_t chosen : {uint16_t{40001}, uint16_t{13690}}) {
    RunRecord& r = chosen == 40001 ? c.reference : c.system;
    r = {sent(udp(kPublic, 40000)), sent(udp(kPublic, chosen)), sent(udp(kPublic, chosen)),
         table({connection(kHostA, 40000), connection(kHostB, chosen)}),
         table({connection(kHostA, 40000), connection(kHostB, chosen)})};
  }
  return c;
}

DifferenceExplanation explain(const Case& c, CompareScope scope = {}) {
  return explain_difference(DifferenceKind::kNatPortChoice, c.scenario, c.reference, c.system,
                            scope);
}

TEST(NatPortChoice, ExplainsAnotherChosenSourcePortInFramesAndTable) {
  const DifferenceExplanation e = explain(snat_clash());
  EXPECT_TRUE(e.explained) << e.detail;
  EXPECT_EQ(e.detail, "udp 192.0.2.1 port 40001 -> 13690");
  EXPECT_EQ(e.differing, 4u);  // two frames, the row at the check and at the end
  ASSERT_TRUE(e.first_step.has_value());
  EXPECT_EQ(*e.first_step, 1u);
  EXPECT_EQ(e.first_aspect, "outputs");
}

TEST(NatPortChoice, ExplainsTheSystemKeepingAPortTheReferenceMoved) {
  // Host C's own port is 40001: the reference, having given 40001 to B,
  // moves C to 40002; the system, having given B 13690, keeps C's 40001.
  // 40001 -> 13690 and 40002 -> 40001 is still one renaming, one to one.
  Case c = snat_clash();
  c.scenario.steps.insert(c.scenario.steps.begin() + 3,
                          InjectStep{.port = Port{1}, .frame = udp(kHostC, 40001)});
  c.reference.insert(c.reference.begin() + 3, sent(udp(kPublic, 40002)));
  c.system.insert(c.system.begin() + 3, sent(udp(kPublic, 40001)));
  const DifferenceExplanation e = explain(c);
  EXPECT_TRUE(e.explained) << e.detail;
  EXPECT_EQ(e.detail, "udp 192.0.2.1 port 40001 -> 13690, udp 192.0.2.1 port 40002 -> 40001");
}

TEST(NatPortChoice, DoesNotExplainAnotherCtState) {
  Case c = snat_clash();
  c.system[2].classification = CtState(CtState::kTrk | CtState::kInv);
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail, "step 3: ct_state +trk+new on the reference, +trk+inv on the system");
}

TEST(NatPortChoice, IgnoresCtStateWhereTheSystemCannotReportIt) {
  Case c = snat_clash();
  for (RecordedStep& s : c.system) s.classification.reset();
  EXPECT_TRUE(explain(c, {.classification = false}).explained);
}

TEST(NatPortChoice, DoesNotExplainADroppedPacket) {
  Case c = snat_clash();
  c.system[2].outputs.clear();
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 3: other frames or ports: reference [port 2: udp 192.0.2.1:40001 > 172.16.0.1:53 "
            "len=8], "
            "system [dropped]");
}

TEST(NatPortChoice, DoesNotExplainAFrameLeavingUntranslated) {
  Case c = snat_clash();
  c.system[1] = sent(udp(kHostB, 40000));
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 2: a frame differs beyond its L4 ports: reference [port 2: udp 192.0.2.1:40001 > "
            "172.16.0.1:53 len=8], system [port 2: udp 10.0.0.2:40000 > 172.16.0.1:53 len=8]");
}

TEST(NatPortChoice, DoesNotExplainAPortRenamedTwoWays) {
  Case c = snat_clash();
  c.system[2] = sent(udp(kPublic, 13691));  // B's second packet leaves from another port
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 3: udp 192.0.2.1 port 40001 is 13690 on one frame or row and 13691 on another: "
            "not one renaming");
}

TEST(NatPortChoice, DoesNotExplainAPortTheSystemFailedToKeep) {
  // The system used its own port once, then the reference's: inconsistent
  // even though the second frame equals the reference's.
  Case c = snat_clash();
  c.system[2] = sent(udp(kPublic, 40001));
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 3: udp 192.0.2.1 port 40001 is 13690 on one frame or row and 40001 on another: "
            "not one renaming");
}

TEST(NatPortChoice, DoesNotExplainTwoPortsBecomingOne) {
  Case c = snat_clash();
  c.scenario.steps.insert(c.scenario.steps.begin() + 3,
                          InjectStep{.port = Port{1}, .frame = udp(kHostC, 40000)});
  c.reference.insert(c.reference.begin() + 3, sent(udp(kPublic, 40002)));
  c.system.insert(c.system.begin() + 3, sent(udp(kPublic, 13690)));  // the same as B's
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 4: udp 192.0.2.1 ports 40001 and 40002 both became 13690: not one to one");
}

TEST(NatPortChoice, DoesNotExplainAChecksumLeftForTheOldPort) {
  Case c = snat_clash();
  auto old = parse_frame(udp(kPublic, 40001));
  ASSERT_TRUE(old.ok());
  PacketBuilder stale;  // port 13690 with the checksum of port 40001
  stale.ip(kPublic, kServer).udp(13690, 53).payload_size(8).l4_checksum(*old->udp()->checksum);
  c.system[1] = sent(stale.frame());
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "step 2: a frame differs beyond its L4 ports: reference [port 2: udp 192.0.2.1:40001 > "
            "172.16.0.1:53 len=8], system [port 2: udp 192.0.2.1:13690 > 172.16.0.1:53 len=8 (bad "
            "l4 checksum)]");
}

TEST(NatPortChoice, DoesNotExplainATableRowWithAnotherPortThanTheFrames) {
  Case c = snat_clash();
  c.system.back() = table({connection(kHostA, 40000), connection(kHostB, 13691)});
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "end of scenario: udp 192.0.2.1 port 40001 is 13690 on one frame or row and 13691 on "
            "another: "
            "not one renaming");
}

TEST(NatPortChoice, DoesNotExplainATableRowDifferingBeyondItsPorts) {
  Case c = snat_clash();
  ConnectionSnapshot b = connection(kHostB, 13690);
  b.protocol_state = "REPLIED";
  c.system.back() = table({connection(kHostA, 40000), b});
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_NE(e.detail.find("end of scenario: a connection differs beyond its reply ports"),
            std::string::npos)
      << e.detail;
}

TEST(NatPortChoice, DoesNotExplainAMissingConnection) {
  Case c = snat_clash();
  c.system.back() = table({connection(kHostA, 40000)});
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_NE(e.detail.find("end of scenario: only on the reference: udp,orig=(src=10.0.0.2"),
            std::string::npos)
      << e.detail;
}

TEST(NatPortChoice, DoesNotExplainAPortTheProgramConfigures) {
  const Case c = snat_clash(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0."
      "2.1:40000-40001)),output:2\n"
      "table=1,priority=0,actions=drop\n");
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_EQ(e.detail,
            "end of scenario: the program configures the NAT port on udp 192.0.2.1: 13690 for "
            "40001 is not a choice");
}

TEST(NatPortChoice, ExplainsASourcePortMovedUnderADestinationPortRange) {
  // A DNAT to 172.16.0.1:53 configures the destination port only; the
  // source port a reply-tuple clash moves is still the NAT's choice.
  Case c = snat_clash(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(dst=172.16."
      "0.1:53)),output:2\n"
      "table=1,priority=0,actions=drop\n");
  auto row = [](const IpAddress& host, uint16_t port) {
    ConnectionSnapshot r = connection(host, port);
    r.reply.dst = host;      // the client's own address, its port moved:
    r.snat = port != 40000;  // source-translated by the port alone
    r.dnat = true;
    return r;
  };
  for (uint16_t chosen : {uint16_t{40001}, uint16_t{13690}}) {
    RunRecord& r = chosen == 40001 ? c.reference : c.system;
    r = {sent(udp(kHostA, 40000)), sent(udp(kHostB, chosen)), sent(udp(kHostB, chosen)),
         table({row(kHostA, 40000), row(kHostB, chosen)}),
         table({row(kHostA, 40000), row(kHostB, chosen)})};
  }
  const DifferenceExplanation e = explain(c);
  EXPECT_TRUE(e.explained) << e.detail;
  EXPECT_EQ(e.detail, "udp 10.0.0.2 port 40001 -> 13690");
}

// OVS 3.1 after a recycle under DNAT: the null source binding finds the old
// tuple taken and moves the source port, so the system's connection is
// source-translated too, where the reference's is not.
Case dnat_recycle(bool system_says_snat) {
  Case c;
  c.scenario.flows =
      "table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(dst=172.16."
      "0.1)),output:2\n"
      "table=1,priority=0,actions=drop\n";
  c.scenario.steps = {InjectStep{.port = Port{1}, .frame = udp(kHostA, 40000)}};
  auto row = [](uint16_t port, bool snat) {
    ConnectionSnapshot r = connection(kHostA, port);
    r.reply.dst = kHostA;
    r.snat = snat;
    r.dnat = true;
    return r;
  };
  c.reference = {sent(udp(kHostA, 40000)), table({row(40000, false)})};
  c.system = {sent(udp(kHostA, 40001)), table({row(40001, system_says_snat)})};
  return c;
}

TEST(NatPortChoice, ExplainsTheSourceNatFlagAMovedPortImplies) {
  const DifferenceExplanation e = explain(dnat_recycle(/*system_says_snat=*/true));
  EXPECT_TRUE(e.explained) << e.detail;
  EXPECT_EQ(e.detail, "udp 10.0.0.1 port 40000 -> 40001");
}

TEST(NatPortChoice, DoesNotExplainASourceNatFlagTheTuplesContradict) {
  const DifferenceExplanation e = explain(dnat_recycle(/*system_says_snat=*/false));
  EXPECT_FALSE(e.explained);
  EXPECT_NE(e.detail.find("end of scenario: a connection differs beyond its reply ports"),
            std::string::npos)
      << e.detail;
}

TEST(NatPortChoice, NothingToExplainWhenTheSidesAgree) {
  Case c = snat_clash();
  c.system = c.reference;
  const DifferenceExplanation e = explain(c);
  EXPECT_FALSE(e.explained);
  EXPECT_FALSE(e.first_step.has_value());
  EXPECT_EQ(e.detail, "no difference");
}

TEST(NatPortChoice, ExplainsAnotherIcmpEchoIdentifier) {
  auto echo = [](const IpAddress& src, uint16_t id) {
    PacketBuilder b;
    b.ip(src, kServer).icmp_echo_request(id, 1);
    return b.frame();
  };
  Case c;
  c.scenario.flows = kSnatFlows;
  c.scenario.steps = {InjectStep{.port = Port{1}, .frame = echo(kHostA, 7)},
                      InjectStep{.port = Port{1}, .frame = echo(kHostB, 7)}};
  c.reference = {sent(echo(kPublic, 7)), sent(echo(kPublic, 8)), RecordedStep{}};
  c.system = {sent(echo(kPublic, 7)), sent(echo(kPublic, 51234)), RecordedStep{}};
  const DifferenceExplanation e = explain(c);
  EXPECT_TRUE(e.explained) << e.detail;
  EXPECT_EQ(e.detail, "icmp 192.0.2.1 port 8 -> 51234");
}

}  // namespace
}  // namespace ctc
