// The three properties with a bounded budget (CTest label `property`): they
// hold on the reference oracle itself (no false alarms) and on the adapter
// under test (the built-in engine by default). A failure prints the minimal
// case, where it was saved, and the command that reproduces it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "adapters/reference/reference_adapter.h"
#include "properties/builtin_faults.h"
#include "properties/prop_runner.h"

namespace ctc {
namespace {

// CTC_PROP_SEED overrides the pinned seed (CI pins it; people explore).
uint64_t seed() {
  const char* s = std::getenv("CTC_PROP_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20240611;
}

std::string save_dir() {
  return (std::filesystem::temp_directory_path() / "ctconform-property-suite").string();
}

void expect_holds(Adapter& sut, const Profile& profile, PropertyKind kind, int count) {
  auto reference = make_reference_adapter();
  const PropOptions options{.seed = seed(), .count = count, .max_size = 40, .save_dir = save_dir()};
  const PropOutcome out = run_property(kind, {&sut, reference.get(), &profile}, options);
  std::cout << to_string(kind) << " on " << sut.id() << " (" << profile.name << "): "
            << out.scenarios_run << " cases in " << out.seconds << " s\n";
  // A skipped case checks nothing: the in-process engines run every one.
  EXPECT_EQ(out.skipped, 0) << out.skip_reason;
  if (!out.failure) return;
  std::string saved;
  for (const SavedScenario& s : out.saved) saved += "\nsaved: " + s.path + " (" + s.replay + ")";
  ADD_FAILURE() << to_string(kind) << " fails on " << sut.id() << " (" << profile.name
                << ") at case " << out.failing_case << ":\n"
                << out.case_text << "\n"
                << describe(*out.failure) << saved << "\nreproduce=ctconform prop --adapter "
                << sut.id() << " --profile " << profile.name << " --property " << to_string(kind)
                << " --seed " << options.seed << " --count " << options.count << " --max-size "
                << options.max_size;
}

}  // namespace

void PrintTo(const std::tuple<PropertyKind, const Profile*>& p, std::ostream* os) {
  *os << to_string(std::get<0>(p)) << " (" << std::get<1>(p)->name << ")";
}

namespace {

class PropertySuite : public ::testing::TestWithParam<std::tuple<PropertyKind, const Profile*>> {};

TEST_P(PropertySuite, HoldsOnTheReference) {
  auto [kind, profile] = GetParam();
  auto sut = make_reference_adapter();
  expect_holds(*sut, *profile, kind, 300);
}

TEST_P(PropertySuite, HoldsOnTheDefaultAdapter) {
  auto [kind, profile] = GetParam();
  DefaultSut sut = make_default_sut();
  if (!sut.note.empty()) std::cout << "note: " << sut.note << "\n";
  expect_holds(*sut.adapter, *profile, kind, 300);
}

INSTANTIATE_TEST_SUITE_P(
    Properties, PropertySuite,
    ::testing::Combine(::testing::ValuesIn(kAllProperties),
                       ::testing::Values(&linux_profile(), &ovs_userspace_profile())),
    [](const auto& info) {
      std::string name = std::string(to_string(std::get<0>(info.param))) + "_" +
                         std::get<1>(info.param)->name;
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(PropertySelection, ParsesNamesListsAndAll) {
  EXPECT_EQ(parse_properties("all")->size(), 3u);
  auto two = parse_properties("invariants,differential");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<PropertyKind>{PropertyKind::kInvariants, PropertyKind::kDifferential}));
  EXPECT_FALSE(parse_properties("everything").ok());
  EXPECT_FALSE(parse_properties("").ok());
}

}  // namespace
}  // namespace ctc
