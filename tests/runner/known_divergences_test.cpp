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

TEST(KnownDivergences, DifferenceNamesTheSymptomAndSelectsEntriesForGeneratedCases) {
  auto known = KnownDivergences::parse(R"([port-choice]
adapter: linux-netfilter
profile: linux
scenario: snat-port-collision
difference: nat-port-choice
reason: r
source: s

[named-only]
adapter: linux-netfilter
scenario: tcp-*
reason: r
source: s

[other-adapter]
adapter: kernel-ovs
scenario: x
difference: nat-port-choice
reason: r
source: s
)",
                                       "known.txt");
  ASSERT_TRUE(known.ok()) << known.error().message;
  const KnownDivergence* k = known->find("linux-netfilter", "linux", "snat-port-collision");
  ASSERT_NE(k, nullptr);
  ASSERT_TRUE(k->difference.has_value());
  EXPECT_EQ(*k->difference, DifferenceKind::kNatPortChoice);
  const auto candidates = known->with_difference("linux-netfilter", "linux");
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0]->id, "port-choice");
  EXPECT_TRUE(known->with_difference("linux-netfilter", "ovs-userspace").empty());
  EXPECT_TRUE(known->with_difference("builtin", "linux").empty());
}

TEST(KnownDivergences, UnknownDifferenceIsAnError) {
  auto known = KnownDivergences::parse("[x]\nscenario: a\ndifference: port-ish\n", "k.txt");
  ASSERT_FALSE(known.ok());
  EXPECT_EQ(known.error().message,
            "k.txt:3: unknown difference 'port-ish' (known: nat-port-choice)");
}

TEST(KnownDivergences, DifferenceKindNamesRoundTrip) {
  EXPECT_STREQ(to_string(DifferenceKind::kNatPortChoice), "nat-port-choice");
  EXPECT_EQ(parse_difference_kind("nat-port-choice"), DifferenceKind::kNatPortChoice);
  EXPECT_EQ(parse_difference_kind("nat-port"), std::nullopt);
}

// The repository's list: the NAT port-choice entries carry the symptom, the
// others (whose effect is more than a port) do not.
TEST(KnownDivergences, RepositoryListGivesNatPortChoiceToThePortEntriesOnly) {
  auto known = KnownDivergences::load("corpora/known-divergences.txt");
  ASSERT_TRUE(known.ok()) << known.error().message;
  auto ids = [&](const std::string& adapter, const std::string& profile) {
    std::vector<std::string> out;
    for (const KnownDivergence* k : known->with_difference(adapter, profile)) out.push_back(k->id);
    return out;
  };
  EXPECT_EQ(ids("linux-netfilter", "linux"),
            (std::vector<std::string>{"linux-snat-port-choice",
                                      "linux-dnat-clash-source-port-choice",
                                      "linux-snat-icmp-id-choice"}));
  EXPECT_EQ(ids("kernel-ovs", "linux"),
            (std::vector<std::string>{"kernel-ovs-snat-port-choice",
                                      "kernel-ovs-dnat-clash-source-port-choice",
                                      "kernel-ovs-snat-icmp-id-choice"}));
  EXPECT_EQ(ids("ovs-userspace", "ovs-userspace"),
            (std::vector<std::string>{"ovs-userspace-recycled-nat-tuple-still-taken"}));
  EXPECT_TRUE(ids("builtin", "linux").empty());
}

}  // namespace
}  // namespace ctc
