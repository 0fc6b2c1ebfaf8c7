#include <gtest/gtest.h>

#include "properties/tcp_state_order.h"

namespace ctc {
namespace {

TEST(TcpStateOrder, LinuxMovesForwardOrRecyclesWhenClosing) {
  const Profile& p = linux_profile();
  EXPECT_TRUE(tcp_state_may_follow(p, "SYN_SENT", "SYN_SENT2"));
  EXPECT_TRUE(tcp_state_may_follow(p, "SYN_SENT2", "SYN_RECV"));
  EXPECT_TRUE(tcp_state_may_follow(p, "ESTABLISHED", "FIN_WAIT"));
  EXPECT_TRUE(tcp_state_may_follow(p, "TIME_WAIT", "SYN_SENT"));  // recycle
  EXPECT_TRUE(tcp_state_may_follow(p, "CLOSE", "SYN_SENT"));
  EXPECT_TRUE(tcp_state_may_follow(p, "ESTABLISHED", "SYN_RECV"));  // ignored-SYN resync
  EXPECT_FALSE(tcp_state_may_follow(p, "ESTABLISHED", "SYN_SENT"));
  EXPECT_FALSE(tcp_state_may_follow(p, "FIN_WAIT", "ESTABLISHED"));
  EXPECT_FALSE(tcp_state_may_follow(p, "LAST_ACK", "CLOSE_WAIT"));
}

TEST(TcpStateOrder, OvsPeersOnlyRiseUntilBothAreClosing) {
  const Profile& p = ovs_userspace_profile();
  EXPECT_TRUE(tcp_state_may_follow(p, "SYN_SENT/CLOSED", "ESTABLISHED/ESTABLISHED"));
  EXPECT_TRUE(tcp_state_may_follow(p, "FIN_WAIT_2/TIME_WAIT", "SYN_SENT/CLOSED"));  // recycle
  EXPECT_FALSE(tcp_state_may_follow(p, "ESTABLISHED/ESTABLISHED", "SYN_SENT/ESTABLISHED"));
  EXPECT_FALSE(tcp_state_may_follow(p, "FIN_WAIT_2/ESTABLISHED", "SYN_SENT/CLOSED"));
  EXPECT_TRUE(tcp_state_is_closing(p, "TIME_WAIT/TIME_WAIT"));
  EXPECT_FALSE(tcp_state_is_closing(p, "TIME_WAIT/ESTABLISHED"));
}

TEST(TcpStateOrder, OnlyOvsCallsAReplySynOfASimultaneousOpenNew) {
  EXPECT_TRUE(tcp_reply_syn_is_new(ovs_userspace_profile(), "SYN_SENT/CLOSED"));
  EXPECT_FALSE(tcp_reply_syn_is_new(ovs_userspace_profile(), "ESTABLISHED/ESTABLISHED"));
  EXPECT_FALSE(tcp_reply_syn_is_new(linux_profile(), "SYN_SENT"));
}

}  // namespace
}  // namespace ctc
