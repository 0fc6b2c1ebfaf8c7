#include "runner/runner.h"

#include <algorithm>
#include <sstream>

#include "reference/packet/packet_parser.h"
#include "reference/scenario/scenario_text.h"
#include "reference/scenario/table_format.h"
#include "runner/observation_text.h"

namespace ctc {
namespace {

void sort_by_port(std::vector<OutputFrame>& frames) {
  std::stable_sort(frames.begin(), frames.end(),
                   [](const OutputFrame& a, const OutputFrame& b) { return a.port < b.port; });
}

// The needs a scenario's features place on an adapter.
struct FeatureNeed {
  const char* feature;
  bool Capabilities::*capability;
};
constexpr FeatureNeed kFeatureNeeds[] = {
    {"ipv6", &Capabilities::ipv6},   {"nat", &Capabilities::nat},
    {"zones", &Capabilities::zones}, {"mark", &Capabilities::marks},
    {"label", &Capabilities::labels}, {"timeout", &Capabilities::virtual_time},
};

// One scenario on both sides; returns the verdict without known-divergence
// classification.
class ScenarioExecution {
 public:
  ScenarioExecution(Adapter& ref, Adapter& sut, const Capabilities& caps, const Scenario& s,
                    ScenarioVerdict& v)
      : ref_(ref), sut_(sut), caps_(caps), scenario_(s), verdict_(v) {}

  void run(const Profile& profile) {
    const ScenarioSetup setup{scenario_.ports, scenario_.flows, &profile};
    if (auto st = ref_.load(setup); !st.ok()) return error("reference: load: " + st.error().message);
    if (auto st = sut_.load(setup); !st.ok()) {
      // A program the system cannot express (e.g. flows that have no nftables
      // equivalent) is a skip with the reason, never a pass and not an error.
      if (st.error().code == ErrorCode::kUnsupported) return skip(sut_.id() + ": " + st.error().message);
      return error(sut_.id() + ": load: " + st.error().message);
    }
    for (size_t i = 0; i < scenario_.steps.size(); ++i) {
      index_ = i;
      if (!run_step(scenario_.steps[i])) return;
      verdict_.steps_run = i + 1;
    }
    index_ = scenario_.steps.size();
    compare_tables(std::nullopt, "(end of scenario)");
  }

 private:
  bool run_step(const Step& step) {
    if (const auto* inject = std::get_if<InjectStep>(&step)) return run_inject(*inject);
    if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
      return both("advance", [&](Adapter& a) { return a.advance(advance->duration); });
    }
    if (const auto* flush = std::get_if<FlushStep>(&step)) {
      return both("flush", [&](Adapter& a) { return a.flush(flush->zone); });
    }
    const auto& check = std::get<CheckTableStep>(step);
    return compare_tables(check.expected, describe_step(step));
  }

  template <class F>
  bool both(const char* what, F&& call) {
    if (auto st = call(ref_); !st.ok()) {
      error(std::string("reference: ") + what + ": " + st.error().message);
      return false;
    }
    if (auto st = call(sut_); !st.ok()) {
      error(sut_.id() + ": " + what + ": " + st.error().message);
      return false;
    }
    return true;
  }

  bool run_inject(const InjectStep& inject) {
    auto ref = ref_.inject(inject.port, inject.frame);
    if (!ref.ok()) return error("reference: inject: " + ref.error().message), false;
    if (!check_expectation(inject, *ref)) return false;
    auto sut = sut_.inject(inject.port, inject.frame);
    if (!sut.ok()) return error(sut_.id() + ": inject: " + sut.error().message), false;
    // Frames are compared per port, in the order they left each port: the
    // interleaving across ports is not observable on every system (OVS dummy
    // ports each send one frame per main-loop pass).
    sort_by_port(ref->outputs);
    sort_by_port(sut->outputs);
    if (ref->outputs != sut->outputs) {
      diverge("outputs", describe_outputs(ref->outputs), describe_outputs(sut->outputs));
      return false;
    }
    if (!caps_.classification) {
      note_unchecked("classification");
    } else if (ref->classification != sut->classification) {
      diverge("classification", describe_classification(ref->classification),
              describe_classification(sut->classification));
      return false;
    }
    return true;
  }

  // A hand-written expectation the oracle breaks is the oracle's bug (or the
  // scenario's): a harness error, never blamed on the system under test.
  bool check_expectation(const InjectStep& inject, const InjectResult& ref) {
    const InjectExpectation& e = inject.expect;
    if (e.output_ports) {
      std::vector<Port> got;
      for (const OutputFrame& f : ref.outputs) got.push_back(f.port);
      if (got != *e.output_ports) {
        std::ostringstream want, have;
        for (Port p : *e.output_ports) want << p.value << ' ';
        for (Port p : got) have << p.value << ' ';
        error("the reference breaks the scenario's expectation at step " +
              std::to_string(index_ + 1) + " (" + describe_step(inject) + "): expected ports [" +
              want.str() + "], reference sent to [" + have.str() + "]\n" + ref.trace);
        return false;
      }
    }
    if (e.ct_state && ref.classification != e.ct_state) {
      error("the reference breaks the scenario's expectation at step " +
            std::to_string(index_ + 1) + " (" + describe_step(inject) + "): expected ct_state " +
            e.ct_state->to_string() + ", reference gave " + describe_classification(ref.classification) +
            "\n" + ref.trace);
      return false;
    }
    return true;
  }

  bool compare_tables(const std::optional<std::vector<std::string>>& expected,
                      const std::string& step_text) {
    if (!caps_.table_dump) {
      note_unchecked("table");
      return true;
    }
    auto ref = ref_.dump_table();
    if (!ref.ok()) return error("reference: dump: " + ref.error().message), false;
    auto sut = sut_.dump_table();
    if (!sut.ok()) return error(sut_.id() + ": dump: " + sut.error().message), false;
    const bool exact_time = caps_.virtual_time;
    const std::vector<std::string> ref_rows = table_rows(*ref, exact_time);
    if (expected) {
      for (const std::string& want : *expected) {
        const bool found = std::any_of(ref_rows.begin(), ref_rows.end(),
                                       [&](const std::string& r) { return row_matches(want, r); });
        if (!found) {
          error("the reference breaks the scenario's expectation at " + step_text +
                ": no row matches '" + want + "'; table:\n" + describe_table(ref_rows));
          return false;
        }
      }
    }
    const std::vector<std::string> sut_rows = table_rows(*sut, exact_time);
    if (ref_rows != sut_rows) {
      diverge_at(step_text, "table", describe_table(ref_rows), describe_table(sut_rows));
      return false;
    }
    return true;
  }

  void note_unchecked(const std::string& what) {
    if (std::find(verdict_.unchecked.begin(), verdict_.unchecked.end(), what) ==
        verdict_.unchecked.end()) {
      verdict_.unchecked.push_back(what);
    }
  }

  void diverge(const std::string& aspect, std::string expected, std::string observed) {
    diverge_at(describe_step(scenario_.steps[index_]), aspect, std::move(expected),
               std::move(observed));
  }

  void diverge_at(const std::string& step_text, const std::string& aspect, std::string expected,
                  std::string observed) {
    verdict_.kind = VerdictKind::kDiverge;
    verdict_.divergence =
        Divergence{index_, step_text, aspect, std::move(expected), std::move(observed)};
  }

  void skip(const std::string& message) {
    verdict_.kind = VerdictKind::kSkip;
    verdict_.reason = message;
  }

  void error(const std::string& message) {
    verdict_.kind = VerdictKind::kError;
    verdict_.reason = message;
  }

  Adapter& ref_;
  Adapter& sut_;
  const Capabilities& caps_;
  const Scenario& scenario_;
  ScenarioVerdict& verdict_;
  size_t index_ = 0;
};

}  // namespace

std::string describe_step(const Step& step) {
  if (const auto* inject = std::get_if<InjectStep>(&step)) {
    return "inject " + std::to_string(inject->port.value) + " " + inject->source;
  }
  if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
    return "advance " + format_duration(advance->duration);
  }
  if (const auto* flush = std::get_if<FlushStep>(&step)) {
    return flush->zone ? "flush zone=" + std::to_string(flush->zone->value) : "flush";
  }
  return std::get<CheckTableStep>(step).expected ? "check:" : "check";
}

Runner::Runner(Adapter& reference, Adapter& system_under_test, RunnerOptions options)
    : reference_(reference),
      sut_(system_under_test),
      options_(options),
      sut_caps_(system_under_test.capabilities()) {}

std::optional<std::string> Runner::skip_reason(const Scenario& scenario) const {
  const std::string& profile = options_.profile->name;
  if (!scenario.applies_to_profile(profile)) {
    std::string list;
    for (const std::string& p : scenario.profiles) list += (list.empty() ? "" : ", ") + p;
    return "scenario is for profile(s) " + list + ", run uses " + profile;
  }
  if (std::find(sut_caps_.profiles.begin(), sut_caps_.profiles.end(), profile) ==
      sut_caps_.profiles.end()) {
    return sut_.id() + " does not implement the " + profile + " profile";
  }
  if (!sut_caps_.flows && !scenario.flows.empty()) return sut_.id() + " cannot run flow programs";
  for (const FeatureNeed& need : kFeatureNeeds) {
    if (scenario.has_feature(need.feature) && !(sut_caps_.*need.capability)) {
      return sut_.id() + " lacks the capability '" + need.feature + "'";
    }
  }
  return std::nullopt;
}

ScenarioVerdict Runner::run_one(const Scenario& scenario) {
  ScenarioVerdict v;
  v.scenario = scenario.name;
  v.path = scenario.source_path;
  v.features = scenario.features;
  if (auto reason = skip_reason(scenario)) {
    v.kind = VerdictKind::kSkip;
    v.reason = *reason;
    return v;
  }
  ScenarioExecution(reference_, sut_, sut_caps_, scenario, v).run(*options_.profile);
  if (v.kind == VerdictKind::kDiverge) {
    v.scenario_copy = scenario;
    if (options_.known != nullptr) {
      if (const KnownDivergence* k =
              options_.known->find(sut_.id(), options_.profile->name, scenario.name)) {
        v.kind = VerdictKind::kKnownDivergence;
        v.reason = k->id + ": " + k->reason + " (" + k->source + ")";
      }
    }
  }
  return v;
}

RunSummary Runner::run_all(const std::vector<Scenario>& scenarios) {
  RunSummary summary;
  summary.adapter = sut_.id();
  summary.profile = options_.profile->name;
  summary.seed = options_.seed;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    summary.verdicts.push_back(run_one(scenarios[i]));
    if (options_.on_verdict) options_.on_verdict(i + 1, scenarios.size(), summary.verdicts.back());
  }
  return summary;
}

}  // namespace ctc
