// Suite strength: every fault the built-in engine can plant must be found by
// the properties within a fixed seed and budget, and the engine without a
// fault must pass that same budget. The test fails if a fault goes
// unnoticed. Each property's cases and time to find each fault are printed
// (and recorded as test properties for the JUnit report).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "adapters/reference/reference_adapter.h"
#include "properties/builtin_faults.h"
#include "properties/prop_runner.h"
#include "runner/scenario_loader.h"

namespace ctc {
namespace {

// Pinned; CTC_PROP_SEED explores others (the budget must hold for them too).
const uint64_t kSeed = std::getenv("CTC_PROP_SEED") ? std::strtoull(std::getenv("CTC_PROP_SEED"), nullptr, 10) : 7;
constexpr int kBudget = 400;  // cases per property
constexpr int kMaxSize = 40;

PropOptions options_for(const std::string& fault) {
  return {.seed = kSeed,
          .count = kBudget,
          .max_size = kMaxSize,
          .max_shrink_steps = 500,
          .save_dir = (std::filesystem::temp_directory_path() / "ctconform-mutation" / fault).string()};
}

class FaultIsFound : public ::testing::TestWithParam<FaultInfo> {};

TEST_P(FaultIsFound, ByTheProperties) {
  if (!builtin_engine_available()) GTEST_SKIP() << "adapters/builtin is not part of this build yet";
  const FaultInfo fault = GetParam();
  auto faulty = make_builtin_engine(fault.fault);
  ASSERT_TRUE(faulty.ok()) << faulty.error().message;
  auto reference = make_reference_adapter();
  const Profile& profile = linux_profile();
  const PropOptions options = options_for(fault.name);
  std::filesystem::remove_all(options.save_dir);

  bool found = false;
  for (PropertyKind kind : kAllProperties) {
    const PropOutcome out = run_property(kind, {faulty->get(), reference.get(), &profile}, options);
    const std::string key = std::string(fault.name) + "." + to_string(kind);
    if (!out.failure) {
      std::printf("%-26s %-13s not found in %d cases (%.3f s)\n", fault.name, to_string(kind),
                  out.scenarios_run, out.seconds);
      continue;
    }
    found = true;
    std::printf("%-26s %-13s found at case %d after %.3f s (%s); shrunk in %d steps\n", fault.name,
                to_string(kind), out.failing_case + 1, out.seconds_to_find,
                out.failure->check.c_str(), out.shrink_steps);
    RecordProperty(key + ".cases_to_find", out.failing_case + 1);
    RecordProperty(key + ".ms_to_find", static_cast<int>(out.seconds_to_find * 1000));
    // The minimal counterexample is on disk in corpus format and loads back.
    ASSERT_FALSE(out.saved.empty());
    for (const SavedScenario& s : out.saved) {
      auto loaded = load_scenario(s.path);
      ASSERT_TRUE(loaded.ok()) << s.path << ": " << loaded.error().message;
      std::printf("%-26s %-13s   saved %s (replay: %s)\n", "", "", s.path.c_str(), s.replay.c_str());
    }
    // A differential counterexample replays as a divergence.
    if (kind == PropertyKind::kDifferential) {
      EXPECT_NE(out.saved.front().replay, "pass") << out.saved.front().path;
    }
  }
  EXPECT_TRUE(found) << "fault " << fault.name << " went unnoticed by every property (seed "
                     << kSeed << ", " << kBudget << " cases each)";
}

INSTANTIATE_TEST_SUITE_P(BuiltinFaults, FaultIsFound, ::testing::ValuesIn(builtin_faults()),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// The same profile, seed and budget as the faults (the other profile is the
// property suite's business: property_suite_test.cpp).
TEST(FaultFree, BuiltinPassesTheSameBudget) {
  if (!builtin_engine_available()) GTEST_SKIP() << "adapters/builtin is not part of this build yet";
  auto engine = make_builtin_engine();
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto reference = make_reference_adapter();
  for (const Profile* profile : {&linux_profile()}) {
    for (PropertyKind kind : kAllProperties) {
      const PropOutcome out =
          run_property(kind, {engine->get(), reference.get(), profile}, options_for("none"));
      std::printf("no fault (%s) %-13s %d cases in %.3f s (%.0f cases/s)\n", profile->name.c_str(),
                  to_string(kind), out.scenarios_run, out.seconds,
                  out.seconds > 0 ? out.scenarios_run / out.seconds : 0.0);
      EXPECT_FALSE(out.failure) << to_string(kind) << " (" << profile->name << "):\n"
                                << out.case_text << "\n"
                                << (out.failure ? describe(*out.failure) : "");
    }
  }
}

}  // namespace
}  // namespace ctc
