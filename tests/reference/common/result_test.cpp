#include "reference/common/result.h"

#include <gtest/gtest.h>

#include "reference/packet/addresses.h"

namespace ctc {
namespace {

TEST(Result, HoldsValueOrError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = invalid_argument("nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "nope");
}

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("10.1.2.3");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4_host_order(), 0x0a010203u);
  EXPECT_EQ(v4->to_string(), "10.1.2.3");
  auto v6 = IpAddress::parse("fd00::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->to_string(), "fd00::1");
  EXPECT_FALSE(IpAddress::parse("10.1.2").ok());
  EXPECT_FALSE(IpAddress::parse("fd00:::1").ok());
}

TEST(IpAddress, ArithmeticForNatRanges) {
  IpAddress a = IpAddress::v4(10, 0, 0, 255);
  EXPECT_EQ(a.plus(1), IpAddress::v4(10, 0, 1, 0));
  EXPECT_EQ(IpAddress::v4(10, 0, 1, 4).offset_from(IpAddress::v4(10, 0, 0, 250)), 10u);
  EXPECT_TRUE(IpAddress::v4(192, 168, 7, 9).in_prefix(IpAddress::v4(192, 168, 0, 0), 16));
  EXPECT_FALSE(IpAddress::v4(192, 169, 7, 9).in_prefix(IpAddress::v4(192, 168, 0, 0), 16));
  EXPECT_TRUE(IpAddress::v4(192, 168, 7, 9).in_prefix(IpAddress::v4(0, 0, 0, 0), 0));
}

TEST(MacAddress, ParsesColonForm) {
  auto mac = MacAddress::parse("0a:0B:0c:0d:0e:ff");
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(mac->to_string(), "0a:0b:0c:0d:0e:ff");
  EXPECT_FALSE(MacAddress::parse("0a:0b:0c:0d:0e").ok());
  EXPECT_FALSE(MacAddress::parse("0a:0b:0c:0d:0e:fg").ok());
}

}  // namespace
}  // namespace ctc
