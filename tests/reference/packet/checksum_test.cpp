// Tests for reference/packet/checksum.h: RFC 1071 Internet checksum and the
// TCP/UDP/ICMPv6 pseudo-header sums. Expected values were computed by hand
// (and cross-checked with Python) as stated next to each case.
#include "reference/packet/checksum.h"

#include <gtest/gtest.h>

#include <vector>

namespace ctc {
namespace {

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

IpAddress addr(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : IpAddress{};
}

// RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0x2ddf0, which
// folds to 0xddf2; the checksum is its complement 0x220d.
TEST(Checksum, Rfc1071Example) {
  const std::vector<uint8_t> bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(fold(checksum_add(0, bytes)), fold(0x2ddf0u));
  EXPECT_EQ(fold(checksum_add(0, bytes)), 0xddf2);
  EXPECT_EQ(checksum_finish(checksum_add(0, bytes)), 0x220d);
  EXPECT_EQ(internet_checksum(bytes), 0x220d);
}

// RFC 1071 section 2(B): the sum is independent of byte order grouping
// (commutative/associative), and can be computed incrementally (C).
TEST(Checksum, IncrementalEqualsWhole) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 101; ++i) bytes.push_back(static_cast<uint8_t>(i * 37 + 11));
  const uint16_t whole = internet_checksum(bytes);
  for (size_t split = 0; split <= bytes.size(); split += 2) {
    const std::span<const uint8_t> all(bytes);
    uint32_t sum = checksum_add(0, all.first(split));
    sum = checksum_add(sum, all.subspan(split));
    EXPECT_EQ(checksum_finish(sum), whole) << "split at " << split;
  }
}

// Odd length: the last byte is padded with a zero on the right.
TEST(Checksum, OddLengthPadsWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  const std::vector<uint8_t> even = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(fold(checksum_add(0, odd)), fold(0x1234u + 0x5600u));
  EXPECT_EQ(internet_checksum(odd), internet_checksum(even));
  EXPECT_EQ(internet_checksum(odd), static_cast<uint16_t>(~(0x1234 + 0x5600)));
  const std::vector<uint8_t> one = {0xab};
  EXPECT_EQ(internet_checksum(one), static_cast<uint16_t>(~0xab00));
}

// The partial sum is taken over 32-bit words; folded, it must equal the
// plain RFC 1071 sum of 16-bit words at every length and alignment of tail.
TEST(Checksum, WordSumsFoldLikeSixteenBitSums) {
  for (size_t n = 0; n < 70; ++n) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(0xff - i * 7));
    uint32_t plain = 0;
    for (size_t i = 0; i < n; i += 2) {
      plain += static_cast<uint32_t>(bytes[i] << 8 | (i + 1 < n ? bytes[i + 1] : 0));
    }
    EXPECT_EQ(fold(checksum_add(0, bytes)), fold(plain)) << n << " bytes";
    EXPECT_EQ(checksum_add(0, bytes) == 0, plain == 0) << n << " bytes";
  }
}

// A running sum passed back in may be any 32-bit value, up to all ones: the
// result still folds like the plain sum of that value and the 16-bit words,
// whatever the length of the tail after the 8-byte blocks.
TEST(Checksum, AnyRunningSumFoldsLikePlainSum) {
  const uint32_t starts[] = {0, 1, 0xffff, 0x10000, 0x1234abcd, 0xfffffffe, 0xffffffff};
  for (const uint32_t start : starts) {
    for (size_t n = 0; n < 40; ++n) {
      std::vector<uint8_t> bytes;
      for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<uint8_t>(0xf7 - i * 13));
      uint64_t plain = start;
      for (size_t i = 0; i < n; i += 2) {
        plain += static_cast<uint32_t>(bytes[i] << 8 | (i + 1 < n ? bytes[i + 1] : 0));
      }
      while (plain >> 16) plain = (plain & 0xffff) + (plain >> 16);
      EXPECT_EQ(fold(checksum_add(start, bytes)), plain) << start << " + " << n << " bytes";
    }
  }
}

TEST(Checksum, EmptyAndAllOnes) {
  EXPECT_EQ(internet_checksum({}), 0xffff);
  EXPECT_EQ(checksum_finish(0), 0xffff);
  EXPECT_EQ(checksum_finish(0xffff), 0x0000);
  // End-around carry: 0xffff + 0x0001 = 0x10000 -> 0x0001 -> checksum 0xfffe.
  const std::vector<uint8_t> bytes = {0xff, 0xff, 0x00, 0x01};
  EXPECT_EQ(internet_checksum(bytes), 0xfffe);
  // A large sum (many words) folds repeatedly.
  std::vector<uint8_t> many(70000, 0xff);
  EXPECT_EQ(internet_checksum(many), 0x0000);
  EXPECT_EQ(checksum_finish(0xffffffffu), 0x0000);
}

// A real IPv4 header (Wikipedia's example):
// 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7 - checksum 0xb861.
TEST(Checksum, KnownIpv4Header) {
  std::vector<uint8_t> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(internet_checksum(header), 0xb861);
  header[10] = 0xb8;
  header[11] = 0x61;
  // With the checksum in place the whole header verifies to zero.
  EXPECT_EQ(internet_checksum(header), 0x0000);
}

// IPv4 pseudo-header (RFC 793): src 192.0.2.1, dst 198.51.100.2, zero,
// protocol 6, TCP length 20:
//   c000 + 0201 + c633 + 6402 + 0006 + 0014 = 0x1ec50 -> folded 0xec51.
TEST(Checksum, PseudoHeaderV4) {
  const uint32_t sum =
      pseudo_header_sum(IpAddress::v4(192, 0, 2, 1), IpAddress::v4(198, 51, 100, 2), 6, 20);
  EXPECT_EQ(fold(sum), 0xec51);
  EXPECT_EQ(checksum_finish(sum), static_cast<uint16_t>(~0xec51));
  // Symmetric in src/dst.
  EXPECT_EQ(fold(pseudo_header_sum(IpAddress::v4(198, 51, 100, 2), IpAddress::v4(192, 0, 2, 1), 6, 20)),
            0xec51);
}

// IPv6 pseudo-header (RFC 8200 8.1): src 2001:db8::1, dst 2001:db8::2,
// 32-bit upper-layer length, three zero bytes, next header.
//   UDP length 8:  2001+0db8+0001 + 2001+0db8+0002 + 0000+0008 + 0011 = 0x5b8e
//   ICMPv6 length 0x12345 (jumbo-sized, uses the high 16 bits too):
//     0x5b75 + 0001 + 2345 + 003a = 0x7ef5
TEST(Checksum, PseudoHeaderV6) {
  const IpAddress src = addr("2001:db8::1");
  const IpAddress dst = addr("2001:db8::2");
  EXPECT_EQ(fold(pseudo_header_sum(src, dst, 17, 8)), 0x5b8e);
  EXPECT_EQ(fold(pseudo_header_sum(src, dst, 58, 0x12345)), 0x7ef5);
}

// A complete UDP/IPv4 datagram verified through the pseudo-header: the
// checksum of pseudo-header + segment (checksum included) is zero.
// 10.0.0.1:1234 -> 10.0.0.2:53, payload "hi":
//   pseudo: 0a00+0001+0a00+0002+0011+000a = 0x141e
//   udp:    04d2+0035+000a+0000+6869 = 0x6d7a
//   total 0x141e + 0x6d7a = 0x8198 -> checksum ~0x8198 = 0x7e67
TEST(Checksum, UdpDatagramVerifiesToZero) {
  const IpAddress src = IpAddress::v4(10, 0, 0, 1);
  const IpAddress dst = IpAddress::v4(10, 0, 0, 2);
  std::vector<uint8_t> udp = {0x04, 0xd2, 0x00, 0x35, 0x00, 0x0a, 0x00, 0x00, 'h', 'i'};
  const uint32_t pseudo = pseudo_header_sum(src, dst, 17, static_cast<uint32_t>(udp.size()));
  EXPECT_EQ(fold(pseudo), 0x141e);
  const uint16_t c = checksum_finish(checksum_add(pseudo, udp));
  EXPECT_EQ(c, 0x7e67);
  udp[6] = static_cast<uint8_t>(c >> 8);
  udp[7] = static_cast<uint8_t>(c);
  EXPECT_EQ(checksum_finish(checksum_add(pseudo, udp)), 0);
}

}  // namespace
}  // namespace ctc
