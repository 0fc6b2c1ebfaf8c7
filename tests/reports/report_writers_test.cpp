#include "reports/report_writers.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ctc {
namespace {

RunSummary sample_run() {
  RunSummary run;
  run.adapter = "builtin";
  run.profile = "linux";
  run.seed = 7;
  ScenarioVerdict pass;
  pass.scenario = "tcp-handshake";
  pass.path = "corpora/tcp/tcp-handshake.scenario";
  pass.features = {"tcp"};
  pass.steps_run = 3;
  ScenarioVerdict diverge;
  diverge.scenario = "udp-<odd>&name";
  diverge.features = {"udp", "nat"};
  diverge.kind = VerdictKind::kDiverge;
  diverge.divergence = Divergence{1, "inject 2 udp ...", "outputs", "port 1: a", "dropped"};
  ScenarioVerdict skip;
  skip.scenario = "v6";
  skip.features = {"ipv6"};
  skip.kind = VerdictKind::kSkip;
  skip.reason = "builtin lacks the capability 'ipv6'";
  ScenarioVerdict error;
  error.scenario = "crash";
  error.kind = VerdictKind::kError;
  error.reason = "external: program exited\nmore";
  run.verdicts = {pass, diverge, skip, error};
  return run;
}

TEST(JunitWriter, OneTestcasePerScenarioWithFailureSkipAndError) {
  const std::string xml = junit_xml(sample_run());
  EXPECT_NE(xml.find("<testsuites name=\"ctconform\" tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"ctconform.builtin.linux\" name=\"tcp-handshake\""),
            std::string::npos);
  EXPECT_NE(xml.find("name=\"udp-&lt;odd&gt;&amp;name\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"outputs differ at step 2\" type=\"divergence\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"builtin lacks the capability &apos;ipv6&apos;\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("<error message=\"external: program exited\" type=\"error\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<property name=\"seed\" value=\"7\"/>"), std::string::npos);
}

TEST(JsonWriter, StableDocumentWithSummaryAndDivergence) {
  const auto doc = nlohmann::json::parse(json_report(sample_run()));
  EXPECT_EQ(doc["format"], "ctconform-report");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["adapter"], "builtin");
  EXPECT_EQ(doc["seed"], 7);
  EXPECT_EQ(doc["summary"]["total"], 4);
  EXPECT_EQ(doc["summary"]["pass"], 1);
  EXPECT_EQ(doc["summary"]["diverge"], 1);
  EXPECT_EQ(doc["summary"]["skip"], 1);
  EXPECT_EQ(doc["summary"]["error"], 1);
  EXPECT_EQ(doc["scenarios"][0]["verdict"], "pass");
  EXPECT_TRUE(doc["scenarios"][0]["divergence"].is_null());
  EXPECT_EQ(doc["scenarios"][1]["divergence"]["step_index"], 1);
  EXPECT_EQ(doc["scenarios"][1]["divergence"]["aspect"], "outputs");
  EXPECT_EQ(doc["scenarios"][2]["reason"], "builtin lacks the capability 'ipv6'");
}

TEST(JsonWriter, SameRunGivesTheSameBytes) {
  EXPECT_EQ(json_report(sample_run()), json_report(sample_run()));
}

TEST(MarkdownWriter, MatrixHasOneRowPerFeatureAndCountsPerCell) {
  const std::string md = markdown_report({sample_run()});
  EXPECT_NE(md.find("| builtin | linux | 7 | 4 | 1 | 1 | 0 | 1 | 1 |"), std::string::npos);
  EXPECT_NE(md.find("| feature | builtin (linux) |"), std::string::npos);
  EXPECT_NE(md.find("| (all) | 1 / 1 / 0 / 1 / 1 |"), std::string::npos);
  EXPECT_NE(md.find("| nat | 0 / 1 / 0 / 0 / 0 |"), std::string::npos);
  EXPECT_NE(md.find("| tcp | 1 / 0 / 0 / 0 / 0 |"), std::string::npos);
  EXPECT_NE(md.find("First divergence at step 2 (`inject 2 udp ...`), outputs."), std::string::npos);
}

TEST(RunSummary, ExitCodeFollowsTheWorstVerdict) {
  RunSummary run = sample_run();
  EXPECT_EQ(run.exit_code(), 3);
  run.verdicts.pop_back();
  EXPECT_EQ(run.exit_code(), 1);
  run.verdicts.erase(run.verdicts.begin() + 1);
  EXPECT_EQ(run.exit_code(), 0);  // pass + skip
}

}  // namespace
}  // namespace ctc
