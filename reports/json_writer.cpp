#include <nlohmann/json.hpp>

#include "reports/report_writers.h"

namespace ctc {

std::string json_report(const RunSummary& run) {
  using nlohmann::ordered_json;
  ordered_json doc;
  doc["format"] = "ctconform-report";
  doc["version"] = 1;
  doc["adapter"] = run.adapter;
  doc["profile"] = run.profile;
  doc["seed"] = run.seed;
  doc["summary"] = {
      {"total", run.verdicts.size()},
      {"pass", run.count(VerdictKind::kPass)},
      {"diverge", run.count(VerdictKind::kDiverge)},
      {"known_divergence", run.count(VerdictKind::kKnownDivergence)},
      {"skip", run.count(VerdictKind::kSkip)},
      {"error", run.count(VerdictKind::kError)},
  };
  ordered_json scenarios = ordered_json::array();
  for (const ScenarioVerdict& v : run.verdicts) {
    ordered_json s;
    s["name"] = v.scenario;
    s["path"] = v.path;
    s["features"] = v.features;
    s["verdict"] = to_string(v.kind);
    s["reason"] = v.reason;
    s["steps_run"] = v.steps_run;
    s["unchecked"] = v.unchecked;
    if (v.divergence) {
      s["divergence"] = {
          {"step_index", v.divergence->step_index},
          {"step", v.divergence->step},
          {"aspect", v.divergence->aspect},
          {"expected", v.divergence->expected},
          {"observed", v.divergence->observed},
      };
    } else {
      s["divergence"] = nullptr;
    }
    scenarios.push_back(std::move(s));
  }
  doc["scenarios"] = std::move(scenarios);
  // Invalid UTF-8 from a SUT's message is replaced, never a crash.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ctc
