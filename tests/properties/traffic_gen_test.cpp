#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "properties/generators/traffic_gen.h"
#include "reference/packet/packet_parser.h"
#include "reference/conntrack/profile.h"

namespace ctc {
namespace {

RC_GTEST_PROP(TrafficGen, EveryGeneratedFrameParses, ()) {
  const TrafficPlan plan = *gen::traffic_plan();
  const Scenario s = build_scenario(plan, "generated", "test");
  for (const Step& step : s.steps) {
    if (const auto* inject = std::get_if<InjectStep>(&step)) {
      auto packet = parse_frame(inject->frame);
      RC_ASSERT(packet.ok());
      RC_ASSERT(packet->ip_checksum_ok);
      RC_ASSERT(packet->l4_checksum_ok);
      RC_ASSERT(inject->port.value == 1 || inject->port.value == 2);
    }
  }
  RC_ASSERT(std::holds_alternative<CheckTableStep>(s.steps.back()));
}

RC_GTEST_PROP(TrafficGen, SamePlanGivesTheSameScenario, ()) {
  const TrafficPlan plan = *gen::traffic_plan();
  const Scenario a = build_scenario(plan, "a", "test");
  const Scenario b = build_scenario(plan, "a", "test");
  RC_ASSERT(a.steps.size() == b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) {
    if (const auto* x = std::get_if<InjectStep>(&a.steps[i])) {
      RC_ASSERT(x->frame == std::get<InjectStep>(b.steps[i]).frame);
    }
  }
}

TEST(TrafficPlan, HandshakeHasTheExpectedSequenceNumbers) {
  TrafficPlan plan;
  TcpPlan tcp;
  tcp.endpoints = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1), 40000, 80};
  tcp.client_isn = 0xffffffffu;  // the ACK wraps to 0
  tcp.server_isn = 5000;
  tcp.events = {{TcpEventKind::kClientData, 100}, {TcpEventKind::kAdvance, 30000}};
  plan.tcp = {tcp};
  const Scenario s = build_scenario(plan, "hs", "test");
  ASSERT_EQ(s.steps.size(), 6u);  // SYN, SYN-ACK, ACK, data, advance, check
  auto syn = parse_frame(std::get<InjectStep>(s.steps[0]).frame);
  auto synack = parse_frame(std::get<InjectStep>(s.steps[1]).frame);
  auto ack = parse_frame(std::get<InjectStep>(s.steps[2]).frame);
  auto data = parse_frame(std::get<InjectStep>(s.steps[3]).frame);
  ASSERT_TRUE(syn.ok() && synack.ok() && ack.ok() && data.ok());
  EXPECT_EQ(syn->tcp()->flags, tcp_flag::kSyn);
  EXPECT_EQ(syn->tcp()->seq, 0xffffffffu);
  EXPECT_EQ(std::get<InjectStep>(s.steps[1]).port.value, 2);
  EXPECT_EQ(synack->tcp()->flags, tcp_flag::kSyn | tcp_flag::kAck);
  EXPECT_EQ(synack->tcp()->ack, 0u);
  EXPECT_EQ(ack->tcp()->seq, 0u);
  EXPECT_EQ(ack->tcp()->ack, 5001u);
  EXPECT_EQ(data->tcp()->seq, 0u);
  EXPECT_EQ(data->payload.size(), 100u);
  EXPECT_EQ(std::get<AdvanceStep>(s.steps[4]).duration, Duration::seconds(30));
}

TEST(TrafficPlan, SnatRepliesAreAddressedToThePublicAddress) {
  TrafficPlan plan;
  plan.pipeline.kind = PipelineKind::kSnatGateway;
  plan.pipeline.nat_address = IpAddress::v4(192, 0, 2, 1);
  UdpPlan udp;
  udp.endpoints = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1), 40000, 53};
  udp.events = {{UdpEventKind::kRequest, 8}, {UdpEventKind::kResponse, 8}};
  plan.udp = {udp};
  const Scenario s = build_scenario(plan, "snat", "test");
  auto reply = parse_frame(std::get<InjectStep>(s.steps[1]).frame);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->ip->src, IpAddress::v4(172, 16, 0, 1));
  EXPECT_EQ(reply->ip->dst, IpAddress::v4(192, 0, 2, 1));
  EXPECT_NE(s.flows.find("nat(src=192.0.2.1)"), std::string::npos);
}

}  // namespace
}  // namespace ctc

namespace ctc {
namespace {

TcpPlan simple_tcp(std::vector<TcpEvent> events) {
  TcpPlan tcp;
  tcp.endpoints = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1), 40000, 80};
  tcp.client_isn = 1000;
  tcp.server_isn = 5000;
  tcp.events = std::move(events);
  return tcp;
}

Packet packet_at(const Scenario& s, size_t i) {
  auto p = parse_frame(std::get<InjectStep>(s.steps.at(i)).frame);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : Packet{};
}

TEST(TrafficPlan, ReorderSendsTheNextTwoSegmentsSwapped) {
  TrafficPlan plan;
  plan.tcp = {simple_tcp({{TcpEventKind::kReorder, 0},
                          {TcpEventKind::kClientData, 100},
                          {TcpEventKind::kClientData, 50}})};
  const Scenario s = build_scenario(plan, "reorder", "test");
  ASSERT_EQ(s.steps.size(), 6u);  // handshake, two data segments, check
  EXPECT_EQ(packet_at(s, 3).tcp()->seq, 1101u);  // the second segment first
  EXPECT_EQ(packet_at(s, 4).tcp()->seq, 1001u);
}

TEST(TrafficPlan, AdvancesAreMilliseconds) {
  TrafficPlan plan;
  UdpPlan udp;
  udp.endpoints = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1), 40000, 53};
  udp.events = {{UdpEventKind::kRequest, 8}, {UdpEventKind::kAdvance, 29999}};
  plan.udp = {udp};
  const Scenario s = build_scenario(plan, "ms", "test");
  EXPECT_EQ(std::get<AdvanceStep>(s.steps.at(1)).duration, Duration::millis(29999));
  EXPECT_TRUE(s.has_feature("timeout"));
}

TEST(TrafficPlan, PathErrorQuotesTheLastClientSegmentAsTheServerGotIt) {
  TrafficPlan plan;
  plan.pipeline.kind = PipelineKind::kSnatGateway;
  plan.tcp = {simple_tcp({{TcpEventKind::kClientData, 100},
                          {TcpEventKind::kIcmpErrorFromPath, 0}})};
  const Scenario s = build_scenario(plan, "err", "test");
  ASSERT_EQ(s.steps.size(), 6u);
  EXPECT_EQ(std::get<InjectStep>(s.steps.at(4)).port.value, 2);
  const Packet error = packet_at(s, 4);
  ASSERT_TRUE(error.is_icmp_error());
  EXPECT_EQ(error.ip->src, IpAddress::v4(172, 16, 0, 1));
  EXPECT_EQ(error.ip->dst, IpAddress::v4(192, 0, 2, 1));
  auto quoted = parse_quoted_packet(error);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->ip->src, IpAddress::v4(192, 0, 2, 1));  // after SNAT
  EXPECT_EQ(quoted->ip->dst, IpAddress::v4(172, 16, 0, 1));
  EXPECT_EQ(quoted->tcp()->seq, 1001u);
  EXPECT_TRUE(s.has_feature("icmp-related"));
}

TEST(TrafficPlan, TruncatedQuoteKeepsOnlyTwoBytesOfTheHeader) {
  TrafficPlan plan;
  UdpPlan udp;
  udp.endpoints = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1), 40000, 53};
  udp.events = {{UdpEventKind::kRequest, 8},
                {UdpEventKind::kCorruptIcmpError, static_cast<uint32_t>(CorruptQuote::kTruncated)}};
  plan.udp = {udp};
  const Scenario s = build_scenario(plan, "trunc", "test");
  const Packet error = packet_at(s, 1);
  ASSERT_TRUE(error.is_icmp_error());
  EXPECT_EQ(error.payload.size(), 20u + 2u);  // IPv4 header + 2 bytes
}

TEST(TrafficPlan, MirroredPipelineOpensFromPortTwo) {
  TrafficPlan plan;
  plan.pipeline.mirrored = true;
  plan.tcp = {simple_tcp({})};
  const Scenario s = build_scenario(plan, "mirror", "test");
  EXPECT_EQ(std::get<InjectStep>(s.steps.at(0)).port.value, 2);
  EXPECT_EQ(std::get<InjectStep>(s.steps.at(1)).port.value, 1);
  EXPECT_NE(s.flows.find("in_port=2,ct_state=+trk+new,actions=ct(commit,zone=1),output:1"),
            std::string::npos)
      << s.flows;
}

TEST(TrafficPlan, NatPipelinesCommitIpv6WithoutAnIpv4Range) {
  PipelineSpec spec;
  spec.kind = PipelineKind::kSnatGateway;
  const std::string flows = pipeline_flows(spec);
  EXPECT_NE(flows.find("ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1,nat(src=192.0.2.1)),output:2"),
            std::string::npos)
      << flows;
  EXPECT_NE(flows.find("ipv6,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2"),
            std::string::npos)
      << flows;
}

TEST(TrafficGen, AdvancesStraddleEveryTimeoutByAMillisecond) {
  const std::vector<uint32_t> t = gen::timeout_millis(linux_profile());
  // Linux: 2 s (udp stream), 10 s, 30 s, 60 s, 120 s, 300 s, 5 days.
  EXPECT_EQ(t, (std::vector<uint32_t>{2000, 10000, 30000, 60000, 120000, 300000, 432000000}));
}

RC_GTEST_PROP(TrafficGen, UnrelatedPoolNeverSharesAnAddressWithTheMainPool, ()) {
  const Endpoints main = *gen::endpoints(true, gen::kMainPool);
  const Endpoints other = *gen::endpoints(true, gen::kUnrelatedPool);
  RC_ASSERT(main.client != other.client);
  RC_ASSERT(main.client != other.server);
  RC_ASSERT(main.server != other.client);
  RC_ASSERT(main.server != other.server);
}

}  // namespace
}  // namespace ctc
