#include "reports/json_reader.h"

#include <nlohmann/json.hpp>

namespace ctc {
namespace {

using nlohmann::json;

std::optional<VerdictKind> verdict_kind(const std::string& name) {
  for (VerdictKind k : {VerdictKind::kPass, VerdictKind::kDiverge, VerdictKind::kKnownDivergence,
                        VerdictKind::kSkip, VerdictKind::kError}) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

ScenarioVerdict read_scenario(const json& s) {
  ScenarioVerdict v;
  v.scenario = s.at("name").get<std::string>();
  v.path = s.value("path", "");
  v.features = s.value("features", std::vector<std::string>{});
  const std::string kind = s.at("verdict").get<std::string>();
  const auto k = verdict_kind(kind);
  if (!k) throw std::invalid_argument("scenario '" + v.scenario + "': unknown verdict '" + kind + "'");
  v.kind = *k;
  v.reason = s.value("reason", "");
  v.steps_run = s.value("steps_run", size_t{0});
  v.unchecked = s.value("unchecked", std::vector<std::string>{});
  if (s.contains("divergence") && !s.at("divergence").is_null()) {
    const json& d = s.at("divergence");
    v.divergence = Divergence{.step_index = d.at("step_index").get<size_t>(),
                              .step = d.value("step", ""),
                              .aspect = d.value("aspect", ""),
                              .expected = d.value("expected", ""),
                              .observed = d.value("observed", "")};
  }
  return v;
}

}  // namespace

Result<RunSummary> parse_json_report(std::string_view text) {
  try {
    const json doc = json::parse(text);
    if (!doc.is_object() || doc.value("format", "") != "ctconform-report") {
      return invalid_argument("not a ctconform JSON report (no \"format\": \"ctconform-report\")");
    }
    if (doc.value("version", 0) != 1) {
      return invalid_argument("report version " + doc.value("version", json(nullptr)).dump() +
                              " is not supported (this build reads version 1)");
    }
    RunSummary run;
    run.adapter = doc.at("adapter").get<std::string>();
    run.profile = doc.at("profile").get<std::string>();
    run.seed = doc.value("seed", uint64_t{0});
    for (const json& s : doc.at("scenarios")) run.verdicts.push_back(read_scenario(s));
    return run;
  } catch (const std::exception& e) {  // parse errors, missing keys, wrong types
    return invalid_argument(std::string("bad JSON report: ") + e.what());
  }
}

}  // namespace ctc
