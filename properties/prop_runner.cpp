#include "properties/prop_runner.h"

#include <sstream>

#include "properties/generators/traffic_gen.h"
#include "runner/scenario_loader.h"

namespace ctc {
namespace {

bool is_failure(const ScenarioVerdict& v) {
  return v.kind == VerdictKind::kDiverge || v.kind == VerdictKind::kError;
}

std::string plan_text(const TrafficPlan& plan) {
  std::ostringstream os;
  os << plan;
  return os.str();
}

}  // namespace

PropOutcome run_differential_property(Runner& runner, const PropOptions& options) {
  PropOutcome outcome;
  const rc::Gen<TrafficPlan> generator = gen::traffic_plan();
  for (int i = 0; i < options.count; ++i) {
    // One seed per case so that any case reproduces alone.
    const uint64_t case_seed = options.seed * 1'000'003ull + static_cast<uint64_t>(i);
    const int size = options.count <= 1 ? options.max_size : i * options.max_size / (options.count - 1);
    rc::Shrinkable<TrafficPlan> current = generator(rc::Random(case_seed), size);
    const std::string name = "prop-" + std::to_string(options.seed) + "-" + std::to_string(i);
    const std::string origin = "prop seed=" + std::to_string(options.seed) + " case=" + std::to_string(i);
    ScenarioVerdict verdict = runner.run_one(build_scenario(current.value(), name, origin));
    ++outcome.scenarios_run;
    if (!is_failure(verdict)) continue;

    // Shrink: take the first smaller plan that still fails, until none does.
    outcome.failing_case_seed = case_seed;
    bool progressed = true;
    while (progressed && outcome.shrink_steps < options.max_shrink_steps) {
      progressed = false;
      auto shrinks = current.shrinks();
      while (auto candidate = shrinks.next()) {
        if (++outcome.shrink_steps >= options.max_shrink_steps) break;
        ScenarioVerdict v = runner.run_one(build_scenario(candidate->value(), name, origin));
        if (is_failure(v)) {
          current = *candidate;
          verdict = std::move(v);
          progressed = true;
          break;
        }
      }
    }
    outcome.minimal = build_scenario(current.value(), name + "-min", origin + " (shrunk)");
    outcome.minimal->description = "minimal counterexample: " + plan_text(current.value());
    for (char& c : outcome.minimal->description) {
      if (c == '\n') c = ' ';
    }
    outcome.plan_text = plan_text(current.value());
    outcome.failure = std::move(verdict);
    if (!options.save_dir.empty()) {
      auto saved = save_scenario(*outcome.minimal, options.save_dir);
      if (saved.ok()) outcome.saved_path = *saved;
    }
    return outcome;
  }
  return outcome;
}

}  // namespace ctc
