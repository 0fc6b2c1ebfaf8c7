// Tests for reference/packet/tcp_option_bytes.h: the inline byte store of a
// TCP option holds exactly what one option can carry on the wire, and behaves
// like the vector it replaced where the packet code uses it.
#include "reference/packet/tcp_option_bytes.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "tests/reference/packet/test_bytes.h"

namespace ctc {
namespace {

using test::describe;
using test::hex;

TEST(TcpOptionBytes, StartsEmpty) {
  const TcpOptionBytes bytes;
  EXPECT_TRUE(bytes.empty());
  EXPECT_EQ(bytes.size(), 0u);
  EXPECT_EQ(bytes.begin(), bytes.end());
  EXPECT_EQ(bytes, std::vector<uint8_t>{});
}

TEST(TcpOptionBytes, ComparesByContent) {
  const TcpOptionBytes bytes = {0x05, 0xb4};
  EXPECT_EQ(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0x05);
  EXPECT_EQ(bytes[1], 0xb4);
  EXPECT_EQ(bytes, hex("05 b4"));
  EXPECT_FALSE(bytes == hex("05"));
  EXPECT_FALSE(bytes == hex("05 b4 00"));
  EXPECT_EQ(bytes, TcpOptionBytes(hex("05 b4")));
  EXPECT_FALSE(bytes == TcpOptionBytes({0x05, 0xb5}));
  // A trailing zero byte is content, not unused storage.
  EXPECT_FALSE(bytes == TcpOptionBytes({0x05, 0xb4, 0x00}));
}

TEST(TcpOptionBytes, PushBackAppends) {
  TcpOptionBytes bytes;
  bytes.push_back(0x01);
  bytes.push_back(0x02);
  EXPECT_EQ(bytes, hex("01 02"));
}

// 40 bytes of options area, less kind and length: 38 bytes of data.
TEST(TcpOptionBytes, HoldsAtMostThirtyEightBytes) {
  EXPECT_EQ(TcpOptionBytes(std::vector<uint8_t>(38, 0xaa)).size(), 38u);
  EXPECT_THROW(TcpOptionBytes(std::vector<uint8_t>(39, 0xaa)), std::length_error);
  TcpOptionBytes full(std::vector<uint8_t>(38, 0xaa));
  EXPECT_THROW(full.push_back(0xbb), std::length_error);
  EXPECT_EQ(full.size(), 38u);
  // Five SACK blocks (40 bytes) cannot be one option.
  EXPECT_THROW(TcpOption::sack({{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}}), std::length_error);
  EXPECT_EQ(TcpOption::sack({{1, 2}, {3, 4}, {5, 6}, {7, 8}}).data.size(), 32u);
}

// The largest option fills the options area exactly: data offset 15, and it
// parses back to the same model.
TEST(TcpOptionBytes, LargestOptionRoundTrips) {
  std::vector<uint8_t> data(38);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i + 1);
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2))
      .tcp(1, 2, tcp_flag::kSyn)
      .tcp_option(TcpOption{254, data});
  const std::vector<uint8_t> frame = b.frame();
  ASSERT_EQ(frame.size(), 14u + 20u + 60u);
  EXPECT_EQ(frame[14 + 20 + 12], 0xf0);  // data offset 15 words
  EXPECT_EQ(frame[14 + 20 + 20], 254);   // kind
  EXPECT_EQ(frame[14 + 20 + 21], 40);    // length
  EXPECT_EQ(frame[14 + 20 + 22], 1);
  EXPECT_EQ(frame.back(), 38);
  auto parsed = parse_frame(frame);
  ASSERT_TRUE(parsed.ok()) << describe(parsed);
  ASSERT_NE(parsed->tcp(), nullptr);
  ASSERT_EQ(parsed->tcp()->options.size(), 1u);
  EXPECT_EQ(parsed->tcp()->options[0].kind, 254);
  EXPECT_EQ(parsed->tcp()->options[0].data, data);
}

}  // namespace
}  // namespace ctc
