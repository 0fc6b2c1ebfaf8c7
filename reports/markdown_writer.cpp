#include <map>
#include <set>
#include <sstream>

#include "reports/report_writers.h"

namespace ctc {
namespace {

struct Counts {
  size_t pass = 0, diverge = 0, known = 0, skip = 0, error = 0;
  void add(VerdictKind k) {
    switch (k) {
      case VerdictKind::kPass: ++pass; break;
      case VerdictKind::kDiverge: ++diverge; break;
      case VerdictKind::kKnownDivergence: ++known; break;
      case VerdictKind::kSkip: ++skip; break;
      case VerdictKind::kError: ++error; break;
    }
  }
  std::string cell() const {
    std::ostringstream os;
    os << pass << " / " << diverge << " / " << known << " / " << skip << " / " << error;
    return os.str();
  }
};

std::string column_name(const RunSummary& r) { return r.adapter + " (" + r.profile + ")"; }

}  // namespace

std::string markdown_report(const std::vector<RunSummary>& runs) {
  std::ostringstream os;
  os << "# ctconform conformance report\n\n";
  os << "| adapter | profile | seed | scenarios | pass | diverge | known | skip | error |\n";
  os << "|---|---|---|---|---|---|---|---|---|\n";
  for (const RunSummary& r : runs) {
    os << "| " << r.adapter << " | " << r.profile << " | " << r.seed << " | " << r.verdicts.size()
       << " | " << r.count(VerdictKind::kPass) << " | " << r.count(VerdictKind::kDiverge) << " | "
       << r.count(VerdictKind::kKnownDivergence) << " | " << r.count(VerdictKind::kSkip) << " | "
       << r.count(VerdictKind::kError) << " |\n";
  }

  // feature -> column -> counts; "(all)" first.
  std::set<std::string> features;
  for (const RunSummary& r : runs) {
    for (const ScenarioVerdict& v : r.verdicts) features.insert(v.features.begin(), v.features.end());
  }
  os << "\n## Conformance matrix\n\nEach cell: pass / diverge / known / skip / error.\n\n";
  os << "| feature |";
  for (const RunSummary& r : runs) os << ' ' << column_name(r) << " |";
  os << "\n|---|";
  for (size_t i = 0; i < runs.size(); ++i) os << "---|";
  os << "\n";
  auto row = [&](const std::string& feature) {
    os << "| " << feature << " |";
    for (const RunSummary& r : runs) {
      Counts c;
      for (const ScenarioVerdict& v : r.verdicts) {
        bool has = feature == "(all)";
        for (const std::string& f : v.features) has = has || f == feature;
        if (has) c.add(v.kind);
      }
      os << ' ' << c.cell() << " |";
    }
    os << "\n";
  };
  row("(all)");
  for (const std::string& f : features) row(f);

  bool any_problem = false;
  for (const RunSummary& r : runs) {
    for (const ScenarioVerdict& v : r.verdicts) {
      if (v.kind == VerdictKind::kPass) continue;
      if (!any_problem) os << "\n## Details\n";
      any_problem = true;
      os << "\n### " << v.scenario << " on " << column_name(r) << ": " << to_string(v.kind)
         << "\n\n";
      if (!v.path.empty()) os << "Scenario: `" << v.path << "`\n\n";
      if (!v.reason.empty()) os << "```\n" << v.reason << "\n```\n";
      if (v.divergence) {
        const Divergence& d = *v.divergence;
        os << "First divergence at step " << d.step_index + 1 << " (`" << d.step << "`), "
           << d.aspect << ".\n\nReference:\n```\n" << d.expected << "\n```\nSystem under test:\n```\n"
           << d.observed << "\n```\n";
      }
    }
  }
  return os.str();
}

}  // namespace ctc
