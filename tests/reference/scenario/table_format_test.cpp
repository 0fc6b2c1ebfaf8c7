#include "reference/scenario/table_format.h"

#include <gtest/gtest.h>

namespace ctc {
namespace {

ConnectionSnapshot tcp_row() {
  ConnectionSnapshot c;
  c.zone = Zone{1};
  c.original = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2), 6, 1234, 80};
  c.reply = {IpAddress::v4(10, 0, 0, 2), IpAddress::v4(10, 0, 0, 1), 6, 80, 1234};
  c.mark = 42;
  c.label = CtLabel{0, 0x1234};
  c.protocol_state = "ESTABLISHED";
  c.remaining = Duration::seconds(86400);
  return c;
}

TEST(TableFormat, FormatsLikeDumpConntrack) {
  EXPECT_EQ(format_connection(tcp_row()),
            "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1234,dport=80),"
            "reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=1234),zone=1,mark=42,"
            "labels=0x1234,state=ESTABLISHED,timeout=86400");
  EXPECT_EQ(format_connection(tcp_row(), {.timeout = false}),
            "tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1234,dport=80),"
            "reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=1234),zone=1,mark=42,"
            "labels=0x1234,state=ESTABLISHED");
}

TEST(TableFormat, IcmpRowsShowIdTypeCodeAndNat) {
  ConnectionSnapshot c;
  c.original = {IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2), 1, 0, 0, 7, 8, 0};
  c.reply = {IpAddress::v4(10, 0, 0, 2), IpAddress::v4(192, 168, 0, 1), 1, 0, 0, 7, 0, 0};
  c.snat = true;
  EXPECT_EQ(format_connection(c, {.timeout = false}),
            "icmp,orig=(src=10.0.0.1,dst=10.0.0.2,id=7,type=8,code=0),"
            "reply=(src=10.0.0.2,dst=192.168.0.1,id=7,type=0,code=0),zone=0,mark=0,"
            "labels=0x0,nat=snat");
}

TEST(TableFormat, ParseIsTheInverseOfFormat) {
  const ConnectionSnapshot c = tcp_row();
  auto parsed = parse_connection(format_connection(c));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, c);
}

TEST(TableFormat, ParseRejectsMalformedRows) {
  EXPECT_FALSE(parse_connection("").ok());
  EXPECT_FALSE(parse_connection("sctp,orig=(src=1.1.1.1,dst=2.2.2.2)").ok());
  EXPECT_FALSE(parse_connection("tcp,orig=(src=1.1.1.1,dst=2.2.2.2)").ok());
  EXPECT_FALSE(parse_connection("tcp,orig=(src=1.1.1.1),reply=(src=1.1.1.1,dst=2.2.2.2)").ok());
  EXPECT_FALSE(parse_connection("tcp,orig=(src=1.1.1.1,dst=2.2.2.2,sport=99999),reply=(src=1.1.1.1,dst=2.2.2.2)").ok());
  EXPECT_FALSE(parse_connection("tcp,orig=(src=1.1.1.1,dst=2.2.2.2),reply=(src=1.1.1.1,dst=2.2.2.2),color=blue").ok());
}

TEST(TableFormat, ExpectedRowsMatchOnTheFieldsTheyName) {
  const std::string row = format_connection(tcp_row());
  EXPECT_TRUE(row_matches("tcp,zone=1,state=ESTABLISHED", row));
  EXPECT_TRUE(row_matches("tcp, orig=(src=10.0.0.1,dst=10.0.0.2,sport=1234,dport=80)", row));
  EXPECT_FALSE(row_matches("tcp,zone=2", row));
  EXPECT_FALSE(row_matches("udp,zone=1", row));
  EXPECT_FALSE(row_matches("tcp,mark=4", row));
}

}  // namespace
}  // namespace ctc
