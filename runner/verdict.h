// What a run concluded, per scenario. Report writers read only these types:
// they do not know how a verdict was reached.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/scenario/scenario.h"

namespace ctc {

enum class VerdictKind : uint8_t {
  kPass,
  kDiverge,          // the system under test disagreed with the oracle
  kKnownDivergence,  // ...in a way the known-divergence list names
  kSkip,             // the adapter cannot run the scenario (reason given)
  kError,            // harness failure, SUT crash/hang, or the oracle broke an expectation
};

const char* to_string(VerdictKind kind);

struct Divergence {
  size_t step_index = 0;   // 0-based index into Scenario::steps
  std::string step;        // the step as written
  std::string aspect;      // "outputs", "classification", "table", "expectation"
  std::string expected;    // what the reference (or the scenario) says
  std::string observed;    // what the system under test did
};

struct ScenarioVerdict {
  std::string scenario;
  std::string path;
  std::vector<std::string> features;
  VerdictKind kind = VerdictKind::kPass;
  std::string reason;  // skip reason, error text, or known-divergence id + reason
  std::optional<Divergence> divergence;
  size_t steps_run = 0;
  // Checks this adapter could not make (e.g. "classification"): reported,
  // never counted as passed.
  std::vector<std::string> unchecked;
  // For divergence artefacts: the scenario itself, to write it back out.
  std::optional<Scenario> scenario_copy;
};

struct RunSummary {
  std::string adapter;
  std::string profile;
  uint64_t seed = 0;
  std::vector<ScenarioVerdict> verdicts;

  size_t count(VerdictKind kind) const;
  // 0 all pass (known divergences and skips allowed), 1 divergence, 3 SUT/harness error.
  int exit_code() const;
};

}  // namespace ctc
