// Tests for reference/packet/addresses.h: MAC / IPv4 / IPv6 text forms and the
// address arithmetic NAT ranges rely on.
#include "reference/packet/addresses.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace ctc {
namespace {

IpAddress v6(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : IpAddress{};
}

// ---------------------------------------------------------------- MAC

TEST(MacAddress, ParsesLowerAndUpperCase) {
  auto m = MacAddress::parse("00:1A:2b:3C:4d:FF");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->bytes, (std::array<uint8_t, 6>{0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xff}));
  EXPECT_EQ(m->to_string(), "00:1a:2b:3c:4d:ff");
}

TEST(MacAddress, RoundTripsThroughText) {
  MacAddress m;
  m.bytes = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
  EXPECT_EQ(m.to_string(), "de:ad:be:ef:00:01");
  auto back = MacAddress::parse(m.to_string());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, m);
  std::ostringstream os;
  os << m;
  EXPECT_EQ(os.str(), "de:ad:be:ef:00:01");
}

TEST(MacAddress, RejectsBadText) {
  const std::vector<std::string> bad = {
      "",
      "00:11:22:33:44",
      "00:11:22:33:44:5",
      "00:11:22:33:44:555",
      "00:11:22:33:44:55:",
      "00-11-22-33-44-55",
      "0011.2233.4455",
      "00:11:22:33:44:5g",
      "g0:11:22:33:44:55",
      "00:11:22:33:44 55",
      " 00:11:22:33:44:5",
      "00:11:22:33:44:55 ",
      "001:1:22:33:44:55",
      std::string("00:11:22:33:44:5\0", 17),
  };
  for (const std::string& text : bad) {
    auto m = MacAddress::parse(text);
    EXPECT_FALSE(m.ok()) << "'" << text << "'";
    if (!m.ok()) {
      EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

// ---------------------------------------------------------------- IPv4

TEST(IpAddressV4, ParsesDottedQuad) {
  auto a = IpAddress::parse("192.168.1.254");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->family, IpFamily::kV4);
  EXPECT_EQ(a->size(), 4u);
  EXPECT_EQ(a->v4_host_order(), 0xc0a801feu);
  EXPECT_EQ(*a, IpAddress::v4(192, 168, 1, 254));
  EXPECT_EQ(*a, IpAddress::v4(0xc0a801feu));
  // Only the first four bytes are used; the rest stay zero.
  for (size_t i = 4; i < 16; ++i) EXPECT_EQ(a->bytes[i], 0) << i;
  EXPECT_EQ(a->to_string(), "192.168.1.254");
}

TEST(IpAddressV4, PrintsEdgeValues) {
  EXPECT_EQ(IpAddress::v4(0).to_string(), "0.0.0.0");
  EXPECT_EQ(IpAddress::v4(0xffffffffu).to_string(), "255.255.255.255");
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 1).to_string(), "10.0.0.1");
  std::ostringstream os;
  os << IpAddress::v4(127, 0, 0, 1);
  EXPECT_EQ(os.str(), "127.0.0.1");
}

TEST(IpAddressV4, RejectsBadText) {
  const std::vector<std::string> bad = {
      "",          "1",           "1.2.3",        "1.2.3.4.5",  "256.1.1.1",  "1.2.3.256",
      "1.2.3.-1",  "a.b.c.d",     "1.2.3.4 ",     " 1.2.3.4",   "1..2.3",     "1.2.3.",
      ".1.2.3",    "0x1.2.3.4",   "1.2.3.4/24",   "01.2.3.4",
      // Embedded NUL: must not be cut at the NUL and accepted.
      std::string("1.2.3.4\0garbage", 15), std::string("1.2.3.4\0", 8),
  };
  for (const std::string& text : bad) {
    auto a = IpAddress::parse(text);
    EXPECT_FALSE(a.ok()) << "'" << text << "'";
    if (!a.ok()) {
      EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

// ---------------------------------------------------------------- IPv6

TEST(IpAddressV6, ParsesFullAndCompressedForms) {
  auto a = IpAddress::parse("2001:0db8:0000:0000:0000:ff00:0042:8329");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->is_v4());
  EXPECT_EQ(a->family, IpFamily::kV6);
  EXPECT_EQ(a->size(), 16u);
  const std::array<uint8_t, 16> expected = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                            0,    0,    0xff, 0x00, 0, 0x42, 0x83, 0x29};
  EXPECT_EQ(a->bytes, expected);
  EXPECT_EQ(*a, IpAddress::v6(expected));
  EXPECT_EQ(*a, v6("2001:db8::ff00:42:8329"));
  EXPECT_EQ(*a, v6("2001:DB8::FF00:42:8329"));
}

TEST(IpAddressV6, ParsesEmbeddedIpv4) {
  auto a = IpAddress::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(a.ok());
  const std::array<uint8_t, 16> expected = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  EXPECT_EQ(a->bytes, expected);
  EXPECT_FALSE(a->is_v4());
}

// RFC 5952 section 4: canonical text.
TEST(IpAddressV6, PrintsRfc5952Canonical) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      // 4.1: leading zeros suppressed.
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
      // 4.2.1: "::" shortens as much as possible.
      {"2001:db8:0:0:0:0:0:1", "2001:db8::1"},
      // 4.2.2: "::" never for a single 16-bit 0 field.
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
      {"1:2:3:4:5:6:0:8", "1:2:3:4:5:6:0:8"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      // 4.2.3: longest run wins; on a tie the first one.
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"1:0:0:0:1:0:0:1", "1::1:0:0:1"},
      // 4.3: lower case.
      {"2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"},
      // Runs at either end, and the all-zero and loopback addresses.
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"0:0:1:2:3:4:5:6", "::1:2:3:4:5:6"},
      {"fe80:0:0:0:0:0:0:2", "fe80::2"},
      {"::2", "::2"},
      {"fd00:1:2:3:4:5:6:7", "fd00:1:2:3:4:5:6:7"},
      // Section 5: IPv4-mapped addresses keep the dotted quad.
      {"::ffff:c000:0201", "::ffff:192.0.2.1"},
  };
  for (const Case& c : cases) {
    const IpAddress a = v6(c.in);
    EXPECT_EQ(a.to_string(), c.out) << c.in;
    // And the canonical text parses back to the same address.
    auto back = IpAddress::parse(a.to_string());
    ASSERT_TRUE(back.ok()) << a.to_string();
    EXPECT_EQ(*back, a) << c.in;
  }
  std::ostringstream os;
  os << v6("fd00::1");
  EXPECT_EQ(os.str(), "fd00::1");
}

TEST(IpAddressV6, RejectsBadText) {
  const std::vector<std::string> bad = {
      ":",
      ":::",
      "1:::2",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::1",
      "g::1",
      "::1 ",
      " ::1",
      "fe80::1%eth0",
      "::1/128",
      "1:2:3:4:5:6:7:8::",
      "::ffff:1.2.3",
      "::ffff:1.2.3.256",
      std::string("::1\0junk", 8),
  };
  for (const std::string& text : bad) {
    auto a = IpAddress::parse(text);
    EXPECT_FALSE(a.ok()) << "'" << text << "'";
    if (!a.ok()) {
      EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(IpAddress, FamiliesCompareUnequal) {
  // 0.0.0.0 and :: share the byte pattern but not the family.
  EXPECT_NE(IpAddress::v4(0), v6("::"));
  EXPECT_LT(IpAddress::v4(1, 2, 3, 4), IpAddress::v4(1, 2, 3, 5));
  EXPECT_LT(v6("fd00::1"), v6("fd00::2"));
}

// ---------------------------------------------------------------- arithmetic

TEST(IpAddressArithmetic, PlusV4CarriesAcrossBytes) {
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 1).plus(0), IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 1).plus(1), IpAddress::v4(10, 0, 0, 2));
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 255).plus(1), IpAddress::v4(10, 0, 1, 0));
  EXPECT_EQ(IpAddress::v4(10, 0, 255, 255).plus(1), IpAddress::v4(10, 1, 0, 0));
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 0).plus(0x010203), IpAddress::v4(10, 1, 2, 3));
  // Wraps within the family: never spills into bytes 4..15.
  const IpAddress wrapped = IpAddress::v4(255, 255, 255, 255).plus(1);
  EXPECT_EQ(wrapped, IpAddress::v4(0));
  EXPECT_TRUE(wrapped.is_v4());
}

TEST(IpAddressArithmetic, PlusV6CarriesAcrossBytes) {
  EXPECT_EQ(v6("fd00::1").plus(1), v6("fd00::2"));
  EXPECT_EQ(v6("fd00::ffff").plus(1), v6("fd00::1:0"));
  EXPECT_EQ(v6("fd00::ffff:ffff:ffff:ffff").plus(1), v6("fd00:0:0:1::"));
  EXPECT_EQ(v6("fd00::").plus(UINT64_MAX), v6("fd00::ffff:ffff:ffff:ffff"));
  EXPECT_EQ(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").plus(1), v6("::"));
}

TEST(IpAddressArithmetic, OffsetFrom) {
  EXPECT_EQ(IpAddress::v4(10, 0, 0, 5).offset_from(IpAddress::v4(10, 0, 0, 5)), 0u);
  EXPECT_EQ(IpAddress::v4(10, 0, 1, 0).offset_from(IpAddress::v4(10, 0, 0, 255)), 1u);
  EXPECT_EQ(IpAddress::v4(255, 255, 255, 255).offset_from(IpAddress::v4(0)), 0xffffffffu);
  EXPECT_EQ(v6("fd00::1:0").offset_from(v6("fd00::ffff")), 1u);
  EXPECT_EQ(v6("fd00::ffff:ffff:ffff:ffff").offset_from(v6("fd00::")), UINT64_MAX);
  // More than 64 bits apart: saturates.
  EXPECT_EQ(v6("fd00:0:0:1::").offset_from(v6("fd00::")), UINT64_MAX);
  EXPECT_EQ(v6("fe00::").offset_from(v6("fd00::")), UINT64_MAX);
  // Borrow across the 64-bit boundary but a small difference.
  EXPECT_EQ(v6("fd00:0:0:1::").offset_from(v6("fd00::ffff:ffff:ffff:ffff")), 1u);
}

TEST(IpAddressArithmetic, PlusAndOffsetAreInverse) {
  const std::vector<IpAddress> bases = {IpAddress::v4(10, 0, 0, 0), IpAddress::v4(192, 168, 255, 250),
                                        v6("fd00::"), v6("2001:db8::ffff:ff00")};
  const std::vector<uint64_t> steps = {0, 1, 5, 255, 256, 65535, 65536, 0xfffff};
  for (const IpAddress& base : bases) {
    for (uint64_t n : steps) {
      EXPECT_EQ(base.plus(n).offset_from(base), n) << base << " + " << n;
    }
  }
}

TEST(IpAddressArithmetic, InPrefix) {
  const IpAddress net = IpAddress::v4(10, 1, 0, 0);
  EXPECT_TRUE(IpAddress::v4(10, 1, 2, 3).in_prefix(net, 16));
  EXPECT_FALSE(IpAddress::v4(10, 2, 2, 3).in_prefix(net, 16));
  EXPECT_TRUE(IpAddress::v4(10, 1, 127, 3).in_prefix(net, 17));
  EXPECT_FALSE(IpAddress::v4(10, 1, 128, 3).in_prefix(net, 17));
  EXPECT_TRUE(IpAddress::v4(10, 1, 0, 7).in_prefix(IpAddress::v4(10, 1, 0, 4), 30));
  EXPECT_FALSE(IpAddress::v4(10, 1, 0, 8).in_prefix(IpAddress::v4(10, 1, 0, 4), 30));
  EXPECT_TRUE(IpAddress::v4(1, 2, 3, 4).in_prefix(IpAddress::v4(9, 9, 9, 9), 0));
  EXPECT_TRUE(IpAddress::v4(1, 2, 3, 4).in_prefix(IpAddress::v4(1, 2, 3, 4), 32));
  EXPECT_FALSE(IpAddress::v4(1, 2, 3, 5).in_prefix(IpAddress::v4(1, 2, 3, 4), 32));

  EXPECT_TRUE(v6("2001:db8:1::5").in_prefix(v6("2001:db8::"), 32));
  EXPECT_FALSE(v6("2001:db9::5").in_prefix(v6("2001:db8::"), 32));
  EXPECT_TRUE(v6("2001:db8::7fff").in_prefix(v6("2001:db8::"), 113));
  EXPECT_FALSE(v6("2001:db8::8000").in_prefix(v6("2001:db8::"), 113));
  EXPECT_TRUE(v6("fd00::1").in_prefix(v6("fd00::1"), 128));
  EXPECT_FALSE(v6("fd00::2").in_prefix(v6("fd00::1"), 128));
  EXPECT_TRUE(v6("fd00::2").in_prefix(v6("::"), 0));
  // Never across families, even with prefix length 0.
  EXPECT_FALSE(IpAddress::v4(0).in_prefix(v6("::"), 0));
  EXPECT_FALSE(v6("::").in_prefix(IpAddress::v4(0), 0));
}

}  // namespace
}  // namespace ctc
