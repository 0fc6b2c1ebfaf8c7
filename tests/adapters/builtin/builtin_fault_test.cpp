// Each deliberate fault of the built-in engine must change at least one
// observation against the reference, and the same scenario without the fault
// must not: proof that the differential tests can see that kind of bug.
#include "tests/adapters/builtin/harness.h"

namespace ctc::builtin_test {
namespace {

using namespace tcp_flag;

struct FaultCase {
  BuiltinFault fault;
  const char* name;
  std::string flows;
  std::vector<Step> steps;
};

std::vector<FaultCase> fault_cases() {
  const std::string zones =
      "table=0,ip,in_port=1,actions=ct(table=1,zone=1)\n"
      "table=0,ip,in_port=2,actions=ct(table=1,zone=2)\n"
      "table=1,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n"
      "table=1,ct_state=+trk+est,actions=output:4\n"
      "table=1,in_port=2,ct_state=+trk+new,actions=output:3\n";
  const Packet sent = udp_packet(kA, 5000, kB, 53);
  return {
      {BuiltinFault::kReplyTupleNotSwapped, "ReplyTupleNotSwapped", kFirewall,
       {udp(1, kA, 5000, kB, 53), udp(2, kB, 53, kA, 5000), dump()}},
      {BuiltinFault::kNoWindowCheck, "NoWindowCheck", kFirewall,
       {tcp(1, kA, 1, kB, 2, kSyn, 100), tcp(2, kB, 2, kA, 1, kSyn | kAck, 900, 101),
        tcp(1, kA, 1, kB, 2, kAck, 101, 901), tcp(1, kA, 1, kB, 2, kAck, 101 + 3000000, 901, 10)}},
      {BuiltinFault::kIcmpErrorsNeverRelated, "IcmpErrorsNeverRelated", kFirewall,
       {raw(1, sent), icmp_error(2, kB, kA, 3, 3, sent)}},
      {BuiltinFault::kTimeoutOffByOneState, "TimeoutOffByOneState", kFirewall,
       {tcp(1, kA, 1, kB, 2, kSyn, 100), tcp(2, kB, 2, kA, 1, kSyn | kAck, 900, 101),
        tcp(1, kA, 1, kB, 2, kAck, 101, 901), dump()}},
      {BuiltinFault::kZoneIgnoredInKey, "ZoneIgnoredInKey", zones,
       {udp(1, kA, 5, kB, 6), udp(2, kB, 6, kA, 5)}},
  };
}

class BuiltinFaults : public ::testing::TestWithParam<const Profile*> {};

TEST_P(BuiltinFaults, EveryFaultChangesAnObservation) {
  for (const FaultCase& c : fault_cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(same_as_reference(*GetParam(), c.flows, c.steps));
    EXPECT_TRUE(fault_visible(*GetParam(), c.flows, c.steps, c.fault));
  }
}

TEST_P(BuiltinFaults, ReplyTupleNotSwappedShowsInTheDumpAndTheReply) {
  const std::vector<Step> steps = {udp(1, kA, 5000, kB, 53), udp(2, kB, 53, kA, 5000), dump()};
  const auto want = observe_reference(*GetParam(), kFirewall, steps);
  const auto got = observe_builtin(*GetParam(), kFirewall, steps,
                                   {.fault = BuiltinFault::kReplyTupleNotSwapped});
  ASSERT_EQ(want.size(), 3u);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(want[0], got[0]);
  EXPECT_NE(want[1].find("ct=+trk+est+rpl"), std::string::npos);
  EXPECT_NE(got[1].find("ct=+trk+new"), std::string::npos);  // the reply finds nothing
  EXPECT_NE(got[2].find("reply=(proto=17,src=10.1.1.1,dst=10.1.1.2"), std::string::npos);
}

TEST_P(BuiltinFaults, NoWindowCheckPassesOutOfWindowData) {
  const auto c = fault_cases()[1];
  const auto want = observe_reference(*GetParam(), c.flows, c.steps);
  const auto got = observe_builtin(*GetParam(), c.flows, c.steps, {.fault = c.fault});
  EXPECT_NE(want[3].find("ct=+trk+inv"), std::string::npos);
  EXPECT_NE(got[3].find("ct=+trk+est"), std::string::npos);
}

TEST_P(BuiltinFaults, IcmpErrorsNeverRelatedMakesErrorsInvalid) {
  const auto c = fault_cases()[2];
  const auto want = observe_reference(*GetParam(), c.flows, c.steps);
  const auto got = observe_builtin(*GetParam(), c.flows, c.steps, {.fault = c.fault});
  EXPECT_NE(want[1].find("ct=+trk+rel+rpl"), std::string::npos);
  EXPECT_NE(got[1].find("ct=+trk+inv"), std::string::npos);
}

TEST_P(BuiltinFaults, ZoneIgnoredInKeyLeaksAcrossZones) {
  const auto c = fault_cases()[4];
  const auto want = observe_reference(*GetParam(), c.flows, c.steps);
  const auto got = observe_builtin(*GetParam(), c.flows, c.steps, {.fault = c.fault});
  EXPECT_NE(want[1].find("ct=+trk+new out=[3:"), std::string::npos);
  EXPECT_NE(got[1].find("ct=+trk+est+rpl out=[4:"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Profiles, BuiltinFaults, ::testing::ValuesIn(kProfiles),
                         [](const auto& info) {
                           return info.param->name == "linux" ? std::string("Linux")
                                                              : std::string("OvsUserspace");
                         });

}  // namespace
}  // namespace ctc::builtin_test
