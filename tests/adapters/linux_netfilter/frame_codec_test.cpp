#include "adapters/linux_netfilter/frame_codec.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/packet_spec.h"

namespace ctc::linux_netfilter {
namespace {

Packet packet(const std::string& spec) {
  auto p = parse_packet_spec(spec);
  EXPECT_TRUE(p.ok()) << spec;
  return p.ok() ? *p : Packet{};
}

// What the kernel hands back after forwarding `p`: the IP bytes with the
// TTL / hop limit one lower (and, for a dup copy, DF set).
std::vector<uint8_t> forwarded(Packet p, bool dont_fragment = false) {
  p.ip->ttl = static_cast<uint8_t>(p.ip->ttl - 1);
  p.ip->checksum.reset();
  if (dont_fragment) p.ip->dont_fragment = true;
  return serialize_ip(p);
}

TEST(FrameCodec, SplitsEthernetFromIp) {
  const std::vector<uint8_t> frame = serialize_frame(packet("udp 10.0.0.1:1 > 10.0.0.2:2 len=4"));
  auto split = split_frame(frame);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->link_header.size(), 14u);
  EXPECT_EQ(split->ip.size(), frame.size() - 14);
  EXPECT_EQ(split->ip[0] >> 4, 4);
}

TEST(FrameCodec, KeepsTheVlanTagInTheLinkHeader) {
  auto split_storage = serialize_frame(packet("udp 10.0.0.1:1 > 10.0.0.2:2 vlan=5"));
  auto split = split_frame(split_storage);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->link_header.size(), 18u);
}

TEST(FrameCodec, NonIpFramesAreNotSplit) {
  std::vector<uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_FALSE(split_frame(arp).has_value());
  EXPECT_FALSE(split_frame(std::vector<uint8_t>(10, 0)).has_value());
}

TEST(FrameCodec, ForwardedIpv4GetsItsTtlAndChecksumBack) {
  const Packet in = packet("tcp 10.0.0.1:40000 > 172.16.0.1:80 S seq=1 ttl=64");
  const std::vector<uint8_t> frame = serialize_frame(in);
  auto split = split_frame(frame);
  ASSERT_TRUE(split.has_value());
  const auto out = restore_frame({.injected = &*split, .audit_copy = false}, forwarded(in));
  EXPECT_EQ(out, frame);
}

TEST(FrameCodec, AuditCopyLosesTheDfBitDupAdded) {
  const Packet in = packet("tcp 10.0.0.1:40000 > 172.16.0.1:80 . seq=1 ack=1");
  const std::vector<uint8_t> frame = serialize_frame(in);
  auto split = split_frame(frame);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(restore_frame({.injected = &*split, .audit_copy = true}, forwarded(in, true)), frame);
  // Not a dup copy: a DF the kernel set stays visible.
  EXPECT_NE(restore_frame({.injected = &*split, .audit_copy = false}, forwarded(in, true)), frame);
}

TEST(FrameCodec, ForwardedIpv6GetsItsHopLimitBack) {
  const Packet in = packet("udp [fd00::1]:5 > [fd00::2]:6 len=3");
  const std::vector<uint8_t> frame = serialize_frame(in);
  auto split = split_frame(frame);
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(restore_frame({.injected = &*split, .audit_copy = false}, forwarded(in)), frame);
}

TEST(FrameCodec, NatRewritesStayVisible) {
  const Packet in = packet("udp 10.0.0.1:5 > 10.0.0.2:6 len=3");
  Packet natted = in;
  natted.ip->src = IpAddress::v4(192, 0, 2, 1);
  natted.ip->checksum.reset();
  natted.udp()->checksum.reset();
  const std::vector<uint8_t> frame = serialize_frame(in);
  auto split = split_frame(frame);
  ASSERT_TRUE(split.has_value());
  auto out =
      parse_frame(restore_frame({.injected = &*split, .audit_copy = false}, forwarded(natted)));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->ip->src, IpAddress::v4(192, 0, 2, 1));
  EXPECT_EQ(out->ip->ttl, 64);
  EXPECT_TRUE(out->ip_checksum_ok);
  EXPECT_EQ(out->eth, in.eth);
}

TEST(FrameCodec, RouterNeighbourDiscoveryIsNoise) {
  // A router solicitation from a link-local address.
  Packet rs = packet("icmp [fe80::1] > [ff02::2] type=133");
  EXPECT_TRUE(is_router_noise(serialize_ip(rs)));
  Packet echo = packet("icmp [fd00::1] > [fd00::2] echo-request id=1 seq=1");
  EXPECT_FALSE(is_router_noise(serialize_ip(echo)));
  Packet v4 = packet("udp 10.0.0.1:5 > 10.0.0.2:6");
  EXPECT_FALSE(is_router_noise(serialize_ip(v4)));
}

}  // namespace
}  // namespace ctc::linux_netfilter
