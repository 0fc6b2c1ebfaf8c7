#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "properties/generators/arbitrary.h"
#include "properties/relabeling.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

Packet parsed(const std::vector<uint8_t>& frame) {
  auto p = parse_frame(frame);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : Packet{};
}

TEST(Relabeling, RenamesTheThirdOctetHighPortsServicesAndZones) {
  const Relabeling r{.v4_octet_xor = 5, .high_port_xor = 3, .service_xor = 1, .zone_xor = 4};
  EXPECT_EQ(r.address(IpAddress::v4(10, 0, 0, 1)), IpAddress::v4(10, 0, 5, 1));
  EXPECT_EQ(r.port(40000), 40003);
  EXPECT_EQ(r.port(80), 443);
  EXPECT_EQ(r.port(443), 80);
  EXPECT_EQ(r.port(22), 53);
  EXPECT_EQ(r.port(1024), 1024);  // NAT ranges and fallback ports stay
  EXPECT_EQ(r.zone(Zone{1}), Zone{5});
}

TEST(Relabeling, TcpFrameKeepsValidChecksums) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1))
      .tcp(40000, 80, tcp_flag::kSyn, 1000, 0)
      .payload_size(11);
  const Relabeling r{.v4_octet_xor = 5, .high_port_xor = 3, .service_xor = 1};
  const Packet p = parsed(r.frame(b.frame()));
  EXPECT_EQ(p.ip->src, IpAddress::v4(10, 0, 5, 1));
  EXPECT_EQ(p.ip->dst, IpAddress::v4(172, 16, 5, 1));
  EXPECT_EQ(p.tcp()->src_port, 40003);
  EXPECT_EQ(p.tcp()->dst_port, 443);
  EXPECT_EQ(p.tcp()->seq, 1000u);
  EXPECT_TRUE(p.ip_checksum_ok);
  EXPECT_TRUE(p.l4_checksum_ok);
}

TEST(Relabeling, SwapDirectionExchangesEndsOfAnIcmpErrorAndItsQuote) {
  PacketBuilder request;
  request.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1)).udp(40000, 53).payload_size(8);
  PacketBuilder error;
  error.ip(IpAddress::v4(172, 16, 0, 1), IpAddress::v4(10, 0, 0, 1))
      .icmp_error(icmp_type::kDestUnreachable, 3, request.packet());
  const Relabeling r{.swap_direction = true};
  const Packet p = parsed(r.frame(error.frame()));
  EXPECT_EQ(p.ip->src, IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(p.ip->dst, IpAddress::v4(172, 16, 0, 1));
  EXPECT_TRUE(p.ip_checksum_ok);
  EXPECT_TRUE(p.l4_checksum_ok);
  auto quoted = parse_quoted_packet(p);
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->ip->src, IpAddress::v4(172, 16, 0, 1));
  EXPECT_EQ(quoted->ip->dst, IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(quoted->udp()->src_port, 53);
  EXPECT_EQ(quoted->udp()->dst_port, 40000);
  EXPECT_TRUE(quoted->ip_checksum_ok);
}

TEST(Relabeling, Ipv6EchoIdentifierIsAPort) {
  std::array<uint8_t, 16> a{0xfd, 0, 0, 1}, b{0xfd, 0, 0, 2};
  a[15] = 1;
  b[15] = 1;
  PacketBuilder echo;
  echo.ip(IpAddress::v6(a), IpAddress::v6(b)).icmp_echo_request(40000, 7);
  const Relabeling r{.v6_byte_xor = 8, .high_port_xor = 1};
  const Packet p = parsed(r.frame(echo.frame()));
  EXPECT_EQ(p.ip->src.bytes[3], 9);
  EXPECT_EQ(p.ip->dst.bytes[3], 10);
  EXPECT_EQ(p.icmp()->identifier(), 40001);
  EXPECT_EQ(p.icmp()->sequence(), 7);
  EXPECT_TRUE(p.l4_checksum_ok);
}

TEST(Relabeling, AWrongChecksumStaysExactlyAsWrong) {
  PacketBuilder b;
  b.ip(IpAddress::v4(10, 0, 0, 1), IpAddress::v4(172, 16, 0, 1)).udp(40000, 53).l4_checksum(0x1234);
  const Relabeling r{.v4_octet_xor = 1};
  EXPECT_FALSE(parsed(r.frame(b.frame())).l4_checksum_ok);
}

// Every generated frame stays well-formed under any renumbering or mirror,
// and renaming twice gives the frame back (every map is an involution).
RC_GTEST_PROP(Relabeling, IsAChecksumKeepingInvolutionOnGeneratedFrames, ()) {
  const TrafficPlan plan = *rc::gen::arbitrary<TrafficPlan>();
  Relabeling r = *rc::gen::arbitrary<Relabeling>();
  r.swap_direction = *rc::gen::arbitrary<bool>();
  r.swap_switch_ports = *rc::gen::arbitrary<bool>();
  const Scenario s = build_scenario(plan, "g", "test");
  for (const Step& step : s.steps) {
    const auto* inject = std::get_if<InjectStep>(&step);
    if (inject == nullptr) continue;
    const std::vector<uint8_t> renamed = r.frame(inject->frame);
    RC_ASSERT(r.frame(renamed) == inject->frame);
    auto p = parse_frame(renamed);
    RC_ASSERT(p.ok());
    RC_ASSERT(p->ip_checksum_ok);
    RC_ASSERT(p->l4_checksum_ok);
    if (p->is_icmp_error()) {
      auto q = parse_quoted_packet(*p);
      if (q.ok()) RC_ASSERT(q->ip_checksum_ok);
    }
  }
}

}  // namespace
}  // namespace ctc
