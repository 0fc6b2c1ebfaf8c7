// What one adapter did with one scenario, step by step: the raw material of
// the properties checked on an adapter alone (metamorphic relations and
// invariants), where there is no second system to compare against.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "runner/observation_text.h"
#include "reference/scenario/scenario.h"

namespace ctc {

struct StepRecord {
  size_t index = 0;  // into Scenario::steps
  std::vector<OutputFrame> outputs;         // inject steps
  std::optional<CtState> classification;    // inject steps, when the adapter reports it
  // The table after the step: check steps always, every step when asked
  // (and the adapter can dump).
  std::optional<std::vector<ConnectionSnapshot>> table;
};

struct Observation {
  std::vector<StepRecord> steps;  // one per scenario step, in order
};

struct ObserveOptions {
  const Profile* profile = nullptr;  // required
  bool dump_every_step = false;
};

// Loads the scenario's program and runs its steps. An adapter call that
// fails is the error (a harness or SUT failure, never a property verdict).
Result<Observation> observe(Adapter& adapter, const Scenario& scenario, const ObserveOptions& options);

// The table as the runner compares it: normalised rows, sorted
// (runner/observation_text.h table_rows(), which also has the describe_*
// helpers the properties print their failures with).
std::vector<std::string> table_text(const std::vector<ConnectionSnapshot>& table, bool with_timeout);

}  // namespace ctc
