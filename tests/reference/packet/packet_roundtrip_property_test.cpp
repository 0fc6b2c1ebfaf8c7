// Property tests for the packet model: for generated Packets,
//   parse_frame(serialize_frame(p)) == p
// after clear_checksums on both sides (the normalisation packet.h documents:
// checksums are nullopt in a built model and the wire values in a parsed one),
// and for builder frames serialize_frame(parse_frame(bytes)) == bytes, forced
// (possibly wrong) checksums included.
//
// The generators stay inside what the model can represent exactly (see
// packet.h): TCP options in wire order with their padding spelled out as EOL
// options (so 4-byte aligned), IPv4 options a multiple of 4 bytes, IPv6
// extension bodies 6 + 8n bytes, an L4 header only where the parser expects
// one (not in later fragments, not under an unparsed protocol number).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <sstream>
#include <vector>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "tests/reference/packet/test_bytes.h"

namespace ctc {
namespace {

using test::describe;
using test::to_hex;

rc::Gen<std::vector<uint8_t>> gen_bytes(size_t min, size_t max) {
  return rc::gen::mapcat(rc::gen::inRange(min, max + 1), [](size_t n) {
    return rc::gen::container<std::vector<uint8_t>>(n, rc::gen::arbitrary<uint8_t>());
  });
}

rc::Gen<MacAddress> gen_mac() {
  return rc::gen::map(rc::gen::arbitrary<std::array<uint8_t, 6>>(), [](std::array<uint8_t, 6> b) {
    MacAddress m;
    m.bytes = b;
    return m;
  });
}

IpAddress make_address(IpFamily family, const std::array<uint8_t, 16>& b) {
  if (family == IpFamily::kV6) return IpAddress::v6(b);
  return IpAddress::v4(b[0], b[1], b[2], b[3]);
}

rc::Gen<TcpOption> gen_tcp_option() {
  return rc::gen::oneOf(
      rc::gen::just(TcpOption::nop()), rc::gen::just(TcpOption::end_of_list()),
      rc::gen::map(rc::gen::arbitrary<uint16_t>(), &TcpOption::mss),
      rc::gen::map(rc::gen::inRange<uint8_t>(0, 15), &TcpOption::window_scale),
      rc::gen::just(TcpOption::sack_permitted()),
      rc::gen::map(rc::gen::pair(rc::gen::arbitrary<uint32_t>(), rc::gen::arbitrary<uint32_t>()),
                   [](std::pair<uint32_t, uint32_t> ts) { return TcpOption::timestamps(ts.first, ts.second); }),
      rc::gen::map(rc::gen::mapcat(rc::gen::inRange<size_t>(1, 5),
                                   [](size_t n) {
                                     return rc::gen::container<std::vector<std::pair<uint32_t, uint32_t>>>(
                                         n, rc::gen::pair(rc::gen::arbitrary<uint32_t>(),
                                                          rc::gen::arbitrary<uint32_t>()));
                                   }),
                   &TcpOption::sack),
      // An option the model does not name (e.g. TCP-AO, experimental).
      rc::gen::map(rc::gen::pair(rc::gen::inRange<uint8_t>(9, 255), gen_bytes(0, 10)),
                   [](std::pair<uint8_t, std::vector<uint8_t>> kd) {
                     return TcpOption{kd.first, std::move(kd.second)};
                   }));
}

size_t wire_size(const TcpOption& o) { return o.kind <= 1 ? 1 : 2 + o.data.size(); }

rc::Gen<std::vector<TcpOption>> gen_tcp_options() {
  return rc::gen::exec([] {
    const size_t count = *rc::gen::inRange<size_t>(0, 8);
    const auto candidates = *rc::gen::container<std::vector<TcpOption>>(count, gen_tcp_option());
    std::vector<TcpOption> options;
    size_t size = 0;
    for (const TcpOption& o : candidates) {
      if (size + wire_size(o) > 40) break;
      options.push_back(o);
      size += wire_size(o);
    }
    // Padding, as the model spells it: explicit EOL (or NOP) options.
    while (size % 4 != 0) {
      options.push_back(*rc::gen::element(TcpOption::end_of_list(), TcpOption::nop()));
      ++size;
    }
    return options;
  });
}

rc::Gen<TcpHeader> gen_tcp() {
  return rc::gen::exec([] {
    TcpHeader t;
    t.src_port = *rc::gen::arbitrary<uint16_t>();
    t.dst_port = *rc::gen::arbitrary<uint16_t>();
    t.seq = *rc::gen::arbitrary<uint32_t>();
    t.ack = *rc::gen::arbitrary<uint32_t>();
    t.flags = *rc::gen::arbitrary<uint8_t>();
    t.window = *rc::gen::arbitrary<uint16_t>();
    t.urgent = *rc::gen::arbitrary<uint16_t>();
    t.options = *gen_tcp_options();
    return t;
  });
}

rc::Gen<UdpHeader> gen_udp() {
  return rc::gen::exec([] {
    UdpHeader u;
    u.src_port = *rc::gen::arbitrary<uint16_t>();
    u.dst_port = *rc::gen::arbitrary<uint16_t>();
    return u;
  });
}

rc::Gen<IcmpHeader> gen_icmp(IpFamily family) {
  return rc::gen::exec([family] {
    IcmpHeader i;
    const bool v4 = family == IpFamily::kV4;
    // Mostly echo request/reply; sometimes any type (errors quote arbitrary bytes).
    i.type = *rc::gen::weightedOneOf<uint8_t>(
        {{4, rc::gen::element(uint8_t{v4 ? icmp_type::kEchoRequest : icmpv6_type::kEchoRequest},
                              uint8_t{v4 ? icmp_type::kEchoReply : icmpv6_type::kEchoReply})},
         {1, rc::gen::arbitrary<uint8_t>()}});
    i.code = *rc::gen::weightedOneOf<uint8_t>({{4, rc::gen::just<uint8_t>(0)}, {1, rc::gen::arbitrary<uint8_t>()}});
    i.rest = *rc::gen::arbitrary<uint32_t>();
    return i;
  });
}

// A protocol number the parser does not treat as an L4 header or (v6) an
// extension header: it keeps the rest as payload.
rc::Gen<uint8_t> gen_opaque_protocol(IpFamily family) {
  return rc::gen::suchThat(rc::gen::arbitrary<uint8_t>(), [family](uint8_t p) {
    if (p == ip_proto::kTcp || p == ip_proto::kUdp) return false;
    if (family == IpFamily::kV4) return p != ip_proto::kIcmp;
    return p != ip_proto::kIcmpv6 && p != ip_proto::kHopByHop && p != ip_proto::kRouting &&
           p != ip_proto::kFragment && p != ip_proto::kDestinationOptions;
  });
}

rc::Gen<std::vector<Ipv6ExtensionHeader>> gen_extension_headers() {
  return rc::gen::exec([] {
    std::vector<Ipv6ExtensionHeader> ext;
    if (*rc::gen::element(false, false, true)) {
      ext.push_back({ip_proto::kHopByHop, *gen_bytes(6, 6)});
    }
    const size_t more = *rc::gen::inRange<size_t>(0, 4);
    for (size_t i = 0; i < more; ++i) {
      const uint8_t type = *rc::gen::element(ip_proto::kRouting, ip_proto::kDestinationOptions);
      const size_t units = *rc::gen::inRange<size_t>(0, 4);
      ext.push_back({type, *gen_bytes(6 + 8 * units, 6 + 8 * units)});
    }
    return ext;
  });
}

struct GenOptions {
  bool allow_non_ip = true;
};

rc::Gen<Packet> gen_packet(GenOptions opts = {}) {
  return rc::gen::exec([opts] {
    Packet p;
    EthernetHeader eth;
    eth.src = *gen_mac();
    eth.dst = *gen_mac();
    if (*rc::gen::arbitrary<bool>()) eth.vlan_tci = *rc::gen::arbitrary<uint16_t>();
    const size_t payload_max = *rc::gen::element<size_t>(0, 8, 64, 600);

    if (opts.allow_non_ip && *rc::gen::element(false, false, false, false, false, false, false, true)) {
      // A non-IP frame: everything after the Ethernet header is payload.
      eth.ether_type = *rc::gen::suchThat(rc::gen::arbitrary<uint16_t>(), [](uint16_t t) {
        return t != ether_type::kIpv4 && t != ether_type::kIpv6 && t != ether_type::kVlan;
      });
      p.eth = eth;
      p.payload = *gen_bytes(0, payload_max);
      return p;
    }

    const IpFamily family = *rc::gen::element(IpFamily::kV4, IpFamily::kV6);
    eth.ether_type = family == IpFamily::kV4 ? ether_type::kIpv4 : ether_type::kIpv6;
    p.eth = eth;

    IpHeader ip;
    ip.family = family;
    ip.src = make_address(family, *rc::gen::arbitrary<std::array<uint8_t, 16>>());
    ip.dst = make_address(family, *rc::gen::arbitrary<std::array<uint8_t, 16>>());
    ip.tos = *rc::gen::arbitrary<uint8_t>();
    ip.ttl = *rc::gen::arbitrary<uint8_t>();
    bool later_fragment = false;
    if (family == IpFamily::kV4) {
      ip.identification = *rc::gen::arbitrary<uint16_t>();
      ip.dont_fragment = *rc::gen::arbitrary<bool>();
      switch (*rc::gen::inRange(0, 5)) {
        case 0:  // first fragment
          ip.more_fragments = true;
          break;
        case 1:  // later fragment
          ip.more_fragments = *rc::gen::arbitrary<bool>();
          ip.fragment_offset = *rc::gen::inRange<uint16_t>(1, 0x2000);
          later_fragment = true;
          break;
        default: break;
      }
      const size_t words = *rc::gen::element<size_t>(0, 0, 0, 1, 2, 10);
      ip.options = *gen_bytes(4 * words, 4 * words);
    } else {
      ip.flow_label = *rc::gen::inRange<uint32_t>(0, 1u << 20);
      ip.extension_headers = *gen_extension_headers();
      if (*rc::gen::element(false, false, true)) {
        Ipv6FragmentHeader f;
        f.offset = *rc::gen::element<uint16_t>(0, 0, 1, 0x1fff, 185);
        f.more_fragments = *rc::gen::arbitrary<bool>();
        f.identification = *rc::gen::arbitrary<uint32_t>();
        later_fragment = f.offset != 0;
        ip.fragment = f;
      }
    }

    const int l4_kind = later_fragment ? 3 : *rc::gen::inRange(0, 4);
    switch (l4_kind) {
      case 0:
        p.l4 = *gen_tcp();
        ip.protocol = ip_proto::kTcp;
        break;
      case 1:
        p.l4 = *gen_udp();
        ip.protocol = ip_proto::kUdp;
        break;
      case 2:
        p.l4 = *gen_icmp(family);
        ip.protocol = family == IpFamily::kV4 ? ip_proto::kIcmp : ip_proto::kIcmpv6;
        break;
      default:
        // Later fragments carry any protocol number; otherwise an opaque one.
        ip.protocol = later_fragment ? *rc::gen::arbitrary<uint8_t>() : *gen_opaque_protocol(family);
        break;
    }
    p.ip = ip;
    p.payload = *gen_bytes(0, payload_max);
    return p;
  });
}

// Forces some stored checksums to arbitrary (usually wrong) values.
rc::Gen<Packet> gen_packet_with_forced_checksums() {
  return rc::gen::exec([] {
    Packet p = *gen_packet();
    if (p.ip && p.ip->family == IpFamily::kV4 && *rc::gen::arbitrary<bool>()) {
      p.ip->checksum = *rc::gen::arbitrary<uint16_t>();
    }
    if (*rc::gen::arbitrary<bool>()) {
      const uint16_t value = *rc::gen::arbitrary<uint16_t>();
      if (auto* t = p.tcp()) t->checksum = value;
      if (auto* u = p.udp()) u->checksum = value;
      if (auto* i = p.icmp()) i->checksum = value;
    }
    return p;
  });
}

std::string show(const Packet& p) {
  std::ostringstream os;
  os << p;
  return os.str();
}

RC_GTEST_PROP(PacketRoundTrip, ParseOfSerializeIsIdentity, ()) {
  const Packet p = *gen_packet();
  const std::vector<uint8_t> frame = serialize_frame(p);
  RC_LOG() << "packet: " << show(p) << "\nframe: " << to_hex(frame) << "\n";
  auto r = parse_frame(frame);
  RC_ASSERT(r.ok());
  Packet parsed = *r;
  // Computed checksums verify.
  RC_ASSERT(parsed.ip_checksum_ok);
  RC_ASSERT(parsed.l4_checksum_ok);
  RC_ASSERT(!parsed.l4_truncated);
  Packet expected = p;
  clear_checksums(parsed);
  clear_checksums(expected);
  RC_ASSERT(parsed == expected);
}

RC_GTEST_PROP(PacketRoundTrip, SerializeOfParseIsIdentity, ()) {
  const Packet p = *gen_packet_with_forced_checksums();
  const std::vector<uint8_t> frame = serialize_frame(p);
  RC_LOG() << "frame: " << to_hex(frame) << "\n";
  auto r = parse_frame(frame);
  RC_ASSERT(r.ok());
  RC_ASSERT(serialize_frame(*r) == frame);
  // serialize_ip agrees with the frame minus its Ethernet header.
  if (r->ip) {
    const size_t eth_len = r->eth->vlan_tci ? 18 : 14;
    RC_ASSERT(serialize_ip(*r) == std::vector<uint8_t>(frame.begin() + static_cast<long>(eth_len), frame.end()));
  }
  // A forced checksum survives in the model, and is judged correctly.
  if (p.ip && p.ip->checksum) {
    RC_ASSERT(r->ip->checksum == p.ip->checksum);
  }
}

// Ethernet padding after the IP packet (short frames are padded to 60 bytes)
// does not change the parse.
RC_GTEST_PROP(PacketRoundTrip, TrailingPaddingIgnored, ()) {
  GenOptions opts;
  opts.allow_non_ip = false;
  const Packet p = *gen_packet(opts);
  std::vector<uint8_t> frame = serialize_frame(p);
  const std::vector<uint8_t> padding = *gen_bytes(1, 46);
  auto plain = parse_frame(frame);
  RC_ASSERT(plain.ok());
  frame.insert(frame.end(), padding.begin(), padding.end());
  auto padded = parse_frame(frame);
  RC_ASSERT(padded.ok());
  RC_ASSERT(*padded == *plain);
}

// What an ICMP error quotes parses back (allowing a cut L4 header) to the
// same IP header and ports.
RC_GTEST_PROP(PacketRoundTrip, QuoteParsesBack, ()) {
  GenOptions opts;
  opts.allow_non_ip = false;
  const Packet p = *gen_packet(opts);
  const size_t l4_bytes = *rc::gen::element<size_t>(8, 8, 20, 64, 100000);
  const std::vector<uint8_t> quote = quote_for_icmp_error(p, l4_bytes);
  RC_LOG() << "quote: " << to_hex(quote) << "\n";
  auto q = parse_ip_packet(quote, true);
  RC_ASSERT(q.ok());
  IpHeader ip = *q->ip;
  IpHeader expected = *p.ip;
  ip.checksum.reset();
  expected.checksum.reset();
  RC_ASSERT(ip == expected);
  RC_ASSERT(q->l4.index() == p.l4.index());
  if (const TcpHeader* t = p.tcp()) {
    RC_ASSERT(q->tcp()->src_port == t->src_port);
    RC_ASSERT(q->tcp()->dst_port == t->dst_port);
    RC_ASSERT(q->tcp()->seq == t->seq);
  }
  if (const UdpHeader* u = p.udp()) {
    RC_ASSERT(q->udp()->src_port == u->src_port);
    RC_ASSERT(q->udp()->dst_port == u->dst_port);
  }
  if (const IcmpHeader* i = p.icmp()) {
    RC_ASSERT(q->icmp()->type == i->type);
    RC_ASSERT(q->icmp()->rest == i->rest);
  }
  // Quoting everything gives the whole, untruncated packet.
  if (l4_bytes == 100000) {
    RC_ASSERT(!q->l4_truncated);
    RC_ASSERT(quote == serialize_ip(p));
  }
}

// Arbitrary bytes never crash the parser; what it accepts re-serializes to
// something it accepts again.
RC_GTEST_PROP(PacketRoundTrip, ArbitraryBytesNeverCrash, (const std::vector<uint8_t>& tail)) {
  // Bias towards frames that get past the Ethernet header.
  const uint16_t type = *rc::gen::element(ether_type::kIpv4, ether_type::kIpv6, ether_type::kVlan,
                                          ether_type::kArp);
  std::vector<uint8_t> frame(12, 0);
  frame.push_back(static_cast<uint8_t>(type >> 8));
  frame.push_back(static_cast<uint8_t>(type));
  if (type == ether_type::kVlan) {
    frame.insert(frame.end(), {0, 1, 0x08, 0x00});
  }
  frame.insert(frame.end(), tail.begin(), tail.end());
  auto r = parse_frame(frame);
  (void)parse_ip_packet(tail, true);
  if (r.ok()) {
    auto again = parse_frame(serialize_frame(*r));
    RC_ASSERT(again.ok());
  }
}

// A mutated builder frame never crashes the parser either.
RC_GTEST_PROP(PacketRoundTrip, MutatedFramesNeverCrash, ()) {
  std::vector<uint8_t> frame = serialize_frame(*gen_packet());
  const size_t flips = *rc::gen::inRange<size_t>(1, 5);
  for (size_t i = 0; i < flips && !frame.empty(); ++i) {
    const size_t at = *rc::gen::inRange<size_t>(0, frame.size());
    frame[at] = *rc::gen::arbitrary<uint8_t>();
  }
  if (*rc::gen::arbitrary<bool>()) frame.resize(*rc::gen::inRange<size_t>(0, frame.size() + 1));
  auto r = parse_frame(frame);
  if (r.ok()) {
    if (r->is_icmp_error()) (void)parse_quoted_packet(*r);
    auto again = parse_frame(serialize_frame(*r));
    RC_ASSERT(again.ok());
  }
}

}  // namespace
}  // namespace ctc
