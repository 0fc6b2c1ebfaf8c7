// The ct_state kernel OVS derives from a conntrack verdict
// (net/openvswitch/conntrack.c ovs_ct_get_state / ovs_ct_nat, Linux 6.1),
// and the NFLOG prefixes that carry the verdict out of the namespace.
#include "adapters/linux_netfilter/ovs_ct_state.h"

#include <gtest/gtest.h>

namespace ctc::linux_netfilter {
namespace {

using Kind = LoggedCtState::Kind;

std::string state_of(const std::optional<LoggedCtState> &s,
                     bool nat_on_lookup) {
  return ovs_lookup_ct_state(s, nat_on_lookup).to_string();
}

TEST(OvsLookupCtState, NoConnectionIsTrackedInvalid) {
  EXPECT_EQ(state_of(std::nullopt, false), "+trk+inv");
  EXPECT_EQ(state_of(std::nullopt, true), "+trk+inv");
}

TEST(OvsLookupCtState, CtinfoKindAndDirection) {
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kNew}, false), "+trk+new");
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kEstablished}, false),
            "+trk+est");
  EXPECT_EQ(
      state_of(LoggedCtState{.kind = Kind::kEstablished, .reply = true}, false),
      "+trk+est+rpl");
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kRelated}, false), "+trk+rel");
  EXPECT_EQ(
      state_of(LoggedCtState{.kind = Kind::kRelated, .reply = true}, false),
      "+trk+rel+rpl");
}

TEST(OvsLookupCtState, NatBitsOnlyWhenTheLookupCarriesNat) {
  const LoggedCtState snat_out{.kind = Kind::kEstablished, .snat = true};
  EXPECT_EQ(state_of(snat_out, false), "+trk+est");
  EXPECT_EQ(state_of(snat_out, true), "+trk+est+snat");
}

TEST(OvsLookupCtState, SnatConnectionTranslatesDestinationOfReplies) {
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kEstablished,
                                   .reply = true,
                                   .snat = true},
                     true),
            "+trk+est+rpl+dnat");
  EXPECT_EQ(
      state_of(
          LoggedCtState{.kind = Kind::kRelated, .reply = true, .snat = true},
          true),
      "+trk+rel+rpl+dnat");
}

TEST(OvsLookupCtState, DnatOnlyConnectionAddsTheNullSourceBindingGoingOut) {
  EXPECT_EQ(
      state_of(LoggedCtState{.kind = Kind::kEstablished, .dnat = true}, true),
      "+trk+est+snat+dnat");
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kEstablished,
                                   .reply = true,
                                   .dnat = true},
                     true),
            "+trk+est+rpl+snat");
}

TEST(OvsLookupCtState, BothBindingsReportBothBitsEitherWay) {
  const LoggedCtState out{
      .kind = Kind::kEstablished, .snat = true, .dnat = true};
  const LoggedCtState back{
      .kind = Kind::kEstablished, .reply = true, .snat = true, .dnat = true};
  EXPECT_EQ(state_of(out, true), "+trk+est+snat+dnat");
  EXPECT_EQ(state_of(back, true), "+trk+est+rpl+snat+dnat");
}

// ovs_ct_nat: "ctinfo != IP_CT_NEW" and "ctinfo != IP_CT_RELATED || commit".
TEST(OvsLookupCtState, NewAndOriginalRelatedAreNotTranslatedByALookup) {
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kNew, .snat = true}, true),
            "+trk+new");
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kNew, .dnat = true}, true),
            "+trk+new");
  EXPECT_EQ(state_of(LoggedCtState{.kind = Kind::kRelated, .snat = true}, true),
            "+trk+rel");
}

TEST(ClassifyLogPrefix, NamesTheVerdict) {
  EXPECT_EQ(classify_log_prefix(std::nullopt), "ctc inv");
  EXPECT_EQ(classify_log_prefix(LoggedCtState{.kind = Kind::kNew}),
            "ctc new orig");
  EXPECT_EQ(
      classify_log_prefix(LoggedCtState{.kind = Kind::kRelated, .reply = true}),
      "ctc rel rpl");
  EXPECT_EQ(classify_log_prefix(LoggedCtState{.kind = Kind::kEstablished,
                                              .reply = true,
                                              .snat = true,
                                              .dnat = true}),
            "ctc est rpl snat dnat");
}

TEST(ClassifyLogPrefix, ParsesWhatItPrints) {
  const std::optional<LoggedCtState> cases[] = {
      std::nullopt,
      LoggedCtState{.kind = Kind::kNew},
      LoggedCtState{.kind = Kind::kEstablished, .dnat = true},
      LoggedCtState{.kind = Kind::kRelated, .reply = true, .snat = true},
      LoggedCtState{.kind = Kind::kEstablished,
                    .reply = true,
                    .snat = true,
                    .dnat = true},
  };
  for (const auto &c : cases) {
    const auto parsed = parse_classify_log_prefix(classify_log_prefix(c));
    ASSERT_TRUE(parsed.has_value()) << classify_log_prefix(c);
    EXPECT_EQ(*parsed, c) << classify_log_prefix(c);
  }
}

TEST(ClassifyLogPrefix, RefusesAnythingElse) {
  for (const char *bad :
       {"", "ctc", "ctc unforeseen", "ctc inv orig", "ctc est", "ctc est up",
        "ctc new orig dnat snat", "ctc est orig snat snat", "xyz new orig"}) {
    EXPECT_FALSE(parse_classify_log_prefix(bad).has_value()) << bad;
  }
}

} // namespace
} // namespace ctc::linux_netfilter
