// Runs scenarios on a system under test and on the reference oracle in lock
// step, compares what each step observed, and gives each scenario a verdict.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "runner/known_divergences.h"
#include "runner/verdict.h"

namespace ctc {

struct RunnerOptions {
  const Profile* profile = nullptr;  // required
  uint64_t seed = 0;                 // recorded; scenario order is never shuffled
  const KnownDivergences* known = nullptr;
  // Called after each scenario (progress display); may be empty.
  std::function<void(size_t done, size_t total, const ScenarioVerdict&)> on_verdict;
};

class Runner {
 public:
  Runner(Adapter& reference, Adapter& system_under_test, RunnerOptions options);

  ScenarioVerdict run_one(const Scenario& scenario);
  RunSummary run_all(const std::vector<Scenario>& scenarios);

 private:
  std::optional<std::string> skip_reason(const Scenario& scenario) const;

  Adapter& reference_;
  Adapter& sut_;
  RunnerOptions options_;
  Capabilities sut_caps_;
};

// The step as a person would write it (for messages and reports).
std::string describe_step(const Step& step);

}  // namespace ctc
