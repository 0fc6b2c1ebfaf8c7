// Tests for reference/packet/packet_builder.h: exact bytes for known packets,
// builder output parsing back to the model, forced checksums, ICMP quotes.
#include "reference/packet/packet_builder.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "reference/packet/checksum.h"
#include "reference/packet/packet_parser.h"
#include "tests/reference/packet/test_bytes.h"

namespace ctc {
namespace {

using test::describe;
using test::get16;
using test::hex;
using test::to_hex;

const IpAddress kA = IpAddress::v4(10, 0, 0, 1);
const IpAddress kB = IpAddress::v4(10, 0, 0, 2);
const IpAddress kSrc6 = IpAddress::v6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
const IpAddress kDst6 = IpAddress::v6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});

#define ASSERT_PARSES(result) ASSERT_TRUE((result).ok()) << describe(result)

// ---------------------------------------------------------------- known bytes
//
// Expected frames were computed independently with a short Python script
// (struct.pack + an RFC 1071 checksum), not with the code under test.

// 00:00:00:00:00:01 -> 00:00:00:00:00:02 (builder default MACs), IPv4
// 10.0.0.1 -> 10.0.0.2, TTL 64, id 0, no flags, TCP 12345 -> 80 SYN seq 1000
// ack 0 win 65535, one option MSS 1460 (data offset 6).
//   IP checksum:  ~(4500+002c+0000+0000+4006+0a00+0001+0a00+0002) = 0x66ca
//   TCP checksum: over pseudo-header (len 24) + segment = 0x4fb3
TEST(PacketBuilderBytes, SmallTcpSyn) {
  PacketBuilder b;
  b.ip(kA, kB).tcp(12345, 80, tcp_flag::kSyn, 1000, 0, 65535).tcp_option(TcpOption::mss(1460));
  const std::vector<uint8_t> expected = hex(
      "00 00 00 00 00 02 00 00 00 00 00 01 08 00"              // Ethernet
      "45 00 00 2c 00 00 00 00 40 06 66 ca 0a 00 00 01 0a 00 00 02"  // IPv4
      "30 39 00 50 00 00 03 e8 00 00 00 00 60 02 ff ff 4f b3 00 00"  // TCP
      "02 04 05 b4");                                          // MSS 1460
  EXPECT_EQ(to_hex(b.frame()), to_hex(expected));
  EXPECT_EQ(b.frame(), serialize_frame(b.packet()));
}

// 10.0.0.1:1234 -> 10.0.0.2:53, payload "hi".
//   IP checksum 0x66cd; UDP length 10, checksum 0x7e67 (see checksum_test.cpp
//   for the hand computation).
TEST(PacketBuilderBytes, SmallUdp) {
  PacketBuilder b;
  b.ip(kA, kB).udp(1234, 53).payload({'h', 'i'});
  const std::vector<uint8_t> expected = hex(
      "00 00 00 00 00 02 00 00 00 00 00 01 08 00"
      "45 00 00 1e 00 00 00 00 40 11 66 cd 0a 00 00 01 0a 00 00 02"
      "04 d2 00 35 00 0a 7e 67 68 69");
  EXPECT_EQ(to_hex(b.frame()), to_hex(expected));
  // serialize_ip is the same without the Ethernet header.
  EXPECT_EQ(serialize_ip(b.packet()), std::vector<uint8_t>(expected.begin() + 14, expected.end()));
}

// fd00::1:1000 -> fd00::2:2000, payload "x" (odd length), hop limit 64.
//   UDP checksum over the RFC 8200 pseudo-header: 0x821f.
TEST(PacketBuilderBytes, SmallUdpV6) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).udp(1000, 2000).payload({'x'});
  const std::vector<uint8_t> expected = hex(
      "00 00 00 00 00 02 00 00 00 00 00 01 86 dd"
      "60 00 00 00 00 09 11 40"
      "fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"
      "fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02"
      "03 e8 07 d0 00 09 82 1f 78");
  EXPECT_EQ(to_hex(b.frame()), to_hex(expected));
}

// ---------------------------------------------------------------- layout

TEST(PacketBuilder, DefaultsAndEthernet) {
  PacketBuilder b;
  ASSERT_TRUE(b.packet().eth);
  EXPECT_EQ(b.packet().eth->src.to_string(), "00:00:00:00:00:01");
  EXPECT_EQ(b.packet().eth->dst.to_string(), "00:00:00:00:00:02");
  EXPECT_FALSE(b.packet().ip);

  MacAddress s, d;
  s.bytes = {0x52, 0x54, 0, 0, 0, 0xaa};
  d.bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  b.eth(s, d).ether_type(ether_type::kArp).payload({1, 2, 3});
  EXPECT_EQ(to_hex(b.frame()), "ff ff ff ff ff ff 52 54 00 00 00 aa 08 06 01 02 03");
  b.vlan(0xe00a);
  EXPECT_EQ(to_hex(b.frame()), "ff ff ff ff ff ff 52 54 00 00 00 aa 81 00 e0 0a 08 06 01 02 03");
}

TEST(PacketBuilder, IpSetsFamilyEthertypeAndFields) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).ttl(3).tos(0xfc);
  EXPECT_EQ(b.packet().eth->ether_type, ether_type::kIpv6);
  EXPECT_EQ(b.packet().ip->family, IpFamily::kV6);
  EXPECT_EQ(b.packet().ip->protocol, ip_proto::kNoNext);
  const std::vector<uint8_t> f = b.frame();
  ASSERT_EQ(f.size(), 14u + 40u);
  EXPECT_EQ(f[14], 0x6f);  // version 6, traffic class high nibble f
  EXPECT_EQ(f[15], 0xc0);  // traffic class low nibble c
  EXPECT_EQ(f[20], ip_proto::kNoNext);
  EXPECT_EQ(f[21], 3);

  PacketBuilder v4;
  v4.ip(kA, kB).ttl(1).tos(0x2e).ipv4_fragment(0x1fff, true, 0xabcd);
  const std::vector<uint8_t> g = v4.frame();
  EXPECT_EQ(v4.packet().eth->ether_type, ether_type::kIpv4);
  EXPECT_EQ(g[15], 0x2e);
  EXPECT_EQ(get16(g, 18), 0xabcd);
  EXPECT_EQ(get16(g, 20), 0x3fff);  // MF + offset 0x1fff
  EXPECT_EQ(g[22], 1);
  EXPECT_EQ(internet_checksum(std::span<const uint8_t>(g).subspan(14, 20)), 0);
}

TEST(PacketBuilder, TcpOptionsPaddedToFourBytes) {
  PacketBuilder b;
  b.ip(kA, kB)
      .tcp(1, 2, tcp_flag::kSyn)
      .tcp_option(TcpOption::mss(536))
      .tcp_option(TcpOption::window_scale(14));
  const std::vector<uint8_t> f = b.frame();
  // 4 + 3 = 7 option bytes, padded with one EOL to 8: data offset 7.
  EXPECT_EQ(f[34 + 12], 0x70);
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 54, f.end()), hex("02 04 02 18 03 03 0e 00"));
  EXPECT_EQ(get16(f, 16), 20 + 28);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->l4_checksum_ok);
  // The padding comes back as an explicit EOL option.
  std::vector<TcpOption> expected = b.packet().tcp()->options;
  expected.push_back(TcpOption::end_of_list());
  EXPECT_EQ(r->tcp()->options, expected);
}

TEST(PacketBuilder, Ipv6ExtensionChain) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).udp(7, 9).payload_size(4);
  Packet p = b.packet();
  p.ip->extension_headers = {{ip_proto::kHopByHop, hex("01 04 00 00 00 00")},
                             {ip_proto::kRouting, std::vector<uint8_t>(22, 0)},
                             {ip_proto::kDestinationOptions, hex("01 04 00 00 00 00")}};
  p.ip->fragment = Ipv6FragmentHeader{0x1234, true, 0xcafebabe};
  const std::vector<uint8_t> f = serialize_frame(p);
  // 40 + 8 + 24 + 8 + 8 = 88 bytes of IPv6 headers, then UDP 12.
  ASSERT_EQ(f.size(), 14u + 88u + 12u);
  EXPECT_EQ(get16(f, 18), 48 + 12);       // payload length counts the extension headers
  EXPECT_EQ(f[20], ip_proto::kHopByHop);  // IPv6 next header
  EXPECT_EQ(f[54], ip_proto::kRouting);   // HBH next header, length 0
  EXPECT_EQ(f[55], 0);
  EXPECT_EQ(f[62], ip_proto::kDestinationOptions);  // routing, length 2
  EXPECT_EQ(f[63], 2);
  EXPECT_EQ(f[86], ip_proto::kFragment);  // dest opts
  EXPECT_EQ(f[94], ip_proto::kUdp);       // fragment header
  EXPECT_EQ(f[95], 0);
  EXPECT_EQ(get16(f, 96), (0x1234 << 3) | 1);
  EXPECT_EQ(test::get16(f, 98), 0xcafe);
  EXPECT_EQ(get16(f, 102 + 4), 12);  // UDP length
  // A later fragment: parsed back with no L4 header, the UDP bytes as payload.
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_EQ(r->ip->extension_headers, p.ip->extension_headers);
  EXPECT_EQ(r->ip->fragment, p.ip->fragment);
  EXPECT_EQ(r->ip->protocol, ip_proto::kUdp);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r->l4));
  EXPECT_EQ(r->payload, std::vector<uint8_t>(f.begin() + 102, f.end()));
  // As a first fragment (offset 0) the whole model comes back.
  p.ip->fragment->offset = 0;
  auto first = parse_frame(serialize_frame(p));
  ASSERT_PARSES(first);
  Packet back = *first;
  clear_checksums(back);
  EXPECT_EQ(back, p);
}

TEST(PacketBuilder, Ipv6ExtensionBodyPadded) {
  PacketBuilder b;
  b.ip(kSrc6, kDst6).icmp_echo_request(1, 1);
  Packet p = b.packet();
  p.ip->extension_headers = {{ip_proto::kDestinationOptions, hex("01 00")}};  // too short: padded to 6
  const std::vector<uint8_t> f = serialize_frame(p);
  EXPECT_EQ(f.size(), 14u + 40u + 8u + 8u);
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 54, f.begin() + 62), hex("3a 00 01 00 00 00 00 00"));
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->l4_checksum_ok);
}

TEST(PacketBuilder, PayloadSizePattern) {
  PacketBuilder b;
  b.payload_size(30);
  ASSERT_EQ(b.packet().payload.size(), 30u);
  EXPECT_EQ(b.packet().payload[0], 'a');
  EXPECT_EQ(b.packet().payload[25], 'z');
  EXPECT_EQ(b.packet().payload[26], 'a');
}

TEST(PacketBuilder, LengthsAlwaysComputed) {
  PacketBuilder b;
  b.ip(kA, kB).udp(1, 2).payload_size(1000);
  const std::vector<uint8_t> f = b.frame();
  EXPECT_EQ(get16(f, 16), 20 + 8 + 1000);
  EXPECT_EQ(get16(f, 38), 8 + 1000);
  PacketBuilder b6;
  b6.ip(kSrc6, kDst6).tcp(1, 2, 0).payload_size(1000);
  EXPECT_EQ(get16(b6.frame(), 18), 20 + 1000);
}

// ---------------------------------------------------------------- round trip

void expect_round_trip(const PacketBuilder& b, const char* name) {
  auto r = parse_frame(b.frame());
  ASSERT_PARSES(r) << " " << name;
  EXPECT_TRUE(r->ip_checksum_ok) << name;
  EXPECT_TRUE(r->l4_checksum_ok) << name;
  EXPECT_FALSE(r->l4_truncated) << name;
  Packet parsed = *r;
  clear_checksums(parsed);
  EXPECT_EQ(parsed, b.packet()) << name << "\n  parsed: " << parsed << "\n  built:  " << b.packet();
  // And re-serializing the parsed packet (checksums as read) gives the same bytes.
  EXPECT_EQ(serialize_frame(*r), b.frame()) << name;
}

TEST(PacketBuilder, OutputParsesBackToModel) {
  {
    PacketBuilder b;
    b.ip(kA, kB).tcp(1, 2, tcp_flag::kSyn | tcp_flag::kEce | tcp_flag::kCwr, 7, 0, 29200)
        .tcp_option(TcpOption::mss(1460))
        .tcp_option(TcpOption::sack_permitted())
        .tcp_option(TcpOption::timestamps(11, 0))
        .tcp_option(TcpOption::nop())
        .tcp_option(TcpOption::window_scale(7));
    expect_round_trip(b, "v4 syn");
  }
  {
    PacketBuilder b;
    b.vlan(42).ip(kSrc6, kDst6).tcp(1, 2, tcp_flag::kAck | tcp_flag::kFin, 7, 9).payload_size(100);
    expect_round_trip(b, "v6 vlan fin");
  }
  {
    PacketBuilder b;
    b.ip(kA, kB).ttl(9).tos(0x10).udp(53, 53).payload_size(0);
    expect_round_trip(b, "v4 udp empty");
  }
  {
    PacketBuilder b;
    b.ip(kSrc6, kDst6).icmp_echo_reply(5, 6).payload_size(3);
    expect_round_trip(b, "v6 echo reply");
  }
  {
    PacketBuilder b;
    b.ip(kA, kB).ipv4_fragment(0, true, 4).udp(1, 2).payload_size(64);
    expect_round_trip(b, "v4 first fragment");
  }
  {
    PacketBuilder b;
    PacketBuilder inner;
    inner.ip(kB, kA).udp(3, 4).payload_size(50);
    b.vlan(3).ip(kA, kB).icmp_error(icmp_type::kDestUnreachable, 3, inner.packet());
    expect_round_trip(b, "v4 icmp error");
  }
  {
    PacketBuilder b;
    b.ip(kA, kB).tcp(1, 2, 0).tcp_option(TcpOption::sack({{1, 2}})).tcp_option(TcpOption::nop())
        .tcp_option(TcpOption::nop());
    Packet p = b.packet();
    p.ip->options = hex("94 04 00 00");
    p.ip->dont_fragment = true;
    p.tcp()->urgent = 77;
    auto r = parse_frame(serialize_frame(p));
    ASSERT_PARSES(r);
    Packet parsed = *r;
    clear_checksums(parsed);
    EXPECT_EQ(parsed, p);
  }
}

// ---------------------------------------------------------------- checksums

TEST(PacketBuilderChecksums, ForcedValuesWrittenAsGiven) {
  PacketBuilder tcp;
  tcp.ip(kA, kB).ip_checksum(0xbeef).tcp(1, 2, 0).l4_checksum(0x1234);
  std::vector<uint8_t> f = tcp.frame();
  EXPECT_EQ(get16(f, 14 + 10), 0xbeef);
  EXPECT_EQ(get16(f, 34 + 16), 0x1234);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_FALSE(r->ip_checksum_ok);
  EXPECT_FALSE(r->l4_checksum_ok);
  EXPECT_EQ(r->ip->checksum, std::optional<uint16_t>(0xbeef));
  EXPECT_EQ(r->tcp()->checksum, std::optional<uint16_t>(0x1234));
  // The parsed packet carries the wrong values and re-serializes them.
  EXPECT_EQ(serialize_frame(*r), f);

  PacketBuilder udp;
  udp.ip(kA, kB).udp(1, 2).l4_checksum(0);  // zero stays zero: "no checksum"
  EXPECT_EQ(get16(udp.frame(), 34 + 6), 0);
  udp.l4_checksum(0xffff);
  EXPECT_EQ(get16(udp.frame(), 34 + 6), 0xffff);

  PacketBuilder icmp;
  icmp.ip(kSrc6, kDst6).icmp_echo_request(1, 1).l4_checksum(0x0bad);
  EXPECT_EQ(get16(icmp.frame(), 54 + 2), 0x0bad);
  auto ri = parse_frame(icmp.frame());
  ASSERT_PARSES(ri);
  EXPECT_FALSE(ri->l4_checksum_ok);

  // A forced value that happens to be right is still right.
  PacketBuilder right;
  right.ip(kA, kB).tcp(12345, 80, tcp_flag::kSyn, 1000).tcp_option(TcpOption::mss(1460))
      .ip_checksum(0x66ca).l4_checksum(0x4fb3);
  PacketBuilder computed;
  computed.ip(kA, kB).tcp(12345, 80, tcp_flag::kSyn, 1000).tcp_option(TcpOption::mss(1460));
  EXPECT_EQ(right.frame(), computed.frame());
}

// RFC 768: a computed UDP checksum of 0 is transmitted as 0xffff.
TEST(PacketBuilderChecksums, ComputedZeroUdpChecksumSentAsAllOnes) {
  PacketBuilder b;
  b.ip(kA, kB).udp(1, 2).payload({0, 0});
  const uint16_t c0 = get16(b.frame(), 34 + 6);
  // Payload word equal to c0 makes the one's-complement sum 0xffff, i.e. the
  // computed checksum 0.
  b.payload({static_cast<uint8_t>(c0 >> 8), static_cast<uint8_t>(c0)});
  const std::vector<uint8_t> f = b.frame();
  EXPECT_EQ(get16(f, 34 + 6), 0xffff);
  auto r = parse_frame(f);
  ASSERT_PARSES(r);
  EXPECT_TRUE(r->l4_checksum_ok);
}

// ---------------------------------------------------------------- ICMP quotes

TEST(QuoteForIcmpError, CutsToHeadersPlusEight) {
  PacketBuilder tcp;
  tcp.ip(kA, kB).tcp(1, 2, tcp_flag::kAck, 3, 4).tcp_option(TcpOption::timestamps(1, 2))
      .payload_size(100);
  const std::vector<uint8_t> whole = serialize_ip(tcp.packet());
  const std::vector<uint8_t> q = quote_for_icmp_error(tcp.packet());
  ASSERT_EQ(q.size(), 28u);
  EXPECT_EQ(q, std::vector<uint8_t>(whole.begin(), whole.begin() + 28));
  EXPECT_EQ(quote_for_icmp_error(tcp.packet(), 0).size(), 20u);
  EXPECT_EQ(quote_for_icmp_error(tcp.packet(), 32).size(), 52u);
  EXPECT_EQ(quote_for_icmp_error(tcp.packet(), 100000), whole);  // short packets quoted whole
  // The quote keeps the original's total length and checksums.
  EXPECT_EQ(get16(q, 2), whole.size());

  Packet with_options = tcp.packet();
  with_options.ip->options = hex("94 04 00 00 01 01 01 00");
  EXPECT_EQ(quote_for_icmp_error(with_options).size(), 28u + 8u);

  PacketBuilder udp6;
  udp6.ip(kSrc6, kDst6).udp(1, 2).payload_size(500);
  EXPECT_EQ(quote_for_icmp_error(udp6.packet()).size(), 48u);
  Packet ext = udp6.packet();
  ext.ip->extension_headers = {{ip_proto::kHopByHop, hex("01 04 00 00 00 00")},
                               {ip_proto::kRouting, std::vector<uint8_t>(22, 0)}};
  ext.ip->fragment = Ipv6FragmentHeader{0, true, 1};
  const std::vector<uint8_t> q6 = quote_for_icmp_error(ext);
  ASSERT_EQ(q6.size(), 40u + 8u + 24u + 8u + 8u);
  // The last 8 bytes are the UDP header.
  EXPECT_EQ(get16(q6, 80), 1);
  EXPECT_EQ(get16(q6, 82), 2);
  EXPECT_EQ(get16(q6, 84), 508);

  // Without an IP header there is nothing to quote but the (empty) IP bytes.
  Packet no_ip;
  EXPECT_TRUE(quote_for_icmp_error(no_ip).empty());
}

// The builder pads IPv4 options and IPv6 extension bodies; the quote must cut
// after the padded headers, not the unpadded model sizes.
TEST(QuoteForIcmpError, CountsPaddedHeaders) {
  PacketBuilder tcp;
  tcp.ip(kA, kB).tcp(1111, 2222, tcp_flag::kSyn, 0x01020304).payload_size(40);
  Packet v4 = tcp.packet();
  v4.ip->options = hex("01 01 01");  // padded to 4 on the wire
  const std::vector<uint8_t> q = quote_for_icmp_error(v4);
  ASSERT_EQ(q.size(), 24u + 8u);
  auto parsed = parse_ip_packet(q, true);
  ASSERT_PARSES(parsed);
  EXPECT_EQ(parsed->tcp()->seq, 0x01020304u);

  PacketBuilder tcp6;
  tcp6.ip(kSrc6, kDst6).tcp(1111, 2222, tcp_flag::kSyn, 0x01020304).payload_size(40);
  Packet v6 = tcp6.packet();
  v6.ip->extension_headers = {{ip_proto::kDestinationOptions, hex("01 00")}};  // padded to 6
  const std::vector<uint8_t> q6 = quote_for_icmp_error(v6);
  ASSERT_EQ(q6.size(), 48u + 8u);
  auto parsed6 = parse_ip_packet(q6, true);
  ASSERT_PARSES(parsed6);
  EXPECT_EQ(parsed6->tcp()->seq, 0x01020304u);
}

TEST(QuoteForIcmpError, BuilderIcmpErrorQuotes) {
  PacketBuilder inner;
  inner.ip(kA, kB).tcp(1, 2, tcp_flag::kSyn).payload_size(10);
  PacketBuilder b;
  b.ip(kB, kA).icmp_error(icmp_type::kParameterProblem, 0, inner.packet(), 12);
  EXPECT_EQ(b.packet().icmp()->type, icmp_type::kParameterProblem);
  EXPECT_EQ(b.packet().icmp()->rest, 0u);
  EXPECT_EQ(b.packet().payload, quote_for_icmp_error(inner.packet(), 12));
  EXPECT_TRUE(b.packet().is_icmp_error());

  PacketBuilder b6;
  b6.ip(kDst6, kSrc6).icmp_error(icmpv6_type::kParameterProblem, 1, inner.packet());
  EXPECT_EQ(b6.packet().ip->protocol, ip_proto::kIcmpv6);
  EXPECT_TRUE(b6.packet().is_icmp_error());
}

// ---------------------------------------------------------------- model helpers (packet.h)

TEST(PacketModel, TcpOptionAccessors) {
  TcpHeader t;
  EXPECT_FALSE(t.mss());
  EXPECT_FALSE(t.window_scale());
  EXPECT_FALSE(t.sack_permitted());
  EXPECT_TRUE(t.sack_blocks().empty());
  EXPECT_FALSE(t.timestamps());
  EXPECT_EQ(TcpOption::mss(0x1234).data, hex("12 34"));
  EXPECT_EQ(TcpOption::sack({{1, 2}}).data, hex("00 00 00 01 00 00 00 02"));
  EXPECT_EQ(TcpOption::timestamps(0x01020304, 0x05060708).data, hex("01 02 03 04 05 06 07 08"));
  // Malformed option bodies are not misread.
  t.options = {{2, hex("05")}, {3, hex("01 02")}, {8, hex("00 00 00 01")}, {5, hex("00 00 00 01 00 00 00 02 09")}};
  EXPECT_FALSE(t.mss());
  EXPECT_FALSE(t.window_scale());
  EXPECT_FALSE(t.timestamps());
  EXPECT_EQ(t.sack_blocks(), (std::vector<std::pair<uint32_t, uint32_t>>{{1, 2}}));
  // The first option of a kind wins.
  t.options = {TcpOption::mss(1000), TcpOption::mss(2000)};
  EXPECT_EQ(t.mss(), std::optional<uint16_t>(1000));
}

TEST(PacketModel, FragmentPredicates) {
  IpHeader v4;
  EXPECT_FALSE(v4.is_fragment());
  v4.more_fragments = true;
  EXPECT_TRUE(v4.is_fragment());
  EXPECT_FALSE(v4.is_later_fragment());
  v4.more_fragments = false;
  v4.fragment_offset = 1;
  EXPECT_TRUE(v4.is_fragment());
  EXPECT_TRUE(v4.is_later_fragment());
  v4.dont_fragment = true;
  v4.fragment_offset = 0;
  EXPECT_FALSE(v4.is_fragment());

  IpHeader v6;
  v6.family = IpFamily::kV6;
  v6.more_fragments = true;  // v4-only field: ignored
  EXPECT_FALSE(v6.is_fragment());
  v6.fragment = Ipv6FragmentHeader{0, false, 1};  // atomic fragment
  EXPECT_TRUE(v6.is_fragment());
  EXPECT_FALSE(v6.is_later_fragment());
  v6.fragment->offset = 9;
  EXPECT_TRUE(v6.is_later_fragment());
}

TEST(PacketModel, IsIcmpErrorNeedsMatchingFamily) {
  PacketBuilder b;
  b.ip(kA, kB).icmp(icmp_type::kDestUnreachable, 0, 0);
  EXPECT_TRUE(b.packet().is_icmp_error());
  Packet p = b.packet();
  p.ip->protocol = ip_proto::kIcmpv6;  // an ICMP header under the wrong protocol number
  EXPECT_FALSE(p.is_icmp_error());
  PacketBuilder b6;
  b6.ip(kSrc6, kDst6).icmp(icmpv6_type::kPacketTooBig, 0, 1280);
  EXPECT_TRUE(b6.packet().is_icmp_error());
  b6.icmp(icmp_type::kDestUnreachable + 2, 0, 0);  // 5: not an ICMPv6 error
  EXPECT_FALSE(b6.packet().is_icmp_error());
  b6.icmp(icmpv6_type::kEchoRequest, 0, 0);
  EXPECT_FALSE(b6.packet().is_icmp_error());
  Packet no_ip;
  no_ip.l4 = IcmpHeader{};
  EXPECT_FALSE(no_ip.is_icmp_error());
}

TEST(PacketModel, ClearChecksums) {
  PacketBuilder b;
  b.ip(kA, kB).ip_checksum(1).tcp(1, 2, 0).l4_checksum(2);
  Packet p = b.packet();
  clear_checksums(p);
  EXPECT_FALSE(p.ip->checksum);
  EXPECT_FALSE(p.tcp()->checksum);
  Packet empty;
  clear_checksums(empty);  // no IP, no L4: nothing to do
  EXPECT_EQ(empty, Packet{});
}

TEST(PacketModel, OneLineSummary) {
  auto text = [](const Packet& p) {
    std::ostringstream os;
    os << p;
    return os.str();
  };
  PacketBuilder syn;
  syn.vlan(0x2064).ip(kA, kB).tcp(1234, 80, tcp_flag::kSyn | tcp_flag::kAck, 5, 6, 100).payload_size(3);
  EXPECT_EQ(text(syn.packet()), "tcp 10.0.0.1:1234 > 10.0.0.2:80 [S.] seq=5 ack=6 win=100 len=3 vlan=100");
  PacketBuilder udp6;
  udp6.ip(kSrc6, kDst6).udp(53, 5353);
  EXPECT_EQ(text(udp6.packet()), "udp [fd00::1]:53 > [fd00::2]:5353 len=0");
  PacketBuilder echo;
  echo.ip(kA, kB).icmp_echo_request(7, 8);
  EXPECT_EQ(text(echo.packet()), "icmp 10.0.0.1 > 10.0.0.2 type=8 code=0 id=7 seq=8");
  PacketBuilder err;
  err.ip(kSrc6, kDst6).icmp_error(icmpv6_type::kDestUnreachable, 1, udp6.packet());
  EXPECT_EQ(text(err.packet()), "icmp6 fd00::1 > fd00::2 type=1 code=1 quoting 48 bytes");
  PacketBuilder arp;
  arp.ether_type(ether_type::kArp).payload_size(28);
  EXPECT_EQ(text(arp.packet()), "eth type=0x806 len=28");
  Packet bad = syn.packet();
  bad.ip_checksum_ok = false;
  bad.l4_checksum_ok = false;
  EXPECT_NE(text(bad).find("(bad ip checksum) (bad l4 checksum)"), std::string::npos);

  std::ostringstream os;
  os << ParseError{ParseErrorKind::kBadHeaderLength, 46, "TCP data offset below 5"};
  EXPECT_EQ(os.str(), "bad header length at byte 46: TCP data offset below 5");
  for (ParseErrorKind k : {ParseErrorKind::kTruncated, ParseErrorKind::kBadHeaderLength,
                           ParseErrorKind::kBadVersion, ParseErrorKind::kBadTotalLength,
                           ParseErrorKind::kBadExtensionChain, ParseErrorKind::kUnsupported}) {
    EXPECT_STRNE(to_string(k), "?");
  }
}

TEST(PacketBuilder, SpentPacketLendsStorageNotContents) {
  const IpAddress a = IpAddress::v4(10, 0, 0, 1);
  const IpAddress b = IpAddress::v4(10, 0, 0, 2);
  Packet spent = PacketBuilder()
                     .ip(a, b)
                     .tcp(1, 2, tcp_flag::kSyn, 7, 0, 100)
                     .tcp_option(TcpOption::mss(1460))
                     .tcp_option(TcpOption::window_scale(3))
                     .payload_size(500)
                     .packet();
  // A UDP packet from a spent TCP one: no option and no byte of it survives.
  const Packet udp = PacketBuilder(Packet(spent)).ip(b, a).udp(53, 40000).payload_size(3).packet();
  EXPECT_EQ(udp, PacketBuilder().ip(b, a).udp(53, 40000).payload_size(3).packet());
  // A TCP packet without options from a spent one with two.
  const Packet bare = PacketBuilder(std::move(spent)).ip(a, b).tcp(3, 4, tcp_flag::kAck, 1, 2, 9).packet();
  EXPECT_EQ(bare, PacketBuilder().ip(a, b).tcp(3, 4, tcp_flag::kAck, 1, 2, 9).packet());
  EXPECT_TRUE(bare.tcp()->options.empty());
  EXPECT_TRUE(bare.payload.empty());
}

}  // namespace
}  // namespace ctc
