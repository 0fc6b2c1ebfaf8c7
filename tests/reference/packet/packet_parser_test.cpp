// Tests for reference/packet/packet_parser.h: every header the model knows,
// checksum verdicts, ICMP error quotes, and malformed input (the right
// ParseErrorKind, and never a crash: sanitizers are on).
#include "reference/packet/packet_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "reference/packet/checksum.h"
#include "reference/packet/packet_builder.h"
#include "tests/reference/packet/test_bytes.h"

namespace ctc {
namespace {

using test::describe;
using test::fix_ip_length;
using test::fix_ipv4_checksum;
using test::hex;
using test::set16;
using test::Wire;

MacAddress mac(const char* text) {
  auto m = MacAddress::parse(text);
  EXPECT_TRUE(m.ok()) << text;
  return m.ok() ? *m : MacAddress{};
}

#define ASSERT_PARSES(result) ASSERT_TRUE((result).ok()) << describe(result)

// Expects `frame` to fail with `kind` (and, when given, at `offset`).
void expect_error(const std::vector<uint8_t>& frame, ParseErrorKind kind, long offset = -1,
                  const std::string& what = "") {
  auto r = parse_frame(frame);
  ASSERT_FALSE(r.ok()) << what << " (" << frame.size() << " bytes) parsed";
  EXPECT_EQ(r.error().kind, kind) << what << ": " << r.error();
  if (offset >= 0) {
    EXPECT_EQ(r.error().offset, static_cast<size_t>(offset)) << what << ": " << r.error();
  }
}

// Known frames (computed with Python, see packet_builder_test.cpp for the SYN
// and UDP ones).
//
// 02:00:00:00:00:01 -> 02:00:00:00:00:02, IPv4 with a 4-byte Router Alert
// option (IHL 6), TOS 0x10, id 0x1234, DF, TTL 64, UDP 192.0.2.1:5000 ->
// 198.51.100.2:53, payload "abcd", then 10 bytes of Ethernet padding to 60.
const char kIpv4OptionsUdpFrame[] =
    "02 00 00 00 00 02 02 00 00 00 00 01 08 00"
    "46 10 00 24 12 34 40 00 40 11 a7 49 c0 00 02 01 c6 33 64 02 94 04 00 00"
    "13 88 00 35 00 0c 3b 1b 61 62 63 64"
    "00 00 00 00 00 00 00 00 00 00";

// 10.0.0.1:12345 -> 10.0.0.2:80 SYN seq 1000 win 65535, MSS 1460.
const char kSynFrame[] =
    "00 00 00 00 00 02 00 00 00 00 00 01 08 00"
    "45 00 00 2c 00 00 00 00 40 06 66 ca 0a 00 00 01 0a 00 00 02"
    "30 39 00 50 00 00 03 e8 00 00 00 00 60 02 ff ff 4f b3 00 00 02 04 05 b4";

// ---------------------------------------------------------------- Ethernet

TEST(ParseEthernet, NonIpFrameKeepsPayload) {
  // An ARP request: ethertype 0x0806, 28 bytes of ARP.
  std::vector<uint8_t> f = hex("ff ff ff ff ff ff 52 54 00 12 34 56 08 06");
  const std::vector<uint8_t> arp = hex(
      "00 01 08 00 06 04 00 01 52 54 00 12 34 56 0a 00 00 01 00 00 00 00 00 00 0a 00 00 02");
  f.insert(f.end(), arp.begin(), arp.end());
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  ASSERT_TRUE(r->eth);
  EXPECT_EQ(r->eth->dst, mac("ff:ff:ff:ff:ff:ff"));
  EXPECT_EQ(r->eth->src, mac("52:54:00:12:34:56"));
  EXPECT_EQ(r->eth->ether_type, ether_type::kArp);
  EXPECT_FALSE(r->eth->vlan_tci);
  EXPECT_FALSE(r->ip);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, arp);
}

TEST(ParseEthernet, HeaderOnlyFrame) {
  auto r = parse_frame(hex("00 00 00 00 00 02 00 00 00 00 00 01 88 cc"));
  ASSERT_PARSES(r);
  EXPECT_EQ(r->eth->ether_type, 0x88cc);
  EXPECT_TRUE(r->payload.empty());
}

TEST(ParseEthernet, ShortFramesAreTruncated) {
  const std::vector<uint8_t> full = hex(kSynFrame);
  for (size_t n = 0; n < 14; ++n) {
    expect_error(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(n)),
                 ParseErrorKind::kTruncated, 0, "ethernet cut at " + std::to_string(n));
  }
}

TEST(ParseEthernet, Vlan8021Q) {
  // The SYN frame with a tag (PCP 1, VID 100) inserted after the MACs.
  std::vector<uint8_t> f = hex(kSynFrame);
  const std::vector<uint8_t> tag = hex("81 00 20 64");
  f.insert(f.begin() + 12, tag.begin(), tag.end());
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  ASSERT_TRUE(r->eth->vlan_tci);
  EXPECT_EQ(*r->eth->vlan_tci, 0x2064);
  EXPECT_EQ(r->eth->ether_type, ether_type::kIpv4);
  ASSERT_TRUE(r->tcp());
  EXPECT_EQ(r->tcp()->dst_port, 80);
  EXPECT_TRUE(r->ip_checksum_ok);
  EXPECT_TRUE(r->l4_checksum_ok);

  // A cut inside the tag.
  for (size_t n = 14; n < 18; ++n) {
    expect_error(std::vector<uint8_t>(f.begin(), f.begin() + static_cast<long>(n)),
                 ParseErrorKind::kTruncated, 14, "vlan cut at " + std::to_string(n));
  }
  // Tagged frame with nothing after the tag and an IPv4 ethertype: no IP header.
  expect_error(std::vector<uint8_t>(f.begin(), f.begin() + 18), ParseErrorKind::kTruncated, 18);
}

TEST(ParseEthernet, VlanNonIp) {
  const std::vector<uint8_t> f = hex("00 00 00 00 00 02 00 00 00 00 00 01 81 00 00 05 08 06 aa bb");
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_EQ(r->eth->vlan_tci, std::optional<uint16_t>(5));
  EXPECT_EQ(r->eth->ether_type, ether_type::kArp);
  EXPECT_FALSE(r->ip);
  EXPECT_EQ(r->payload, hex("aa bb"));
}

// ---------------------------------------------------------------- IPv4

TEST(ParseIpv4, OptionsUdpAndPaddingDropped) {
  auto r = parse_frame(hex(kIpv4OptionsUdpFrame));
  ASSERT_PARSES(r);
  EXPECT_EQ(r->eth->dst, mac("02:00:00:00:00:02"));
  EXPECT_EQ(r->eth->src, mac("02:00:00:00:00:01"));
  ASSERT_TRUE(r->ip);
  const IpHeader& ip = *r->ip;
  EXPECT_EQ(ip.family, IpFamily::kV4);
  EXPECT_EQ(ip.src, IpAddress::v4(192, 0, 2, 1));
  EXPECT_EQ(ip.dst, IpAddress::v4(198, 51, 100, 2));
  EXPECT_EQ(ip.protocol, ip_proto::kUdp);
  EXPECT_EQ(ip.tos, 0x10);
  EXPECT_EQ(ip.ttl, 64);
  EXPECT_EQ(ip.identification, 0x1234);
  EXPECT_TRUE(ip.dont_fragment);
  EXPECT_FALSE(ip.more_fragments);
  EXPECT_EQ(ip.fragment_offset, 0);
  EXPECT_FALSE(ip.is_fragment());
  EXPECT_EQ(ip.options, hex("94 04 00 00"));
  EXPECT_EQ(ip.checksum, std::optional<uint16_t>(0xa749));
  EXPECT_TRUE(ip.extension_headers.empty());
  EXPECT_FALSE(ip.fragment);
  ASSERT_TRUE(r->udp());
  EXPECT_EQ(r->udp()->src_port, 5000);
  EXPECT_EQ(r->udp()->dst_port, 53);
  EXPECT_EQ(r->udp()->checksum, std::optional<uint16_t>(0x3b1b));
  // The 10 padding bytes after the IP total length are not payload.
  EXPECT_EQ(r->payload, hex("61 62 63 64"));
  EXPECT_TRUE(r->ip_checksum_ok);
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_FALSE(r->l4_truncated);
}

TEST(ParseIpv4, KnownSyn) {
  auto r = parse_frame(hex(kSynFrame));
  ASSERT_PARSES(r);
  ASSERT_TRUE(r->tcp());
  const TcpHeader& t = *r->tcp();
  EXPECT_EQ(t.src_port, 12345);
  EXPECT_EQ(t.dst_port, 80);
  EXPECT_EQ(t.seq, 1000u);
  EXPECT_EQ(t.ack, 0u);
  EXPECT_EQ(t.flags, tcp_flag::kSyn);
  EXPECT_TRUE(t.has(tcp_flag::kSyn));
  EXPECT_FALSE(t.has(tcp_flag::kAck));
  EXPECT_EQ(t.window, 65535);
  EXPECT_EQ(t.urgent, 0);
  EXPECT_EQ(t.checksum, std::optional<uint16_t>(0x4fb3));
  ASSERT_EQ(t.options.size(), 1u);
  EXPECT_EQ(t.options[0], TcpOption::mss(1460));
  EXPECT_EQ(t.mss(), std::optional<uint16_t>(1460));
  EXPECT_TRUE(r->payload.empty());
  EXPECT_TRUE(r->ip_checksum_ok);
  EXPECT_TRUE(r->l4_checksum_ok);
}

TEST(ParseIpv4, FirstFragment) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2))
      .ipv4_fragment(0, true, 77)
      .tcp(1000, 2000, tcp_flag::kAck, 5, 6)
      .payload_size(48)
      .l4_checksum(0xdead);  // wrong, but a first fragment's L4 checksum is not checked
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->ip->more_fragments);
  EXPECT_EQ(r->ip->fragment_offset, 0);
  EXPECT_EQ(r->ip->identification, 77);
  EXPECT_TRUE(r->ip->is_fragment());
  EXPECT_FALSE(r->ip->is_later_fragment());
  ASSERT_TRUE(r->tcp());
  EXPECT_EQ(r->tcp()->src_port, 1000);
  EXPECT_EQ(r->payload.size(), 48u);
  EXPECT_TRUE(r->l4_checksum_ok);
}

// A real first fragment of a UDP datagram: the UDP length field describes the
// whole datagram, which is longer than the fragment.
TEST(ParseIpv4, FirstFragmentOfLongUdpDatagram) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).udp(4000, 53).payload_size(200);
  std::vector<uint8_t> f = b.frame();
  ASSERT_EQ(test::get16(f, 14 + 20 + 4), 208);  // UDP length: the whole datagram
  f.resize(14 + 20 + 8 + 64);                   // keep 64 bytes of data in this fragment
  f[14 + 6] |= 0x20;                            // MF
  fix_ip_length(f, 14);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->ip->more_fragments);
  ASSERT_TRUE(r->udp());
  EXPECT_EQ(r->udp()->src_port, 4000);
  EXPECT_EQ(r->payload.size(), 64u);
  EXPECT_TRUE(r->l4_checksum_ok);
  // A UDP length below the bytes present is still inconsistent.
  set16(f, 14 + 20 + 4, 8 + 63);
  expect_error(f, ParseErrorKind::kBadTotalLength, 14 + 20 + 4);
}

TEST(ParseIpv4, LaterFragmentHasNoL4Header) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).ipv4_fragment(185, false, 77);
  Packet p = b.packet();
  p.ip->protocol = ip_proto::kTcp;
  // Bytes that would look like a TCP header if parsed as one.
  p.payload = hex("30 39 00 50 00 00 03 e8 00 00 00 00 10 10 ff ff 00 00 00 00 de ad");
  auto r = parse_frame(serialize_frame(p));
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->protocol, ip_proto::kTcp);
  EXPECT_EQ(r->ip->fragment_offset, 185);
  EXPECT_FALSE(r->ip->more_fragments);
  EXPECT_TRUE(r->ip->is_fragment());
  EXPECT_TRUE(r->ip->is_later_fragment());
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, p.payload);
  // Also with MF set (a middle fragment).
  p.ip->more_fragments = true;
  auto m = parse_frame(serialize_frame(p));
  ASSERT_PARSES(m);
  EXPECT_TRUE(m->ip->is_later_fragment());
  EXPECT_EQ(m->payload, p.payload);
}

TEST(ParseIpv4, OtherProtocolIsPayload) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).payload(hex("01 02 03"));
  Packet p = b.packet();
  p.ip->protocol = 47;  // GRE
  auto r = parse_frame(serialize_frame(p));
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->protocol, 47);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, hex("01 02 03"));
  // ICMPv6's number inside IPv4 is not parsed as ICMP either.
  p.ip->protocol = ip_proto::kIcmpv6;
  auto r6 = parse_frame(serialize_frame(p));
  ASSERT_PARSES(r6);
  EXPECT_FALSE(r6->icmp());
}

// ---------------------------------------------------------------- IPv6

const IpAddress kSrc6 = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
const IpAddress kDst6 = IpAddress::v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});

// Ethernet + IPv6 header with payload length filled in from `rest`.
std::vector<uint8_t> ipv6_frame(uint8_t next, const std::vector<uint8_t>& rest, uint8_t tclass = 0,
                                uint32_t flow = 0) {
  Wire w;
  w.bytes(hex("00 00 00 00 00 02 00 00 00 00 00 01 86 dd"));
  w.u32((6u << 28) | (uint32_t{tclass} << 20) | flow).u16(static_cast<uint16_t>(rest.size()));
  w.u8(next).u8(64).addr(kSrc6).addr(kDst6).bytes(rest);
  return w.b;
}

// An ICMPv6 echo request with its checksum computed over the pseudo-header.
std::vector<uint8_t> icmpv6_echo(uint16_t id, uint16_t seq, const std::vector<uint8_t>& data) {
  Wire w;
  w.u8(128).u8(0).u16(0).u16(id).u16(seq).bytes(data);
  const uint32_t pseudo = pseudo_header_sum(kSrc6, kDst6, ip_proto::kIcmpv6,
                                            static_cast<uint32_t>(w.size()));
  set16(w.b, 2, checksum_finish(checksum_add(pseudo, w.b)));
  return w.b;
}

TEST(ParseIpv6, PlainHeaderFields) {
  const std::vector<uint8_t> f = ipv6_frame(ip_proto::kIcmpv6, icmpv6_echo(7, 9, hex("aa bb cc")),
                                            0xb8, 0x12345);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  const IpHeader& ip = *r->ip;
  EXPECT_EQ(ip.family, IpFamily::kV6);
  EXPECT_EQ(ip.src, kSrc6);
  EXPECT_EQ(ip.dst, kDst6);
  EXPECT_EQ(ip.tos, 0xb8);
  EXPECT_EQ(ip.flow_label, 0x12345u);
  EXPECT_EQ(ip.ttl, 64);
  EXPECT_EQ(ip.protocol, ip_proto::kIcmpv6);
  EXPECT_FALSE(ip.checksum);
  EXPECT_FALSE(ip.is_fragment());
  ASSERT_TRUE(r->icmp());
  EXPECT_EQ(r->icmp()->type, icmpv6_type::kEchoRequest);
  EXPECT_EQ(r->icmp()->identifier(), 7);
  EXPECT_EQ(r->icmp()->sequence(), 9);
  EXPECT_EQ(r->payload, hex("aa bb cc"));
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_FALSE(r->is_icmp_error());
}

TEST(ParseIpv6, HopByHopRoutingDestinationOptions) {
  const std::vector<uint8_t> hbh_body = hex("01 04 00 00 00 00");  // PadN
  std::vector<uint8_t> rt_body = hex("00 00 00 00 00 00");         // type 0, segments left 0
  rt_body.insert(rt_body.end(), kDst6.bytes.begin(), kDst6.bytes.end());
  const std::vector<uint8_t> dst_body = hex("01 04 00 00 00 00");
  Wire ext;
  ext.u8(ip_proto::kRouting).u8(0).bytes(hbh_body);
  ext.u8(ip_proto::kDestinationOptions).u8(2).bytes(rt_body);
  ext.u8(ip_proto::kIcmpv6).u8(0).bytes(dst_body);
  ext.bytes(icmpv6_echo(0x1234, 1, hex("01 02 03 04")));
  auto r = parse_frame(ipv6_frame(ip_proto::kHopByHop, ext.b));
  ASSERT_PARSES(r);
  const IpHeader& ip = *r->ip;
  ASSERT_EQ(ip.extension_headers.size(), 3u);
  EXPECT_EQ(ip.extension_headers[0], (Ipv6ExtensionHeader{ip_proto::kHopByHop, hbh_body}));
  EXPECT_EQ(ip.extension_headers[1], (Ipv6ExtensionHeader{ip_proto::kRouting, rt_body}));
  EXPECT_EQ(ip.extension_headers[2], (Ipv6ExtensionHeader{ip_proto::kDestinationOptions, dst_body}));
  EXPECT_FALSE(ip.fragment);
  EXPECT_EQ(ip.protocol, ip_proto::kIcmpv6);
  ASSERT_TRUE(r->icmp());
  EXPECT_EQ(r->icmp()->identifier(), 0x1234);
  EXPECT_EQ(r->payload, hex("01 02 03 04"));
  EXPECT_TRUE(r->l4_checksum_ok);
}

TEST(ParseIpv6, FragmentHeaderFirstFragment) {
  // HBH, then Fragment (offset 0, M=1, id 0xabcdef01), then the start of a
  // 100-byte UDP datagram (its length field says 100, 24 bytes are here).
  Wire ext;
  ext.u8(ip_proto::kFragment).u8(0).bytes(hex("01 04 00 00 00 00"));
  ext.u8(ip_proto::kUdp).u8(0).u16(0x0001).u32(0xabcdef01);
  ext.u16(5353).u16(5353).u16(100).u16(0x1111);
  for (int i = 0; i < 16; ++i) ext.u8(static_cast<uint8_t>(i));
  auto r = parse_frame(ipv6_frame(ip_proto::kHopByHop, ext.b));
  ASSERT_PARSES(r);
  const IpHeader& ip = *r->ip;
  ASSERT_EQ(ip.extension_headers.size(), 1u);
  ASSERT_TRUE(ip.fragment);
  EXPECT_EQ(*ip.fragment, (Ipv6FragmentHeader{0, true, 0xabcdef01}));
  EXPECT_TRUE(ip.is_fragment());
  EXPECT_FALSE(ip.is_later_fragment());
  EXPECT_EQ(ip.protocol, ip_proto::kUdp);
  ASSERT_TRUE(r->udp());
  EXPECT_EQ(r->udp()->src_port, 5353);
  EXPECT_EQ(r->payload.size(), 16u);
  EXPECT_TRUE(r->l4_checksum_ok);  // not verifiable in a fragment
}

TEST(ParseIpv6, LaterFragment) {
  Wire ext;
  ext.u8(ip_proto::kTcp).u8(0).u16(static_cast<uint16_t>(100 << 3)).u32(42);
  ext.bytes(hex("de ad be ef"));
  auto r = parse_frame(ipv6_frame(ip_proto::kFragment, ext.b));
  ASSERT_PARSES(r);
  ASSERT_TRUE(r->ip->fragment);
  EXPECT_EQ(*r->ip->fragment, (Ipv6FragmentHeader{100, false, 42}));
  EXPECT_TRUE(r->ip->is_later_fragment());
  EXPECT_EQ(r->ip->protocol, ip_proto::kTcp);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, hex("de ad be ef"));
}

// A later fragment whose fragmentable part starts with a destination-options
// header (allowed after the Fragment header, RFC 8200 4.1): the bytes after the
// fragment header are data, not an extension header to walk.
TEST(ParseIpv6, LaterFragmentNamingAnExtensionHeader) {
  Wire ext;
  ext.u8(ip_proto::kDestinationOptions).u8(0).u16(static_cast<uint16_t>(3 << 3)).u32(42);
  ext.bytes(hex("2c ff 00 00 00 00 00 00 00 01"));  // would be a bogus header chain
  auto r = parse_frame(ipv6_frame(ip_proto::kFragment, ext.b));
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->ip->is_later_fragment());
  EXPECT_TRUE(r->ip->extension_headers.empty());
  EXPECT_EQ(r->ip->protocol, ip_proto::kDestinationOptions);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, hex("2c ff 00 00 00 00 00 00 00 01"));
  // The same with a preceding hop-by-hop header.
  Wire ext2;
  ext2.u8(ip_proto::kFragment).u8(0).bytes(hex("01 04 00 00 00 00"));
  ext2.bytes(ext.b);
  auto r2 = parse_frame(ipv6_frame(ip_proto::kHopByHop, ext2.b));
  ASSERT_PARSES(r2);
  EXPECT_EQ(r2->ip->extension_headers.size(), 1u);
  EXPECT_EQ(r2->payload, hex("2c ff 00 00 00 00 00 00 00 01"));
}

TEST(ParseIpv6, NoNextHeader) {
  auto r = parse_frame(ipv6_frame(ip_proto::kNoNext, hex("11 22")));
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->protocol, ip_proto::kNoNext);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, hex("11 22"));
}

// `count` destination-options headers then an ICMPv6 echo.
std::vector<uint8_t> dest_opts_chain(size_t count, uint8_t first = ip_proto::kDestinationOptions) {
  Wire ext;
  for (size_t i = 0; i < count; ++i) {
    ext.u8(i + 1 < count ? ip_proto::kDestinationOptions : ip_proto::kIcmpv6).u8(0);
    ext.bytes(hex("01 04 00 00 00 00"));
  }
  ext.bytes(icmpv6_echo(1, 1, {}));
  return ipv6_frame(first, ext.b);
}

TEST(ParseIpv6, ExtensionHeaderLimit) {
  auto eight = parse_frame(dest_opts_chain(8));
  ASSERT_PARSES(eight);
  EXPECT_EQ(eight->ip->extension_headers.size(), 8u);
  EXPECT_TRUE(eight->icmp());
  expect_error(dest_opts_chain(9), ParseErrorKind::kBadExtensionChain, 14 + 40 + 8 * 8);
  expect_error(dest_opts_chain(30), ParseErrorKind::kBadExtensionChain);
}

TEST(ParseIpv6, HopByHopMustBeFirst) {
  Wire ext;
  ext.u8(ip_proto::kHopByHop).u8(0).bytes(hex("01 04 00 00 00 00"));
  ext.u8(ip_proto::kIcmpv6).u8(0).bytes(hex("01 04 00 00 00 00"));
  ext.bytes(icmpv6_echo(1, 1, {}));
  expect_error(ipv6_frame(ip_proto::kDestinationOptions, ext.b), ParseErrorKind::kBadExtensionChain,
               14 + 48);
}

TEST(ParseIpv6, ExtensionHeaderRunningPastPayload) {
  // Hdr Ext Len 5 claims 48 bytes; 8 + ICMP are present.
  Wire ext;
  ext.u8(ip_proto::kIcmpv6).u8(5).bytes(hex("01 04 00 00 00 00"));
  ext.bytes(icmpv6_echo(1, 1, {}));
  expect_error(ipv6_frame(ip_proto::kDestinationOptions, ext.b), ParseErrorKind::kTruncated, 54);
  // Fewer than 8 bytes left for the next extension header.
  expect_error(ipv6_frame(ip_proto::kDestinationOptions, hex("3a 00 01 02")),
               ParseErrorKind::kTruncated, 54);
  expect_error(ipv6_frame(ip_proto::kFragment, hex("06 00 00 00")), ParseErrorKind::kTruncated, 54);
}

TEST(ParseIpv6, ExtensionHeaderAfterFragmentUnsupported) {
  Wire ext;
  ext.u8(ip_proto::kDestinationOptions).u8(0).u16(1).u32(9);
  ext.u8(ip_proto::kIcmpv6).u8(0).bytes(hex("01 04 00 00 00 00"));
  ext.bytes(icmpv6_echo(1, 1, {}));
  expect_error(ipv6_frame(ip_proto::kFragment, ext.b), ParseErrorKind::kUnsupported, 62);
}

TEST(ParseIpv6, JumbogramUnsupported) {
  std::vector<uint8_t> f = ipv6_frame(ip_proto::kHopByHop, hex("3b 00 c2 04 00 01 00 00"));
  set16(f, 14 + 4, 0);
  expect_error(f, ParseErrorKind::kUnsupported, 18);
}

TEST(ParseIpv6, PayloadLengthLargerThanFrame) {
  std::vector<uint8_t> f = ipv6_frame(ip_proto::kIcmpv6, icmpv6_echo(1, 1, {}));
  set16(f, 14 + 4, 9);
  expect_error(f, ParseErrorKind::kBadTotalLength, 18);
  // Shorter than the frame: the rest is padding, dropped.
  std::vector<uint8_t> padded = ipv6_frame(ip_proto::kIcmpv6, icmpv6_echo(1, 1, {}));
  padded.push_back(0);
  padded.push_back(0);
  auto r = parse_frame(padded);
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->payload.empty());
  EXPECT_TRUE(r->l4_checksum_ok);
}

// ---------------------------------------------------------------- TCP

TEST(ParseTcp, AllOptions) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2))
      .tcp(40000, 443, tcp_flag::kAck | tcp_flag::kPsh, 0x11223344, 0x55667788, 1024)
      .tcp_option(TcpOption::mss(1400))
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::window_scale(7))
      .tcp_option(TcpOption::sack_permitted())
      .tcp_option(TcpOption::timestamps(0xaabbccdd, 0x01020304))
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::sack({{100, 200}, {300, 400}}))
      .payload(hex("de ad"));
  const std::vector<uint8_t> f = b.frame();
  // 4 + 1 + 3 + 2 + 10 + 2 + 18 = 40 option bytes: data offset 15.
  const size_t tcp_at = 14 + 20;
  EXPECT_EQ(f[tcp_at + 12] >> 4, 15);
  const std::vector<uint8_t> wire_options(f.begin() + tcp_at + 20, f.begin() + tcp_at + 60);
  EXPECT_EQ(wire_options, hex("02 04 05 78 01 03 03 07 04 02 08 0a aa bb cc dd 01 02 03 04 01 01"
                              "05 12 00 00 00 64 00 00 00 c8 00 00 01 2c 00 00 01 90"));
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  ASSERT_TRUE(r->tcp());
  const TcpHeader& t = *r->tcp();
  EXPECT_EQ(t.seq, 0x11223344u);
  EXPECT_EQ(t.ack, 0x55667788u);
  EXPECT_EQ(t.window, 1024);
  EXPECT_EQ(t.flags, tcp_flag::kAck | tcp_flag::kPsh);
  EXPECT_EQ(t.options, b.packet().tcp()->options);
  EXPECT_EQ(t.mss(), std::optional<uint16_t>(1400));
  EXPECT_EQ(t.window_scale(), std::optional<uint8_t>(7));
  EXPECT_TRUE(t.sack_permitted());
  EXPECT_EQ(t.timestamps(), (std::optional<std::pair<uint32_t, uint32_t>>({0xaabbccdd, 0x01020304})));
  EXPECT_EQ(t.sack_blocks(), (std::vector<std::pair<uint32_t, uint32_t>>{{100, 200}, {300, 400}}));
  EXPECT_EQ(r->payload, hex("de ad"));
  EXPECT_TRUE(r->l4_checksum_ok);
}

TEST(ParseTcp, PaddingOptionsKeptAsEolNop) {
  // MSS then EOL + 3 bytes of zero padding: the padding parses as EOL options.
  std::vector<uint8_t> f = hex(kSynFrame);
  f[14 + 20 + 12] = 0x70;  // data offset 7
  const std::vector<uint8_t> more = hex("01 01 00 00");
  f.insert(f.end(), more.begin(), more.end());
  fix_ip_length(f, 14);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  const std::vector<TcpOption> expected = {TcpOption::mss(1460), TcpOption::nop(), TcpOption::nop(),
                                           TcpOption::end_of_list(), TcpOption::end_of_list()};
  EXPECT_EQ(r->tcp()->options, expected);
  EXPECT_FALSE(r->l4_checksum_ok);  // the TCP checksum was not fixed up
}

TEST(ParseTcp, DataOffsetBelowFive) {
  for (uint8_t doff : {0, 1, 4}) {
    std::vector<uint8_t> f = hex(kSynFrame);
    f[14 + 20 + 12] = static_cast<uint8_t>(doff << 4);
    expect_error(f, ParseErrorKind::kBadHeaderLength, 14 + 20 + 12, "doff " + std::to_string(doff));
  }
}

TEST(ParseTcp, DataOffsetPastSegment) {
  std::vector<uint8_t> f = hex(kSynFrame);
  f[14 + 20 + 12] = 0x70;  // 28 bytes of header, 24 present
  expect_error(f, ParseErrorKind::kTruncated, 14 + 20);
}

TEST(ParseTcp, OptionLengthRunsPastHeader) {
  struct Case {
    const char* options;  // the 4 option bytes after the 20-byte header
    size_t at;            // offset of the bad option within the options
  };
  const Case cases[] = {
      {"02 05 05 b4", 0},  // MSS claiming 5 bytes in a 4-byte option area
      {"02 00 05 b4", 0},  // length 0
      {"02 01 05 b4", 0},  // length 1 (would loop forever if accepted)
      {"01 01 01 02", 3},  // a kind with no room for its length byte
      {"01 08 0a 00", 1},  // timestamps claiming 10 bytes
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> f = hex(kSynFrame);
    const std::vector<uint8_t> o = hex(c.options);
    std::copy(o.begin(), o.end(), f.begin() + 14 + 20 + 20);
    expect_error(f, ParseErrorKind::kBadHeaderLength, static_cast<long>(14 + 20 + 20 + c.at),
                 c.options);
  }
}

// ---------------------------------------------------------------- UDP

TEST(ParseUdp, LengthMustMatch) {
  const std::vector<uint8_t> good = hex(kIpv4OptionsUdpFrame);
  for (uint16_t len : {0, 7, 8, 11, 13, 200}) {
    std::vector<uint8_t> f = good;
    set16(f, 14 + 24 + 4, len);
    expect_error(f, ParseErrorKind::kBadTotalLength, 14 + 24 + 4, "udp length " + std::to_string(len));
  }
}

TEST(ParseUdp, ZeroChecksumOverIpv4IsNone) {
  std::vector<uint8_t> f = hex(kIpv4OptionsUdpFrame);
  set16(f, 14 + 24 + 6, 0);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_EQ(r->udp()->checksum, std::optional<uint16_t>(0));
  EXPECT_TRUE(r->l4_checksum_ok);
}

TEST(ParseUdp, ZeroChecksumOverIpv6IsBad) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).udp(1, 2).payload_size(10).l4_checksum(0);
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_FALSE(r->l4_checksum_ok);
  // And the computed one is fine.
  PacketBuilder good;
  good.ip(kSrc6, kDst6).udp(1, 2).payload_size(10);
  auto g = parse_frame(good.frame());
  ASSERT_PARSES(g);
  EXPECT_TRUE(g->l4_checksum_ok);
}

// ---------------------------------------------------------------- ICMP

TEST(ParseIcmp, EchoV4) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).icmp_echo_request(0xbeef, 3).payload_size(56);
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->protocol, ip_proto::kIcmp);
  ASSERT_TRUE(r->icmp());
  EXPECT_EQ(r->icmp()->type, icmp_type::kEchoRequest);
  EXPECT_EQ(r->icmp()->code, 0);
  EXPECT_EQ(r->icmp()->identifier(), 0xbeef);
  EXPECT_EQ(r->icmp()->sequence(), 3);
  EXPECT_EQ(r->icmp()->rest, 0xbeef0003u);
  EXPECT_EQ(r->payload.size(), 56u);
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_FALSE(r->is_icmp_error());
  // ICMPv4 has no pseudo-header: the checksum covers the ICMP bytes only.
  const std::vector<uint8_t> f = b.frame();
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(f).subspan(34)), 0);

  PacketBuilder reply;
  reply.ip(IpAddress::v4(10, 0, 0, 2), IpAddress::v4(10, 0, 0, 1)).icmp_echo_reply(0xbeef, 3);
  auto rr = parse_frame(reply.frame());
  ASSERT_PARSES(rr);
  EXPECT_EQ(rr->icmp()->type, icmp_type::kEchoReply);
}

TEST(ParseIcmp, EchoV6UsesPseudoHeader) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).icmp_echo_request(0x4242, 17).payload_size(8);
  const std::vector<uint8_t> f = b.frame();
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->protocol, ip_proto::kIcmpv6);
  ASSERT_TRUE(r->icmp());
  EXPECT_EQ(r->icmp()->type, icmpv6_type::kEchoRequest);
  EXPECT_EQ(r->icmp()->identifier(), 0x4242);
  EXPECT_EQ(r->icmp()->sequence(), 17);
  EXPECT_TRUE(r->l4_checksum_ok);
  const std::span<const uint8_t> icmp = std::span<const uint8_t>(f).subspan(54);
  EXPECT_EQ(checksum_finish(checksum_add(
                pseudo_header_sum(kSrc6, kDst6, ip_proto::kIcmpv6, static_cast<uint32_t>(icmp.size())),
                icmp)),
            0);
  EXPECT_NE(internet_checksum(icmp), 0);  // without the pseudo-header it would not verify

  PacketBuilder reply;
  reply.ip(kDst6, kSrc6).icmp_echo_reply(0x4242, 17);
  auto rr = parse_frame(reply.frame());
  ASSERT_PARSES(rr);
  EXPECT_EQ(rr->icmp()->type, icmpv6_type::kEchoReply);
}

TEST(ParseIcmp, TruncatedHeader) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).icmp_echo_request(1, 1);
  std::vector<uint8_t> f = b.frame();
  f.resize(f.size() - 1);
  fix_ip_length(f, 14);
  expect_error(f, ParseErrorKind::kTruncated, 34);
}

Packet syn_packet() {
  PacketBuilder b;
  b.ip(IpAddress::v4(192, 168, 1, 10), IpAddress::v4(8, 8, 8, 8))
      .tcp(40000, 443, tcp_flag::kSyn, 0x01020304)
      .tcp_option(TcpOption::mss(1460))
      .tcp_option(TcpOption::sack_permitted())
      .tcp_option(TcpOption::timestamps(1, 0))
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::window_scale(7));
  return b.packet();
}

TEST(ParseIcmpError, V4DestUnreachableQuotingTcp) {
  const Packet original = syn_packet();
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 9, 9, 9), IpAddress::v4(192, 168, 1, 10))
      .icmp_error(icmp_type::kDestUnreachable, 3, original);
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->is_icmp_error());
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_EQ(r->icmp()->type, icmp_type::kDestUnreachable);
  EXPECT_EQ(r->icmp()->code, 3);
  ASSERT_EQ(r->payload.size(), 28u);  // IP header + 8 bytes of TCP

  auto q = parse_quoted_packet(*r);
  ASSERT_PARSES(q);
  EXPECT_FALSE(q->eth);
  ASSERT_TRUE(q->ip);
  EXPECT_EQ(q->ip->src, IpAddress::v4(192, 168, 1, 10));
  EXPECT_EQ(q->ip->dst, IpAddress::v4(8, 8, 8, 8));
  EXPECT_EQ(q->ip->protocol, ip_proto::kTcp);
  EXPECT_TRUE(q->ip_checksum_ok);
  ASSERT_TRUE(q->tcp());
  EXPECT_EQ(q->tcp()->src_port, 40000);
  EXPECT_EQ(q->tcp()->dst_port, 443);
  EXPECT_EQ(q->tcp()->seq, 0x01020304u);
  EXPECT_TRUE(q->l4_truncated);
  EXPECT_TRUE(q->tcp()->options.empty());
}

TEST(ParseIcmpError, V4QuotingWholeTcpHeader) {
  const Packet original = syn_packet();
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 9, 9, 9), IpAddress::v4(192, 168, 1, 10))
      .icmp_error(icmp_type::kTimeExceeded, 0, original, 1000);
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  auto q = parse_quoted_packet(*r);
  ASSERT_PARSES(q);
  EXPECT_FALSE(q->l4_truncated);
  ASSERT_TRUE(q->tcp());
  EXPECT_EQ(q->tcp()->options, original.tcp()->options);
  EXPECT_EQ(q->tcp()->window_scale(), std::optional<uint8_t>(7));
}

TEST(ParseIcmpError, V4QuotingUdpAndIcmp) {
  PacketBuilder udp;
  udp.ip(IpAddress::v4(192, 168, 1, 10), IpAddress::v4(8, 8, 4, 4)).udp(5353, 53).payload_size(30);
  PacketBuilder b;
  b.ip(IpAddress::v4(8, 8, 4, 4), IpAddress::v4(192, 168, 1, 10))
      .icmp_error(icmp_type::kDestUnreachable, 3, udp.packet());
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  auto q = parse_quoted_packet(*r);
  ASSERT_PARSES(q);
  ASSERT_TRUE(q->udp());
  EXPECT_EQ(q->udp()->src_port, 5353);
  EXPECT_EQ(q->udp()->dst_port, 53);
  EXPECT_TRUE(q->l4_truncated);  // UDP length 38, 8 bytes quoted

  PacketBuilder echo;
  echo.ip(IpAddress::v4(192, 168, 1, 10), IpAddress::v4(1, 1, 1, 1)).icmp_echo_request(99, 5).payload_size(20);
  PacketBuilder te;
  te.ip(IpAddress::v4(10, 0, 0, 254), IpAddress::v4(192, 168, 1, 10))
      .icmp_error(icmp_type::kTimeExceeded, 0, echo.packet());
  auto r2 = parse_frame(te.frame());
  ASSERT_PARSES(r2);
  auto q2 = parse_quoted_packet(*r2);
  ASSERT_PARSES(q2);
  ASSERT_TRUE(q2->icmp());
  EXPECT_EQ(q2->icmp()->identifier(), 99);
  EXPECT_EQ(q2->icmp()->sequence(), 5);
}

TEST(ParseIcmpError, V6QuotingUdp) {
  PacketBuilder udp;
  udp.ip(kSrc6, kDst6).udp(1111, 2222).payload_size(100);
  PacketBuilder b;
  b.ip(kDst6, kSrc6).icmp_error(icmpv6_type::kDestUnreachable, 4, udp.packet());
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->is_icmp_error());
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_EQ(r->payload.size(), 48u);
  auto q = parse_quoted_packet(*r);
  ASSERT_PARSES(q);
  EXPECT_EQ(q->ip->family, IpFamily::kV6);
  EXPECT_EQ(q->ip->src, kSrc6);
  ASSERT_TRUE(q->udp());
  EXPECT_EQ(q->udp()->src_port, 1111);
  EXPECT_EQ(q->udp()->dst_port, 2222);
  EXPECT_TRUE(q->l4_truncated);
}

TEST(ParseIcmpError, V6PacketTooBigQuotingTcp) {
  PacketBuilder tcp;
  tcp.ip(kSrc6, kDst6).tcp(1, 2, tcp_flag::kAck, 77, 88).payload_size(1400);
  PacketBuilder b;
  b.ip(kDst6, kSrc6).icmp_error(icmpv6_type::kPacketTooBig, 0, tcp.packet());
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->is_icmp_error());
  auto q = parse_quoted_packet(*r);
  ASSERT_PARSES(q);
  ASSERT_TRUE(q->tcp());
  EXPECT_EQ(q->tcp()->seq, 77u);
  EXPECT_TRUE(q->l4_truncated);
}

TEST(ParseIcmpError, ShortQuotes) {
  const Packet original = syn_packet();
  // 4 bytes of TCP: the ports only.
  std::vector<uint8_t> quote = quote_for_icmp_error(original, 4);
  auto q = parse_ip_packet(quote, true);
  ASSERT_PARSES(q);
  ASSERT_TRUE(q->tcp());
  EXPECT_EQ(q->tcp()->dst_port, 443);
  EXPECT_EQ(q->tcp()->seq, 0u);
  EXPECT_TRUE(q->l4_truncated);
  // 2 bytes: not even the ports.
  auto q2 = parse_ip_packet(quote_for_icmp_error(original, 2), true);
  ASSERT_FALSE(q2.ok());
  EXPECT_EQ(q2.error().kind, ParseErrorKind::kTruncated);
  // Without allow_truncated_l4 the 8-byte quote is an error.
  auto strict = parse_ip_packet(quote_for_icmp_error(original), false);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().kind, ParseErrorKind::kBadTotalLength);
}

TEST(ParseIcmpError, NotAnError) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2)).icmp_echo_request(1, 1).payload_size(28);
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r);
  auto q = parse_quoted_packet(*r);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().kind, ParseErrorKind::kUnsupported);
  Packet tcp = syn_packet();
  auto q2 = parse_quoted_packet(tcp);
  ASSERT_FALSE(q2.ok());
  EXPECT_EQ(q2.error().kind, ParseErrorKind::kUnsupported);
}

TEST(ParseIcmpError, EveryErrorType) {
  const Packet original = syn_packet();
  for (uint8_t type : {icmp_type::kDestUnreachable, icmp_type::kSourceQuench, icmp_type::kRedirect,
                       icmp_type::kTimeExceeded, icmp_type::kParameterProblem}) {
    PacketBuilder b;
    b.ip(IpAddress::v4(10, 9, 9, 9), IpAddress::v4(192, 168, 1, 10)).icmp_error(type, 0, original);
    auto r = parse_frame(b.frame());
    ASSERT_PARSES(r);
    EXPECT_TRUE(r->is_icmp_error()) << int{type};
    auto q = parse_quoted_packet(*r);
    ASSERT_PARSES(q);
    EXPECT_EQ(q->tcp()->src_port, 40000);
  }
  for (uint8_t type : {icmp_type::kEchoReply, icmp_type::kEchoRequest, icmp_type::kTimestamp,
                       icmp_type::kTimestampReply}) {
    PacketBuilder b;
    b.ip(IpAddress::v4(10, 9, 9, 9), IpAddress::v4(192, 168, 1, 10)).icmp(type, 0, 0);
    EXPECT_FALSE(b.packet().is_icmp_error()) << int{type};
  }
}

// ---------------------------------------------------------------- checksums

TEST(ParseChecksums, BadIpChecksumFlagged) {
  std::vector<uint8_t> f = hex(kSynFrame);
  f[14 + 10] ^= 0x01;
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_FALSE(r->ip_checksum_ok);
  EXPECT_TRUE(r->l4_checksum_ok);
  EXPECT_EQ(r->ip->checksum, std::optional<uint16_t>(0x67ca));
}

TEST(ParseChecksums, BadL4ChecksumFlagged) {
  struct Case {
    std::string name;
    PacketBuilder builder;
  };
  std::vector<Case> cases;
  for (const IpAddress& src : {IpAddress::v4(10, 0, 0, 1), kSrc6}) {
    const IpAddress dst = src.is_v4() ? IpAddress::v4(10, 0, 0, 2) : kDst6;
    const std::string fam = src.is_v4() ? "v4 " : "v6 ";
    PacketBuilder tcp;
    tcp.ip(src, dst).tcp(1, 2, tcp_flag::kSyn).payload_size(3);
    cases.push_back({fam + "tcp", tcp});
    PacketBuilder udp;
    udp.ip(src, dst).udp(1, 2).payload_size(5);
    cases.push_back({fam + "udp", udp});
    PacketBuilder icmp;
    icmp.ip(src, dst).icmp_echo_request(1, 2).payload_size(7);
    cases.push_back({fam + "icmp", icmp});
  }
  for (Case& c : cases) {
    auto good = parse_frame(c.builder.frame());
    ASSERT_PARSES(good);
    EXPECT_TRUE(good->l4_checksum_ok) << c.name;
    EXPECT_TRUE(good->ip_checksum_ok) << c.name;

    // Flip a payload byte: the stored checksum no longer matches.
    std::vector<uint8_t> f = c.builder.frame();
    f.back() ^= 0x40;
    auto flipped = parse_frame(f);
    ASSERT_PARSES(flipped);
    EXPECT_FALSE(flipped->l4_checksum_ok) << c.name;
    EXPECT_TRUE(flipped->ip_checksum_ok) << c.name;

    // A forced wrong value.
    const Packet& p = c.builder.packet();
    const std::optional<uint16_t> right = good->tcp()   ? good->tcp()->checksum
                                          : good->udp() ? good->udp()->checksum
                                                        : good->icmp()->checksum;
    ASSERT_TRUE(right);
    c.builder.l4_checksum(static_cast<uint16_t>(*right ^ 0x0100));
    auto bad = parse_frame(c.builder.frame());
    ASSERT_PARSES(bad);
    EXPECT_FALSE(bad->l4_checksum_ok) << c.name;
    EXPECT_TRUE(p.ip != std::nullopt);
  }
}

// ---------------------------------------------------------------- malformed IP

TEST(ParseMalformed, Ipv4HeaderLengthBelowFive) {
  for (uint8_t ihl : {0, 1, 4}) {
    std::vector<uint8_t> f = hex(kSynFrame);
    f[14] = static_cast<uint8_t>(0x40 | ihl);
    expect_error(f, ParseErrorKind::kBadHeaderLength, 14, "ihl " + std::to_string(ihl));
  }
}

TEST(ParseMalformed, Ipv4HeaderLengthPastFrame) {
  std::vector<uint8_t> f = hex(kSynFrame);
  f[14] = 0x4f;  // 60-byte header, 44 bytes of IP present
  expect_error(f, ParseErrorKind::kTruncated, 14);
}

TEST(ParseMalformed, Ipv4TotalLength) {
  std::vector<uint8_t> f = hex(kSynFrame);
  set16(f, 14 + 2, 45);  // one more byte than the frame has
  fix_ipv4_checksum(f, 14);
  expect_error(f, ParseErrorKind::kBadTotalLength, 16);
  set16(f, 14 + 2, 19);  // shorter than the header
  fix_ipv4_checksum(f, 14);
  expect_error(f, ParseErrorKind::kBadTotalLength, 16);
  set16(f, 14 + 2, 0);
  fix_ipv4_checksum(f, 14);
  expect_error(f, ParseErrorKind::kBadTotalLength, 16);
}

TEST(ParseMalformed, BadIpVersion) {
  std::vector<uint8_t> f = hex(kSynFrame);
  f[14] = 0x65;  // version 6 behind ethertype IPv4
  expect_error(f, ParseErrorKind::kBadVersion, 14);
  f[14] = 0x55;
  expect_error(f, ParseErrorKind::kBadVersion, 14);
  f[14] = 0x45;
  f[12] = 0x86;  // ethertype IPv6, version 4
  f[13] = 0xdd;
  expect_error(f, ParseErrorKind::kBadVersion, 14);

  for (uint8_t first : {0x00, 0x15, 0x75, 0xf5}) {
    const std::vector<uint8_t> bytes = {first, 0, 0, 20};
    auto r = parse_ip_packet(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ParseErrorKind::kBadVersion);
  }
  auto empty = parse_ip_packet({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ParseErrorKind::kTruncated);
}

// Cuts `full` at every length inside its headers, with the IP length field
// fixed up once the IP header is complete (so the error is the header cut,
// not a length mismatch), and expects kTruncated each time.
void expect_truncated_at_every_cut(const std::vector<uint8_t>& full, size_t ip_at, size_t ip_header_len,
                                   size_t headers_end, const std::string& name) {
  for (size_t n = 0; n < headers_end; ++n) {
    std::vector<uint8_t> f(full.begin(), full.begin() + static_cast<long>(n));
    if (n >= ip_at + ip_header_len) fix_ip_length(f, ip_at);
    // An IPv6 payload length of 0 with a hop-by-hop header next announces a
    // jumbogram (RFC 2675), which the model does not support.
    const bool jumbo = n == ip_at + 40 && (full[ip_at] >> 4) == 6 && full[ip_at + 6] == 0;
    expect_error(f, jumbo ? ParseErrorKind::kUnsupported : ParseErrorKind::kTruncated, -1,
                 name + " cut at " + std::to_string(n));
  }
  // The full headers with no payload parse.
  std::vector<uint8_t> f(full.begin(), full.begin() + static_cast<long>(headers_end));
  fix_ip_length(f, ip_at);
  auto r = parse_frame(f);
  EXPECT_TRUE(r.ok()) << name << ": " << describe(r);
}

TEST(ParseMalformed, TruncatedAtEveryHeaderBoundaryV4) {
  // Ethernet 14 + 802.1Q 4 + IPv4 24 (options) + TCP 32 (options) + payload.
  Packet p = syn_packet();
  p.eth->vlan_tci = 7;
  p.ip->options = hex("01 01 01 00");
  p.payload = hex("01 02 03 04 05");
  const std::vector<uint8_t> full = serialize_frame(p);
  ASSERT_TRUE(parse_frame(full).ok());
  expect_truncated_at_every_cut(full, 18, 24, 18 + 24 + 40, "vlan/ipv4/tcp");

  PacketBuilder udp;
  udp.ip(IpAddress::v4(1, 2, 3, 4), IpAddress::v4(5, 6, 7, 8)).udp(1, 2);
  expect_truncated_at_every_cut(udp.frame(), 14, 20, 14 + 20 + 8, "ipv4/udp");

  PacketBuilder icmp;
  icmp.ip(IpAddress::v4(1, 2, 3, 4), IpAddress::v4(5, 6, 7, 8)).icmp_echo_request(1, 2);
  expect_truncated_at_every_cut(icmp.frame(), 14, 20, 14 + 20 + 8, "ipv4/icmp");
}

TEST(ParseMalformed, TruncatedAtEveryHeaderBoundaryV6) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).tcp(1, 2, tcp_flag::kSyn).tcp_option(TcpOption::mss(1220)).payload_size(3);
  Packet p = b.packet();
  p.ip->extension_headers = {{ip_proto::kHopByHop, hex("01 04 00 00 00 00")},
                             {ip_proto::kDestinationOptions, hex("01 04 00 00 00 00")}};
  p.ip->fragment = Ipv6FragmentHeader{0, false, 5};  // an atomic fragment
  const std::vector<uint8_t> full = serialize_frame(p);
  ASSERT_TRUE(parse_frame(full).ok());
  expect_truncated_at_every_cut(full, 14, 40, 14 + 40 + 24 + 24, "ipv6/ext/tcp");

  PacketBuilder udp;
  udp.ip(kSrc6, kDst6).udp(1, 2);
  expect_truncated_at_every_cut(udp.frame(), 14, 40, 14 + 40 + 8, "ipv6/udp");
  PacketBuilder icmp;
  icmp.ip(kSrc6, kDst6).icmp_echo_request(1, 2);
  expect_truncated_at_every_cut(icmp.frame(), 14, 40, 14 + 40 + 8, "ipv6/icmp");
}

TEST(ParseMalformed, TruncatedPayloadIsALengthError) {
  // Cutting the payload while the IP length still counts it.
  PacketBuilder b;
  b.ip(IpAddress::v4(1, 2, 3, 4), IpAddress::v4(5, 6, 7, 8)).tcp(1, 2, 0).payload_size(10);
  std::vector<uint8_t> f = b.frame();
  f.pop_back();
  expect_error(f, ParseErrorKind::kBadTotalLength, 16);
  PacketBuilder b6;
  b6.ip(kSrc6, kDst6).tcp(1, 2, 0).payload_size(10);
  std::vector<uint8_t> f6 = b6.frame();
  f6.pop_back();
  expect_error(f6, ParseErrorKind::kBadTotalLength, 18);
}

// ---------------------------------------------------------------- robustness

std::vector<std::vector<uint8_t>> sample_frames() {
  std::vector<std::vector<uint8_t>> frames = {hex(kSynFrame), hex(kIpv4OptionsUdpFrame)};
  Packet syn = syn_packet();
  syn.eth->vlan_tci = 100;
  syn.ip->options = hex("07 07 04 00 00 00 00 00");  // record route
  frames.push_back(serialize_frame(syn));
  PacketBuilder err;
  err.ip(IpAddress::v4(10, 9, 9, 9), IpAddress::v4(192, 168, 1, 10))
      .icmp_error(icmp_type::kDestUnreachable, 1, syn_packet());
  frames.push_back(err.frame());
  PacketBuilder tcp6;
  tcp6.ip(kSrc6, kDst6)
      .tcp(1, 2, tcp_flag::kAck, 1, 2)
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::nop())
      .tcp_option(TcpOption::sack({{1, 2}, {3, 4}, {5, 6}}))
      .payload_size(20);
  Packet ext = tcp6.packet();
  ext.ip->extension_headers = {{ip_proto::kHopByHop, hex("01 04 00 00 00 00")},
                               {ip_proto::kRouting, std::vector<uint8_t>(22, 0)}};
  ext.ip->fragment = Ipv6FragmentHeader{0, true, 99};
  frames.push_back(serialize_frame(ext));
  PacketBuilder err6;
  err6.ip(kDst6, kSrc6).icmp_error(icmpv6_type::kTimeExceeded, 0, ext, 64);
  frames.push_back(err6.frame());
  PacketBuilder udp6;
  udp6.ip(kSrc6, kDst6).udp(53, 53).payload_size(13);
  frames.push_back(udp6.frame());
  frames.push_back(ipv6_frame(ip_proto::kHopByHop,
                              [] {
                                Wire w;
                                w.u8(ip_proto::kDestinationOptions).u8(0).bytes(hex("01 04 00 00 00 00"));
                                w.u8(ip_proto::kIcmpv6).u8(0).bytes(hex("01 04 00 00 00 00"));
                                w.bytes(icmpv6_echo(1, 2, hex("00 11 22")));
                                return w.b;
                              }()));
  return frames;
}

// Whatever parse_frame accepts, re-serializing and parsing again works too;
// whatever it rejects, it rejects with an error (no crash, no UB).
void parse_and_poke(const std::vector<uint8_t>& f) {
  auto r = parse_frame(f);
  if (!r.ok()) {
    std::ostringstream os;
    os << r.error();
    EXPECT_FALSE(os.str().empty());
    return;
  }
  std::ostringstream os;
  os << *r;
  if (r->is_icmp_error()) (void)parse_quoted_packet(*r);
  const std::vector<uint8_t> again = serialize_frame(*r);
  auto r2 = parse_frame(again);
  EXPECT_TRUE(r2.ok()) << describe(r2) << " re-parsing " << test::to_hex(again) << " from "
                       << test::to_hex(f);
}

TEST(ParseRobustness, EveryPrefixOfValidFrames) {
  for (const std::vector<uint8_t>& full : sample_frames()) {
    ASSERT_TRUE(parse_frame(full).ok()) << test::to_hex(full);
    for (size_t n = 0; n <= full.size(); ++n) {
      parse_and_poke(std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(n)));
      // Also as a bare IP packet, strict and as a quote.
      if (n >= 14) {
        const std::vector<uint8_t> ip(full.begin() + 14, full.begin() + static_cast<long>(n));
        (void)parse_ip_packet(ip, false);
        (void)parse_ip_packet(ip, true);
      }
    }
  }
}

TEST(ParseRobustness, RandomByteFlips) {
  std::mt19937 rng(12345);
  for (const std::vector<uint8_t>& full : sample_frames()) {
    for (int iter = 0; iter < 3000; ++iter) {
      std::vector<uint8_t> f = full;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) {
        const size_t at = rng() % f.size();
        if (rng() % 2) {
          f[at] = static_cast<uint8_t>(rng());
        } else {
          f[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
      }
      if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
      parse_and_poke(f);
      if (f.size() > 14) {
        const std::vector<uint8_t> ip(f.begin() + 14, f.end());
        (void)parse_ip_packet(ip, true);
      }
    }
  }
}

// Parsing into a Packet that holds an earlier parse (whose vectors' storage
// is reused) gives exactly what a fresh parse gives, error or packet.
void expect_reused_parse_matches_fresh(const std::vector<uint8_t>& f, Packet& reused) {
  const auto fresh = parse_frame(f);
  const std::optional<ParseError> error = parse_frame(f, reused);
  ASSERT_EQ(fresh.ok(), !error.has_value()) << test::to_hex(f);
  if (fresh.ok()) {
    EXPECT_EQ(reused, *fresh) << test::to_hex(f);
  } else {
    EXPECT_EQ(error->kind, fresh.error().kind) << test::to_hex(f);
    EXPECT_EQ(error->offset, fresh.error().offset) << test::to_hex(f);
    EXPECT_EQ(error->detail, fresh.error().detail) << test::to_hex(f);
  }
}

TEST(ParseIntoPacket, ReusedPacketEqualsFreshParse) {
  Packet reused;
  const std::vector<std::vector<uint8_t>> frames = sample_frames();
  // Every frame after every other, so that each kind of packet is parsed over
  // each kind of earlier one (TCP options, IPv4 options, IPv6 extension
  // headers, payloads of every length, errors).
  for (const std::vector<uint8_t>& before : frames) {
    for (const std::vector<uint8_t>& after : frames) {
      expect_reused_parse_matches_fresh(before, reused);
      expect_reused_parse_matches_fresh(after, reused);
    }
  }
  for (const std::vector<uint8_t>& full : frames) {
    for (size_t n = 0; n <= full.size(); ++n) {
      expect_reused_parse_matches_fresh(
          std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(n)), reused);
      expect_reused_parse_matches_fresh(full, reused);
    }
  }
}

TEST(ParseIntoPacket, ReusedPacketEqualsFreshParseAfterRandomByteFlips) {
  std::mt19937 rng(54321);
  Packet reused;
  for (int iter = 0; iter < 3000; ++iter) {
    for (const std::vector<uint8_t>& full : sample_frames()) {
      std::vector<uint8_t> f = full;
      f[rng() % f.size()] = static_cast<uint8_t>(rng());
      if (rng() % 4 == 0) f.resize(rng() % (f.size() + 1));
      expect_reused_parse_matches_fresh(f, reused);
      expect_reused_parse_matches_fresh(full, reused);
    }
  }
}

}  // namespace
}  // namespace ctc
