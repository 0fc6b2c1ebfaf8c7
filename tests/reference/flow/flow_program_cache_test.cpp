// The parsed-program cache: one parse per distinct text, texts that differ in
// any one byte are different programs, parse errors are not remembered.
#include "reference/flow/flow_program_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace ctc {
namespace {

// A program long enough to fill the hash's four 8-byte lanes several times
// over, with a tail that is not a whole word.
std::string long_program(int zone) {
  std::string text;
  for (int table = 0; table < 8; ++table) {
    text += "table=" + std::to_string(table) + ",priority=10,ip,ct_state=-trk,actions=ct(zone=" +
            std::to_string(zone) + ",table=" + std::to_string(table + 1) + ")\n";
  }
  text += "table=9,priority=1,actions=drop";
  return text;
}

TEST(FlowProgramCacheTest, SameTextGivesTheSameParsedProgram) {
  FlowProgramCache cache;
  auto first = cache.get(long_program(1));
  auto again = cache.get(long_program(1));
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->get(), again->get());
  EXPECT_EQ((*first)->rules.size(), 9u);
}

TEST(FlowProgramCacheTest, ATextDifferingInOneByteIsAnotherProgram) {
  FlowProgramCache cache;
  const std::string base = long_program(1);
  auto original = cache.get(base);
  ASSERT_TRUE(original.ok());
  // Change one digit of a zone, a table or a priority at every position
  // where a digit stands: in the lanes, between them and in the tail.
  int changed = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    if (base[i] < '1' || base[i] > '8') continue;
    std::string variant = base;
    variant[i] = static_cast<char>(base[i] + 1);
    auto other = cache.get(variant);
    ASSERT_TRUE(other.ok()) << "position " << i << ": " << other.error().message;
    EXPECT_NE(other->get(), original->get()) << "position " << i;
    ++changed;
  }
  EXPECT_GT(changed, 20);
  auto back = cache.get(base);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->get(), original->get());
}

TEST(FlowProgramCacheTest, ParseErrorsAreReportedEachTime) {
  FlowProgramCache cache;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto bad = cache.get("table=0,priority=1,actions=no_such_action");
    EXPECT_FALSE(bad.ok()) << "attempt " << attempt;
  }
}

TEST(FlowProgramCacheTest, KeepsWorkingPastItsCapacity) {
  FlowProgramCache cache;
  auto first = cache.get(long_program(1));
  ASSERT_TRUE(first.ok());
  for (int zone = 2; zone < 1200; ++zone) ASSERT_TRUE(cache.get(long_program(zone)).ok());
  auto again = cache.get(long_program(1));
  ASSERT_TRUE(again.ok());
  // Parsed anew after the cache started over, to an equal program.
  EXPECT_EQ((*again)->rules.size(), (*first)->rules.size());
}

}  // namespace
}  // namespace ctc
