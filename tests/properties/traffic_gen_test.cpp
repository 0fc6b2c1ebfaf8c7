#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "properties/generators/traffic_gen.h"
#include "reference/packet/packet_parser.h"

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
  tcp.events = {{TcpEventKind::kClientData, 100}, {TcpEventKind::kAdvance, 30}};
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
