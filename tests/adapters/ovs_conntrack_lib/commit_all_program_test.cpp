// Recognition of the one program shape ovs-conntrack-lib runs.
#include "adapters/ovs_conntrack_lib/commit_all_program.h"

#include <gtest/gtest.h>

namespace ctc::ovs_conntrack_lib {
namespace {

const std::vector<PortDecl> kTwoPorts = {{Port{1}, "inside"}, {Port{2}, "outside"}};

Result<CommitAllProgram> recognise(const std::string& flows,
                                   const std::vector<PortDecl>& ports = kTwoPorts) {
  auto program = parse_flow_program(flows);
  EXPECT_TRUE(program.ok()) << program.error().message;
  if (!program.ok()) return program.error();
  return recognise_commit_all_program(*program, ports);
}

// The refusal names the shape and contains `why`.
void expect_refused(const std::string& flows, const std::string& why) {
  auto r = recognise(flows);
  ASSERT_FALSE(r.ok()) << flows;
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message.find("not the commit-all shape ovstest runs"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
}

TEST(CommitAllProgram, CanonicalProgramIsAcceptedWithItsForwardingMap) {
  auto r = recognise(kCommitAllFlows);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::map<uint16_t, uint16_t> expected = {{1, 2}, {2, 1}};
  EXPECT_EQ(r->forward, expected);
}

TEST(CommitAllProgram, SpellingOrderAndOptionalDropsDoNotMatter) {
  auto r = recognise(
      "table=1,in_port=2,actions=output:1\n"
      "ipv6,actions=ct(table=1,commit)\n"
      "table=1,in_port=1,actions=output:2\n"
      "dl_type=0x0800,actions=ct(commit,zone=0,table=1)\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->forward.size(), 2u);
}

TEST(CommitAllProgram, OneWayForwardingIsAccepted) {
  auto r = recognise(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::map<uint16_t, uint16_t> expected = {{1, 2}};
  EXPECT_EQ(r->forward, expected);
}

TEST(CommitAllProgram, ZoneOtherThanZeroIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,zone=1,table=1)\n"
      "table=0,ipv6,actions=ct(commit,zone=1,table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "a zone other than 0");
}

TEST(CommitAllProgram, LookupWithoutCommitIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(table=1)\n"
      "table=0,ipv6,actions=ct(table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "ct() without commit");
}

TEST(CommitAllProgram, NatIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1,nat(src=192.0.2.1))\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "nat");
}

TEST(CommitAllProgram, MarkIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1,exec(set_field:1->ct_mark))\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "ct_mark");
}

TEST(CommitAllProgram, MissingIpv6CommitIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "both `ip` and `ipv6`");
}

TEST(CommitAllProgram, ExtraMatchInTableZeroIsRefused) {
  expect_refused(
      "table=0,tcp,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n",
      "may only match `ip` or `ipv6`");
}

TEST(CommitAllProgram, StatefulFirewallIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,ct_state=+trk+new,actions=output:2\n",
      "table 1 rules must be `in_port=A,actions=output:B`");
}

TEST(CommitAllProgram, ThirdTableIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2\n"
      "table=2,actions=drop\n",
      "a rule in table 2");
}

TEST(CommitAllProgram, CatchAllAboveTheRulesIsRefused) {
  expect_refused(
      "table=0,priority=10,ip,actions=ct(commit,table=1)\n"
      "table=0,priority=10,ipv6,actions=ct(commit,table=1)\n"
      "table=0,priority=20,actions=drop\n"
      "table=1,in_port=1,actions=output:2\n",
      "does not rank below");
}

TEST(CommitAllProgram, OutputToUndeclaredPortIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:7\n",
      "a port the scenario does not declare");
}

TEST(CommitAllProgram, ForwardingToTwoPortsIsRefused) {
  expect_refused(
      "table=0,ip,actions=ct(commit,table=1)\n"
      "table=0,ipv6,actions=ct(commit,table=1)\n"
      "table=1,in_port=1,actions=output:2,output:3\n",
      "table 1 rules must be");
}

}  // namespace
}  // namespace ctc::ovs_conntrack_lib
