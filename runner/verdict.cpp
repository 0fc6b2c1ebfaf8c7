#include "runner/verdict.h"

#include <algorithm>

namespace ctc {

const char* to_string(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kPass: return "pass";
    case VerdictKind::kDiverge: return "diverge";
    case VerdictKind::kKnownDivergence: return "known-divergence";
    case VerdictKind::kSkip: return "skip";
    case VerdictKind::kError: return "error";
  }
  return "unknown";
}

size_t RunSummary::count(VerdictKind kind) const {
  return static_cast<size_t>(std::count_if(verdicts.begin(), verdicts.end(),
                                           [&](const ScenarioVerdict& v) { return v.kind == kind; }));
}

int RunSummary::exit_code() const {
  if (count(VerdictKind::kError) > 0) return 3;
  if (count(VerdictKind::kDiverge) > 0) return 1;
  return 0;
}

}  // namespace ctc
