// What every property check returns: nothing when the property held, or a
// failure a person can read and replay. A harness error (an adapter call
// failed) is reported apart from a broken property.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "runner/verdict.h"

namespace ctc {

struct PropertyFailure {
  std::string check;     // which relation or invariant broke, e.g. "renumbering", "reply-never-new"
  std::string step;      // the step where it showed, as written, or "" for the whole scenario
  size_t step_index = 0;
  std::string expected;  // what the property requires
  std::string observed;  // what the adapter did
  bool harness_error = false;  // an adapter call failed: not a property verdict
  // Non-empty: the case could not be checked on this system (why), e.g. the
  // adapter refused the program. Counted and reported, never a pass or a failure.
  std::string skipped;
  // Non-empty: the case diverged, but only in a way a known-divergence entry's
  // `difference:` explains (runner/difference_match.h); this is the entry's id,
  // and `observed` says what explains it. Counted and reported apart, never a
  // pass or a failure; shrinking never keeps such a case.
  std::string known;
  // The scenarios involved; the first is the one to replay. Saved in corpus
  // format (with pcaps) when the failure is the minimal one.
  std::vector<Scenario> scenarios;
  std::optional<ScenarioVerdict> verdict;  // differential: the runner's verdict
};

using CheckResult = std::optional<PropertyFailure>;

// What a check runs on, and how its scenarios are named.
struct CheckContext {
  Adapter& adapter;
  const Profile& profile;
  std::string name;    // one word
  std::string origin;  // recorded in each scenario
  bool describe_steps = true;  // off while searching: cheaper, and nobody reads them
};

std::string describe(const PropertyFailure& f);

}  // namespace ctc
