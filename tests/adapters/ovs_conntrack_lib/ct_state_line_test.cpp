// Parsing what `ovstest test-conntrack pcap` prints per packet.
#include "adapters/ovs_conntrack_lib/ct_state_line.h"

#include <gtest/gtest.h>

namespace ctc::ovs_conntrack_lib {
namespace {

TEST(CtStateLine, FlagNamesMapToTheirBits) {
  EXPECT_EQ(parse_ct_state_flags("new|trk")->bits(), 0x21);
  EXPECT_EQ(parse_ct_state_flags("est|rpl|trk")->bits(), 0x2a);
  EXPECT_EQ(parse_ct_state_flags("rel|rpl|trk")->bits(), 0x2c);
  EXPECT_EQ(parse_ct_state_flags("inv|trk")->bits(), 0x30);
  EXPECT_EQ(parse_ct_state_flags("est|trk|snat|dnat")->bits(), 0xe2);
}

TEST(CtStateLine, ZeroMeansNoBits) { EXPECT_EQ(parse_ct_state_flags("0")->bits(), 0); }

TEST(CtStateLine, UnknownOrRepeatedFlagsAreErrors) {
  for (const char* bad : {"", "bogus", "new|", "|new", "new||trk", "0x100|trk", "new|new", "NEW",
                          "new trk"}) {
    auto r = parse_ct_state_flags(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(CtStateLine, WholeLineGivesNumberAndState) {
  auto r = parse_ct_state_line("12: est|rpl|trk");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->packet_number, 12u);
  EXPECT_EQ(r->state, CtState(CtState::kEst | CtState::kRpl | CtState::kTrk));
}

TEST(CtStateLine, MalformedLinesAreErrors) {
  for (const char* bad : {"", "new|trk", "1 new|trk", "1:new|trk", "x: new|trk", "0: trk",
                          "-1: trk", ": trk", "2: ", "18446744073709551616: trk"}) {
    auto r = parse_ct_state_line(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace ctc::ovs_conntrack_lib
