// The generators reach what the properties are about: run a fixed sample of
// generated plans on the reference and check that every classification,
// the TCP states from opening to closing, related ICMP errors through NAT and
// expiries all occur. A generator change that loses one of them fails here.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <iostream>
#include <map>
#include <set>

#include "adapters/reference/reference_adapter.h"
#include "properties/generators/traffic_gen.h"
#include "properties/observation.h"

namespace ctc {
namespace {

struct Tally {
  std::map<std::string, int> classes;
  std::set<std::string> tcp_states;
  int expiries = 0;
  int related_through_nat = 0;
  int scenarios = 0;
  int steps = 0;
};

Tally sample(const Profile& profile, int count) {
  auto adapter = make_reference_adapter();
  const rc::Gen<TrafficPlan> generator = gen::traffic_plan(profile);
  Tally t;
  for (int i = 0; i < count; ++i) {
    const TrafficPlan plan = generator(rc::Random(1000 + i), 40).value();
    const Scenario s = build_scenario(plan, "coverage", "test");
    auto obs = observe(*adapter, s, {.profile = &profile, .dump_every_step = true});
    if (!obs.ok()) {
      ADD_FAILURE() << obs.error().message;
      continue;
    }
    ++t.scenarios;
    size_t before = 0;
    for (const StepRecord& rec : obs->steps) {
      ++t.steps;
      if (rec.classification) {
        for (auto [bit, name] : {std::pair{CtState::kNew, "new"}, {CtState::kEst, "est"},
                                 {CtState::kRel, "rel"}, {CtState::kRpl, "rpl"},
                                 {CtState::kInv, "inv"}, {CtState::kSnat, "snat"},
                                 {CtState::kDnat, "dnat"}}) {
          if (rec.classification->has(bit)) ++t.classes[name];
        }
        if (rec.classification->has(CtState::kRel) && has_nat(plan.pipeline)) ++t.related_through_nat;
      }
      if (rec.table) {
        for (const ConnectionSnapshot& c : *rec.table) {
          if (!c.protocol_state.empty()) t.tcp_states.insert(c.protocol_state);
        }
        if (std::holds_alternative<AdvanceStep>(s.steps[rec.index]) && rec.table->size() < before) {
          ++t.expiries;
        }
        before = rec.table->size();
      }
    }
  }
  return t;
}

TEST(GeneratorCoverage, LinuxSampleReachesEveryOutcome) {
  const Tally t = sample(linux_profile(), 400);
  std::cout << t.scenarios << " scenarios, " << t.steps << " steps;";
  for (const auto& [k, v] : t.classes) std::cout << " +" << k << ":" << v;
  std::cout << "; expiries " << t.expiries << "; related through NAT " << t.related_through_nat
            << "\nTCP states:";
  for (const std::string& s : t.tcp_states) std::cout << " " << s;
  std::cout << "\n";
  for (const char* c : {"new", "est", "rel", "rpl", "inv", "snat", "dnat"}) {
    EXPECT_GE(t.classes.count(c) ? t.classes.at(c) : 0, 10) << "+" << c;
  }
  for (const char* s : {"SYN_SENT", "SYN_SENT2", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
                        "LAST_ACK", "TIME_WAIT", "CLOSE"}) {
    EXPECT_TRUE(t.tcp_states.count(s)) << s;
  }
  EXPECT_GE(t.expiries, 20);
  EXPECT_GE(t.related_through_nat, 5);
}

TEST(GeneratorCoverage, OvsUserspaceSampleReachesClosingStates) {
  const Tally t = sample(ovs_userspace_profile(), 400);
  std::cout << "TCP states:";
  for (const std::string& s : t.tcp_states) std::cout << " " << s;
  std::cout << "\n";
  for (const char* s : {"SYN_SENT/CLOSED", "ESTABLISHED/ESTABLISHED", "TIME_WAIT/TIME_WAIT"}) {
    EXPECT_TRUE(t.tcp_states.count(s)) << s;
  }
  EXPECT_GE(t.expiries, 20);
}

}  // namespace
}  // namespace ctc
