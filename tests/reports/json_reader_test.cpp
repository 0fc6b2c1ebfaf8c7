#include <gtest/gtest.h>

#include "reports/json_reader.h"
#include "reports/report_writers.h"

namespace ctc {
namespace {

RunSummary sample() {
  RunSummary run{.adapter = "kernel-ovs", .profile = "linux", .seed = 7};
  ScenarioVerdict pass{.scenario = "tcp-handshake", .path = "corpora/tcp/tcp-handshake.scenario",
                       .features = {"tcp"}, .kind = VerdictKind::kPass, .steps_run = 4};
  ScenarioVerdict diverge{.scenario = "snat-port-collision", .features = {"nat", "snat"},
                          .kind = VerdictKind::kDiverge, .steps_run = 2,
                          .unchecked = {"table"}};
  diverge.divergence = Divergence{.step_index = 1, .step = "inject 1 tcp ...", .aspect = "outputs",
                                  .expected = "port 2: a", .observed = "port 2: b"};
  ScenarioVerdict skip{.scenario = "udp-timeout", .features = {"udp", "timeout"},
                       .kind = VerdictKind::kSkip, .reason = "no virtual time"};
  run.verdicts = {pass, diverge, skip};
  return run;
}

TEST(JsonReader, ReadsBackWhatTheWriterWrote) {
  const RunSummary run = sample();
  auto back = parse_json_report(json_report(run));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->adapter, "kernel-ovs");
  EXPECT_EQ(back->profile, "linux");
  EXPECT_EQ(back->seed, 7u);
  ASSERT_EQ(back->verdicts.size(), 3u);
  EXPECT_EQ(back->verdicts[1].kind, VerdictKind::kDiverge);
  ASSERT_TRUE(back->verdicts[1].divergence);
  EXPECT_EQ(back->verdicts[1].divergence->step_index, 1u);
  EXPECT_EQ(back->verdicts[1].divergence->observed, "port 2: b");
  EXPECT_EQ(back->verdicts[1].unchecked, std::vector<std::string>{"table"});
  EXPECT_EQ(back->verdicts[2].reason, "no virtual time");
  // So the matrix of read-back runs is the matrix of the runs themselves.
  EXPECT_EQ(markdown_report({*back}), markdown_report({run}));
  EXPECT_EQ(json_report(*back), json_report(run));
}

TEST(JsonReader, RefusesWhatIsNotAVersionOneReport) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "bad JSON report: "},
      {R"({"format":"other"})", "not a ctconform JSON report"},
      {R"({"format":"ctconform-report","version":2})", "report version 2 is not supported"},
      {R"({"format":"ctconform-report","version":1,"profile":"linux","scenarios":[]})",
       "bad JSON report: "},
      {R"({"format":"ctconform-report","version":1,"adapter":"a","profile":"p",
           "scenarios":[{"name":"x","verdict":"maybe"}]})",
       "unknown verdict 'maybe'"},
  };
  for (const auto& [text, message] : cases) {
    auto r = parse_json_report(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace ctc
