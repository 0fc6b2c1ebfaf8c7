// `ctconform prop` and the CTest property suites: generated cases checked
// against an adapter chosen at run time, with our own driver around
// RapidCheck's generators, so that the seed, the budget, the shrinking and
// the saving of the minimal counterexample are ours to control and print.
//
// Three properties:
//   differential  the adapter agrees with the reference oracle (runner.h);
//   metamorphic   relations that hold on the adapter alone (metamorphic.h);
//   invariants    facts every run must satisfy (invariants.h).
// A failure is shrunk to a minimal case whose scenarios are saved in corpus
// format with their pcaps, replayable with `ctconform replay`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.h"
#include "properties/property_check.h"
#include "runner/known_divergences.h"
#include "runner/runner.h"

namespace ctc {

enum class PropertyKind : uint8_t { kDifferential, kMetamorphic, kInvariants };
inline constexpr PropertyKind kAllProperties[] = {PropertyKind::kDifferential,
                                                  PropertyKind::kMetamorphic,
                                                  PropertyKind::kInvariants};
const char* to_string(PropertyKind kind);
// "all", one property name, or names separated by commas.
Result<std::vector<PropertyKind>> parse_properties(std::string_view text);

struct PropOptions {
  uint64_t seed = 1;
  int count = 100;          // cases to generate (per property)
  int max_size = 50;        // RapidCheck size grows linearly up to this
  int max_shrink_steps = 2000;
  std::string save_dir;     // where the minimal counterexample goes; empty: not saved
  // Differential: a diverging case that an entry for this adapter and profile
  // explains completely by its `difference:` counts as known, and the run goes
  // on. Null: every divergence is a failure.
  const KnownDivergences* known = nullptr;
};

// What the properties run against. The reference is needed by the
// differential property, and confirms what a saved counterexample shows
// when replayed; without it, only the other two properties run.
struct PropTarget {
  Adapter* sut = nullptr;        // required
  Adapter* reference = nullptr;
  const Profile* profile = nullptr;  // required
};

struct SavedScenario {
  std::string path;
  std::string replay;  // what `ctconform replay` shows for it (the differential verdict)
};

// Cases one known-divergence entry explained.
struct KnownTally {
  std::string id;
  int cases = 0;
  int first_case = -1;       // index of the first such case
  std::string first_detail;  // what explained it there, e.g. the port renaming
};

struct PropOutcome {
  PropertyKind property = PropertyKind::kDifferential;
  int scenarios_run = 0;        // cases checked before the first failure (or all)
  int executions = 0;           // scenario runs on the adapter, shrinking included
  int skipped = 0;              // cases the system could not run (counted in scenarios_run)
  int known = 0;                // cases only a known divergence (counted in scenarios_run)
  std::vector<KnownTally> known_entries;  // per entry, in the order first seen
  std::string skip_reason;      // the first skipped case's reason
  double seconds_to_find = 0;   // until the first failing case (before shrinking)
  double seconds = 0;           // everything, shrinking and saving included
  std::optional<PropertyFailure> failure;  // the minimal case's failure
  std::optional<ScenarioVerdict> verdict;  // differential: the minimal scenario's verdict
  std::optional<Scenario> minimal;         // the scenario to replay
  std::string case_text;                   // the minimal case, readable
  std::vector<SavedScenario> saved;
  int shrink_steps = 0;
  int failing_case = -1;          // index of the first failing case
  uint64_t failing_case_seed = 0;
};

PropOutcome run_property(PropertyKind kind, const PropTarget& target, const PropOptions& options);

// The differential property through an existing runner (which holds both adapters).
PropOutcome run_differential_property(Runner& runner, const PropOptions& options);

}  // namespace ctc
