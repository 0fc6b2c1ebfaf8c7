// The built-in frame extractor and checksum arithmetic, checked against the
// packet model's parser (reference/packet/packet_parser.h) on built and
// randomly corrupted frames, and against full recomputation.
#include "adapters/builtin/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "reference/packet/checksum.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc::builtin {
namespace {

using namespace tcp_flag;

const IpAddress kA = IpAddress::v4(10, 1, 1, 1);
const IpAddress kB = IpAddress::v4(10, 1, 1, 2);
const IpAddress kA6 = IpAddress::parse("fd00::1").value();
const IpAddress kB6 = IpAddress::parse("fd00::2").value();

std::vector<Packet> sample_packets() {
  std::vector<Packet> out;
  for (const auto& [s, d] : {std::pair{kA, kB}, std::pair{kA6, kB6}}) {
    out.push_back(PacketBuilder().ip(s, d).tcp(1, 2, kSyn, 5, 0, 100)
                      .tcp_option(TcpOption::mss(1460)).tcp_option(TcpOption::window_scale(9))
                      .tcp_option(TcpOption::sack_permitted()).tcp_option(TcpOption::nop()).packet());
    out.push_back(PacketBuilder().ip(s, d).tcp(1, 2, kAck, 5, 6).payload_size(33).packet());
    out.push_back(PacketBuilder().ip(s, d).udp(7, 8).payload_size(9).packet());
    out.push_back(PacketBuilder().ip(s, d).icmp_echo_request(3, 4).packet());
    out.push_back(PacketBuilder().ip(s, d).icmp_error(s.is_v4() ? 3 : 1, 3, out[out.size() - 2]).packet());
    out.push_back(PacketBuilder().vlan(5).ip(s, d).udp(7, 8).packet());
  }
  Packet v4frag = PacketBuilder().ip(kA, kB).ipv4_fragment(0, true, 9).udp(1, 2).packet();
  out.push_back(v4frag);
  Packet ext = PacketBuilder().ip(kA6, kB6).tcp(1, 2, kSyn, 5).packet();
  ext.ip->extension_headers.push_back({ip_proto::kHopByHop, std::vector<uint8_t>(6, 0)});
  ext.ip->fragment = Ipv6FragmentHeader{0, true, 7};
  out.push_back(ext);
  Packet opts = PacketBuilder().ip(kA, kB).udp(1, 2).packet();
  opts.ip->options = {1, 1, 1, 0};
  out.push_back(opts);
  return out;
}

std::string hex(const std::vector<uint8_t>& bytes) {
  std::string s;
  for (uint8_t b : bytes) {
    s += "0123456789abcdef"[b >> 4];
    s += "0123456789abcdef"[b & 15];
  }
  return s;
}

// The extractor and the model's parser agree on what a frame is.
void expect_agrees(const std::vector<uint8_t>& frame) {
  Frame f;
  f.load(frame);
  auto parsed = parse_frame(frame);
  ASSERT_EQ(f.l.malformed, !parsed.ok()) << hex(frame);
  if (!parsed.ok()) return;
  const Packet& p = *parsed;
  EXPECT_EQ(f.l.has_vlan, p.eth->vlan_tci.has_value());
  EXPECT_EQ(f.l.ether_type, p.eth->ether_type);
  ASSERT_EQ(f.is_ip(), p.ip.has_value());
  if (!p.ip) {
    EXPECT_EQ(f.l.payload_len(), 0u);
    return;
  }
  f.verify();
  EXPECT_EQ(f.l.family, p.ip->family == IpFamily::kV4 ? 4 : 6);
  EXPECT_EQ(f.l.protocol, p.ip->protocol);
  EXPECT_EQ(f.l.frag != FragKind::kNone, p.ip->is_fragment());
  EXPECT_EQ(f.ip_ok, p.ip_checksum_ok);
  EXPECT_EQ(f.l4_ok, p.l4_checksum_ok);
  EXPECT_EQ(f.l.payload_len(), p.payload.size());
  EXPECT_EQ(f.l.l4_kind == L4Kind::kTcp, p.tcp() != nullptr);
  EXPECT_EQ(f.l.l4_kind == L4Kind::kUdp, p.udp() != nullptr);
  EXPECT_EQ(f.l.l4_kind == L4Kind::kIcmp, p.icmp() != nullptr);
  EXPECT_EQ(f.is_icmp_error(), p.is_icmp_error());
  if (const TcpHeader* t = p.tcp()) {
    EXPECT_EQ(f.l.has_wscale, t->window_scale().has_value());
    if (t->window_scale()) {
      EXPECT_EQ(f.l.wscale, *t->window_scale());
    }
    EXPECT_EQ(f.l.sack_perm, t->sack_permitted());
  }
  if (p.is_icmp_error()) {
    const QuotedLayout q = extract_quoted(f.data() + f.l.l4 + 8, f.l.l4_len() - 8);
    auto quoted = parse_quoted_packet(p);
    ASSERT_EQ(q.ok, quoted.ok());
    if (q.ok) {
      EXPECT_EQ(q.fragment, quoted->ip->is_fragment());
      EXPECT_EQ(q.l4_kind == L4Kind::kTcp, quoted->tcp() != nullptr);
      EXPECT_EQ(q.l4_kind == L4Kind::kUdp, quoted->udp() != nullptr);
      EXPECT_EQ(q.l4_kind == L4Kind::kIcmp, quoted->icmp() != nullptr);
    }
  }
}

TEST(BuiltinFrame, AgreesWithTheModelParserOnBuiltFrames) {
  for (const Packet& p : sample_packets()) expect_agrees(serialize_frame(p));
}

TEST(BuiltinFrame, AgreesWithTheModelParserOnCorruptedFrames) {
  std::mt19937 rng(42);
  const auto samples = sample_packets();
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> frame = serialize_frame(samples[rng() % samples.size()]);
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0: frame[rng() % frame.size()] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1:
          if (frame.size() > 14) frame[14 + rng() % (frame.size() - 14)] = static_cast<uint8_t>(rng());
          break;
        case 2: frame.resize(rng() % (frame.size() + 1)); break;
        default: frame.resize(frame.size() + rng() % 8, static_cast<uint8_t>(rng())); break;
      }
      if (frame.empty()) break;
    }
    expect_agrees(frame);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(BuiltinFrame, ShortAndNonIpFramesShowOnlyTheirEthernetHeader) {
  Frame f;
  f.load(std::vector<uint8_t>{1, 2, 3});
  EXPECT_TRUE(f.l.malformed);
  EXPECT_FALSE(f.l.has_eth);
  f.load(PacketBuilder().ether_type(0x0806).payload_size(28).frame());
  EXPECT_FALSE(f.l.malformed);
  EXPECT_FALSE(f.is_ip());
  EXPECT_EQ(f.l.ether_type, 0x0806);
}

TEST(BuiltinChecksum, SumMatchesTheModelAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(300);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t n = 0; n + start <= buf.size(); n += 1 + n / 8) {
      const std::span<const uint8_t> s(buf.data() + start, n);
      EXPECT_EQ(finish(sum_bytes(s.data(), s.size())), internet_checksum(s)) << start << " " << n;
    }
  }
}

// Words near all-ones carry out of 64 bits at nearly every addition.
TEST(BuiltinChecksum, SumMatchesTheModelWhenEveryWordCarries) {
  for (const uint8_t fill : {uint8_t{0xff}, uint8_t{0xfe}, uint8_t{0x80}}) {
    std::vector<uint8_t> buf(300, fill);
    buf[7] = 0x01;
    for (size_t n = 0; n <= buf.size(); ++n) {
      const std::span<const uint8_t> s(buf.data(), n);
      EXPECT_EQ(finish(sum_bytes(s.data(), s.size())), internet_checksum(s)) << int{fill} << " " << n;
    }
  }
}

TEST(BuiltinChecksum, IncrementalUpdateEqualsFullRecomputation) {
  std::mt19937 rng(9);
  for (int i = 0; i < 5000; ++i) {
    std::vector<uint8_t> buf(2 + 2 * (rng() % 40));
    for (auto& b : buf) b = static_cast<uint8_t>(rng());
    store16(buf.data(), 0);
    store16(buf.data(), internet_checksum(buf));
    if (buf.size() < 4) continue;
    const size_t n = 1 + rng() % std::min<size_t>(16, buf.size() - 2);
    const size_t at = 2 + rng() % (buf.size() - 2 - n + 1);
    uint8_t fresh[16];
    for (size_t k = 0; k < n; ++k) fresh[k] = static_cast<uint8_t>(rng());
    const Delta d = patch(buf.data(), at, fresh, n);
    apply(buf.data(), d);
    const uint16_t incremental = load16(buf.data());
    store16(buf.data(), 0);
    EXPECT_EQ(incremental, internet_checksum(buf));
  }
}

TEST(BuiltinFrame, AddressRewriteKeepsTcpAndIpChecksumsValid) {
  Frame f;
  f.load(PacketBuilder().ip(kA, kB).tcp(1, 2, kAck, 5, 6).payload_size(33).frame());
  f.reset_checksums(true);
  EXPECT_EQ(f.ip_mode, CsumMode::kIncremental);
  const uint8_t addr[4] = {192, 0, 2, 1};
  f.write_l3(f.l.src_at(), addr, 4, true, true);
  std::vector<uint8_t> out;
  f.emit(out);
  auto parsed = parse_frame(out);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ip->src, IpAddress::v4(192, 0, 2, 1));
  EXPECT_TRUE(parsed->ip_checksum_ok);
  EXPECT_TRUE(parsed->l4_checksum_ok);
}

TEST(BuiltinFrame, UdpWithoutChecksumKeepsNoneThroughNatButGetsOneFromSetField) {
  Packet p = PacketBuilder().ip(kA, kB).udp(1, 2).payload_size(4).packet();
  p.udp()->checksum = 0;
  const std::vector<uint8_t> bytes = serialize_frame(p);
  Frame nat;
  nat.load(bytes);
  nat.reset_checksums(/*keep_udp_zero=*/true);
  EXPECT_EQ(nat.l4_mode, CsumMode::kKeep);
  Frame set;
  set.load(bytes);
  set.reset_checksums(/*keep_udp_zero=*/false);
  EXPECT_EQ(set.l4_mode, CsumMode::kRecompute);
  std::vector<uint8_t> out;
  set.emit(out);
  EXPECT_NE(load16(out.data() + set.l.l4 + 6), 0);
}

}  // namespace
}  // namespace ctc::builtin
