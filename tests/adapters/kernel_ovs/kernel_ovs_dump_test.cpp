// Kernel datapath conntrack dumps, as ovs-vswitchd 3.1 prints them for
// openvswitch.ko (lines captured from the kernel-ovs VM), to linux-profile rows.
#include "adapters/kernel_ovs/kernel_ovs_dump.h"

#include <gtest/gtest.h>

namespace ctc::kernel_ovs {
namespace {

constexpr const char* kEstablished =
    "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=1234,dport=80),reply=(src=10.1.1.2,dst=10.1.1.1,"
    "sport=80,dport=1234),id=95055714,zone=1,status=SEEN_REPLY|ASSURED|CONFIRMED,timeout=431999,"
    "protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,flags_orig=BE_LIBERAL|MAXACK_SET,"
    "flags_reply=BE_LIBERAL|MAXACK_SET)";

TEST(KernelOvsDump, EstablishedTcpEntry) {
  auto row = parse_kernel_conntrack_line(kEstablished);
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->zone.value, 1);
  EXPECT_EQ(row->original.src, IpAddress::v4(10, 1, 1, 1));
  EXPECT_EQ(row->original.dst, IpAddress::v4(10, 1, 1, 2));
  EXPECT_EQ(row->original.src_port, 1234);
  EXPECT_EQ(row->original.dst_port, 80);
  EXPECT_EQ(row->protocol_state, "ESTABLISHED");
  EXPECT_TRUE(row->seen_reply);
  EXPECT_EQ(row->remaining, Duration::seconds(431999));
  EXPECT_FALSE(row->snat);
  EXPECT_FALSE(row->dnat);
}

TEST(KernelOvsDump, UnrepliedEntryHasNoSeenReply) {
  auto row = parse_kernel_conntrack_line(
      "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=1234,dport=80),reply=(src=10.1.1.2,dst=10.1.1.1,"
      "sport=80,dport=1234),id=7,zone=1,status=CONFIRMED,timeout=119,"
      "protoinfo=(state_orig=SYN_SENT,state_reply=SYN_SENT)");
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->protocol_state, "SYN_SENT");
  EXPECT_FALSE(row->seen_reply);
  EXPECT_EQ(row->remaining, Duration::seconds(119));
}

TEST(KernelOvsDump, UdpSeenReplyComesFromStatus) {
  auto row = parse_kernel_conntrack_line(
      "udp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=5000,dport=53),reply=(src=10.1.1.2,"
      "dst=10.1.1.1,sport=53,dport=5000),id=9,status=SEEN_REPLY|CONFIRMED,timeout=29");
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->zone.value, 0);
  EXPECT_EQ(row->protocol_state, "");
  EXPECT_TRUE(row->seen_reply);
}

TEST(KernelOvsDump, SnatIsReadFromTheReplyTuple) {
  auto row = parse_kernel_conntrack_line(
      "tcp,orig=(src=10.1.1.1,dst=10.1.1.2,sport=1234,dport=80),reply=(src=10.1.1.2,"
      "dst=192.168.0.1,sport=80,dport=1234),id=3,zone=2,status=SRC_NAT|SRC_NAT_DONE|CONFIRMED,"
      "timeout=120,mark=42,protoinfo=(state_orig=SYN_SENT,state_reply=SYN_SENT)");
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_TRUE(row->snat);
  EXPECT_FALSE(row->dnat);
  EXPECT_EQ(row->mark, 42u);
}

TEST(KernelOvsDump, OvsStateNamesMapBackToTheKernels) {
  EXPECT_EQ(linux_state_from_dpif("CLOSED"), "NONE");
  EXPECT_EQ(linux_state_from_dpif("FIN_WAIT_1"), "FIN_WAIT");
  EXPECT_EQ(linux_state_from_dpif("CLOSING"), "CLOSE");
  EXPECT_EQ(linux_state_from_dpif("TIME_WAIT"), "TIME_WAIT");
  EXPECT_EQ(linux_state_from_dpif("SYN_RECV"), "SYN_RECV");
}

TEST(KernelOvsDump, DumpIsSortedByZoneThenTuple) {
  const std::string text =
      "udp,orig=(src=10.0.0.9,dst=10.0.0.2,sport=1,dport=2),reply=(src=10.0.0.2,dst=10.0.0.9,"
      "sport=2,dport=1),id=1,zone=2,status=CONFIRMED,timeout=30\n" +
      std::string(kEstablished) + "\n\n";
  auto rows = parse_kernel_conntrack_dump(text);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].zone.value, 1);
  EXPECT_EQ((*rows)[1].zone.value, 2);
}

TEST(KernelOvsDump, GarbageIsAnError) {
  EXPECT_FALSE(parse_kernel_conntrack_dump("not a conntrack line\n").ok());
}

}  // namespace
}  // namespace ctc::kernel_ovs
