// `ctconform prop`: generated scenarios run differentially (system under test
// against the reference oracle) with our own driver around RapidCheck's
// generators, so that the seed, the budget, the shrinking and the saving of
// the minimal counterexample are ours to control and to print.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "adapters/adapter.h"
#include "runner/runner.h"

namespace ctc {

struct PropOptions {
  uint64_t seed = 1;
  int count = 100;          // scenarios to generate
  int max_size = 50;        // RapidCheck size grows linearly up to this
  int max_shrink_steps = 2000;
  std::string save_dir;     // where the minimal counterexample goes; empty: not saved
};

struct PropOutcome {
  int scenarios_run = 0;
  std::optional<ScenarioVerdict> failure;  // the minimal failing scenario's verdict
  std::optional<Scenario> minimal;
  std::string plan_text;   // the minimal plan, readable
  std::string saved_path;  // where it was saved (replay with `ctconform replay`)
  int shrink_steps = 0;
  uint64_t failing_case_seed = 0;  // reproduce with --seed S --count 1
};

PropOutcome run_differential_property(Runner& runner, const PropOptions& options);

}  // namespace ctc
