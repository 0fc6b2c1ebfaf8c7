#include "runner/known_divergences.h"

#include <gtest/gtest.h>

namespace ctc {
namespace {

TEST(GlobMatch, StarMatchesAnyRun) {
  EXPECT_TRUE(glob_match("tcp-*", "tcp-handshake"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_FALSE(glob_match("tcp", "tcp-x"));
  EXPECT_TRUE(glob_match("tcp", "tcp"));
}

TEST(KnownDivergences, ParsesEntriesAndFindsByAdapterProfileAndScenario) {
  auto known = KnownDivergences::parse(R"(# comment
[est-on-retransmit]
adapter: ovs-userspace
scenario: tcp-syn-retransmit*
reason: userspace sets est on every later packet
source: lib/conntrack.c conn_update_state()

[any-adapter]
profile: linux
scenario: udp-*
reason: r
source: s
)",
                                       "known.txt");
  ASSERT_TRUE(known.ok()) << known.error().message;
  EXPECT_EQ(known->size(), 2u);
  const KnownDivergence* k = known->find("ovs-userspace", "linux", "tcp-syn-retransmit-1");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->id, "est-on-retransmit");
  EXPECT_EQ(known->find("builtin", "linux", "tcp-syn-retransmit-1"), nullptr);
  ASSERT_NE(known->find("builtin", "linux", "udp-basic"), nullptr);
  EXPECT_EQ(known->find("builtin", "ovs-userspace", "udp-basic"), nullptr);
}

TEST(KnownDivergences, EntryWithoutSourceIsAnErrorNamingTheLine) {
  auto known = KnownDivergences::parse("[x]\nscenario: a\nreason: b\n", "k.txt");
  ASSERT_FALSE(known.ok());
  EXPECT_EQ(known.error().message, "k.txt:3: entry [x] needs scenario:, reason: and source:");
}

TEST(KnownDivergences, UnknownKeyIsAnError) {
  auto known = KnownDivergences::parse("[x]\nsauce: a\n", "k.txt");
  ASSERT_FALSE(known.ok());
  EXPECT_EQ(known.error().message, "k.txt:2: unknown key 'sauce'");
}

}  // namespace
}  // namespace ctc
