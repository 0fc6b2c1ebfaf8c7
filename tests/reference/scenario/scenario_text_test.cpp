#include "reference/scenario/scenario_text.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

constexpr const char* kGood = R"(ctconform-scenario 1
# a comment
name: demo
description: two steps
profiles: linux
features: tcp firewall
origin: hand-written
port 1 vm
port 2 uplink
flows:
  table=0,priority=10,ip,actions=output:2
end
steps:
  inject 1 tcp 10.0.0.1:1234 > 10.0.0.2:80 S seq=100 mss=1460 -> 2 ct=+trk+new
  advance 1500ms
  flush zone=3
  inject 2 udp [fd00::2]:53 > [fd00::1]:5000 len=4 -> drop
  check:
    tcp,zone=1,state=SYN_SENT
  end
  check
)";

Result<Scenario> parse(const std::string& text) {
  return parse_scenario_text(text, "demo.scenario", nullptr);
}

TEST(ScenarioText, ParsesEveryStepKind) {
  auto s = parse(kGood);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "demo");
  EXPECT_EQ(s->profiles, std::vector<std::string>{"linux"});
  EXPECT_EQ(s->features, (std::vector<std::string>{"tcp", "firewall"}));
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[1].role, "uplink");
  EXPECT_EQ(s->flows, "table=0,priority=10,ip,actions=output:2\n");
  ASSERT_EQ(s->steps.size(), 6u);

  const auto& syn = std::get<InjectStep>(s->steps[0]);
  EXPECT_EQ(syn.port.value, 1);
  auto packet = parse_frame(syn.frame);
  ASSERT_TRUE(packet.ok());
  ASSERT_NE(packet->tcp(), nullptr);
  EXPECT_EQ(packet->tcp()->flags, tcp_flag::kSyn);
  EXPECT_EQ(packet->tcp()->seq, 100u);
  EXPECT_EQ(packet->tcp()->mss(), std::optional<uint16_t>(1460));
  EXPECT_EQ(packet->ip->src, IpAddress::v4(10, 0, 0, 1));
  ASSERT_TRUE(syn.expect.output_ports.has_value());
  EXPECT_EQ(syn.expect.output_ports->size(), 1u);
  EXPECT_EQ(syn.expect.ct_state->bits(), CtState::kTrk | CtState::kNew);

  EXPECT_EQ(std::get<AdvanceStep>(s->steps[1]).duration.ns, 1'500'000'000);
  EXPECT_EQ(std::get<FlushStep>(s->steps[2]).zone->value, 3);
  const auto& udp = std::get<InjectStep>(s->steps[3]);
  auto v6 = parse_frame(udp.frame);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->ip->family, IpFamily::kV6);
  EXPECT_EQ(v6->payload.size(), 4u);
  EXPECT_TRUE(udp.expect.output_ports->empty());
  EXPECT_EQ(std::get<CheckTableStep>(s->steps[4]).expected->at(0), "tcp,zone=1,state=SYN_SENT");
  EXPECT_FALSE(std::get<CheckTableStep>(s->steps[5]).expected.has_value());
}

TEST(ScenarioText, FormatThenParseGivesTheSameSteps) {
  auto s = parse(kGood);
  ASSERT_TRUE(s.ok());
  auto again = parse(format_scenario_text(*s, false));
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_EQ(again->steps.size(), s->steps.size());
  EXPECT_EQ(std::get<InjectStep>(again->steps[0]).frame, std::get<InjectStep>(s->steps[0]).frame);
  EXPECT_EQ(std::get<InjectStep>(again->steps[0]).expect.ct_state,
            std::get<InjectStep>(s->steps[0]).expect.ct_state);
  EXPECT_EQ(again->flows, s->flows);
  EXPECT_EQ(again->features, s->features);
}

struct BadCase {
  const char* text;
  const char* message;
};

TEST(ScenarioText, ErrorsNameFileLineAndProblem) {
  const BadCase cases[] = {
      {"nonsense\n", "demo.scenario:1: expected 'ctconform-scenario 1' as the first line"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  jump 1\n",
       "demo.scenario:5: unknown step (inject, advance, flush, check)"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 2 hex 00\n",
       "demo.scenario:5: port 2 is not declared"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 1 hex 0g\n",
       "demo.scenario:5: bad hex digit 'g'"},
      // Found by fuzz_scenario_text: it used to load as an empty frame whose
      // formatted text ("hex" alone) did not load again.
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 1 hex  :\n",
       "demo.scenario:5: 'hex' gives no bytes: a frame needs at least one"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  advance 10 parsecs\n",
       "demo.scenario:5: bad duration '10 parsecs' (e.g. 30s, 1500ms, 2m, 1h)"},
      {"ctconform-scenario 1\nname: a\nport 1\nflows:\n  x\n",
       "demo.scenario:4: 'flows:' block not closed with 'end'"},
      {"ctconform-scenario 1\nname: a\nport 1\nport 1\nsteps:\n",
       "demo.scenario:4: port 1 declared twice"},
      {"ctconform-scenario 1\nport 1\nsteps:\n", "demo.scenario: missing 'name:'"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 1 pcap 0\n",
       "demo.scenario:5: 'pcap N' used but the scenario has no pcap beside it"},
      {"ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 1 tcp 10.0.0.1:1 > 10.0.0.2:2 S -> 1 ct=+bogus\n",
       "demo.scenario:5: bad ct_state 'ct=+bogus'"},
  };
  for (const BadCase& c : cases) {
    auto s = parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().message, c.message);
  }
}

TEST(PacketSpecInScenario, BadSpecNamesTheColumn) {
  auto s = parse("ctconform-scenario 1\nname: a\nport 1\nsteps:\n  inject 1 tcp 10.0.0.1:1 > 10.0.0.2:2 S bogus=1\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "demo.scenario:5: column 30: unknown option 'bogus=1'");
}

TEST(Duration, ParsesAndFormatsUnits) {
  EXPECT_EQ(parse_duration("30s")->ns, 30'000'000'000);
  EXPECT_EQ(parse_duration("2m")->ns, 120'000'000'000);
  EXPECT_EQ(parse_duration("250us")->ns, 250'000);
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_EQ(format_duration(Duration::seconds(45)), "45s");
  EXPECT_EQ(format_duration(Duration::millis(1500)), "1500ms");
}

}  // namespace
}  // namespace ctc
