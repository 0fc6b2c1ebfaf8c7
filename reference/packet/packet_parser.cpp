#include "reference/packet/packet_parser.h"

#include <ostream>

#include "reference/packet/checksum.h"

namespace ctc {
namespace {

constexpr size_t kMaxExtensionHeaders = 8;

using Bytes = std::span<const uint8_t>;

uint16_t be16(Bytes b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t be32(Bytes b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

ParseError fail(ParseErrorKind kind, size_t offset, std::string detail) {
  return ParseError{kind, offset, std::move(detail)};
}

// Calls visit(kind, data) for each option of a TCP options area, in order;
// returns the offset of the first option whose length runs past the area.
// Walked twice (count, then fill) so that the options are allocated once.
template <class Visit>
std::optional<size_t> walk_tcp_options(Bytes area, Visit visit) {
  for (size_t at = 0; at < area.size();) {
    const uint8_t kind = area[at];
    if (kind == 0 || kind == 1) {
      visit(kind, Bytes{});
      ++at;
      continue;
    }
    if (at + 2 > area.size() || area[at + 1] < 2 || at + area[at + 1] > area.size()) return at;
    visit(kind, area.subspan(at + 2, area[at + 1] - 2u));
    at += area[at + 1];
  }
  return std::nullopt;
}

// The vectors of a Packet that a parse replaces: the new contents reuse
// their storage (hot path: the datapath parses every frame into one Packet).
struct Storage {
  std::vector<uint8_t> ip_options;
  std::vector<TcpOption> tcp_options;
};

// Parses L4 headers out of `region` (which starts at absolute `base`).
class L4Parser {
 public:
  L4Parser(Packet& p, Bytes region, size_t base, bool quoted, bool verify, Storage& storage)
      : p_(p), r_(region), base_(base), quoted_(quoted), verify_(verify), storage_(storage) {}

  std::optional<ParseError> parse(uint8_t protocol) {
    if (quoted_) p_.quoted_l4_bytes = static_cast<uint32_t>(r_.size());
    switch (protocol) {
      case ip_proto::kTcp: return tcp();
      case ip_proto::kUdp: return udp();
      case ip_proto::kIcmp:
        if (p_.ip->family == IpFamily::kV4) return icmp();
        break;
      case ip_proto::kIcmpv6:
        if (p_.ip->family == IpFamily::kV6) return icmp();
        break;
      default: break;
    }
    p_.payload.assign(r_.begin(), r_.end());
    return std::nullopt;
  }

 private:
  bool truncated_ok(size_t need) {
    if (r_.size() >= need) return false;
    return quoted_;
  }

  uint32_t pseudo_sum(uint8_t protocol) const {
    return pseudo_header_sum(p_.ip->src, p_.ip->dst, protocol, static_cast<uint32_t>(r_.size()));
  }

  std::optional<ParseError> tcp() {
    TcpHeader t;
    t.options = std::move(storage_.tcp_options);
    t.options.clear();
    if (r_.size() < 20) {
      if (!quoted_ || r_.size() < 4) return fail(ParseErrorKind::kTruncated, base_, "TCP header");
      t.src_port = be16(r_, 0);
      t.dst_port = be16(r_, 2);
      if (r_.size() >= 8) t.seq = be32(r_, 4);
      if (r_.size() >= 12) t.ack = be32(r_, 8);
      p_.l4 = std::move(t);
      p_.l4_truncated = true;
      return std::nullopt;
    }
    t.src_port = be16(r_, 0);
    t.dst_port = be16(r_, 2);
    t.seq = be32(r_, 4);
    t.ack = be32(r_, 8);
    const size_t header_len = (r_[12] >> 4) * 4u;
    t.flags = r_[13];
    t.window = be16(r_, 14);
    t.checksum = be16(r_, 16);
    t.urgent = be16(r_, 18);
    if (header_len < 20) {
      return fail(ParseErrorKind::kBadHeaderLength, base_ + 12, "TCP data offset below 5");
    }
    if (header_len > r_.size()) {
      if (!truncated_ok(header_len)) return fail(ParseErrorKind::kTruncated, base_, "TCP options");
      p_.l4 = std::move(t);
      p_.l4_truncated = true;
      return std::nullopt;
    }
    const Bytes area = r_.subspan(20, header_len - 20);
    size_t count = 0;
    if (auto bad = walk_tcp_options(area, [&](uint8_t, Bytes) { ++count; })) {
      return fail(ParseErrorKind::kBadHeaderLength, base_ + 20 + *bad, "TCP option length");
    }
    t.options.reserve(count);
    walk_tcp_options(area, [&](uint8_t kind, Bytes data) { t.options.push_back({kind, data}); });
    if (verify_ && !quoted_) {
      p_.l4_checksum_ok = checksum_finish(checksum_add(pseudo_sum(ip_proto::kTcp), r_)) == 0;
    }
    p_.payload.assign(r_.begin() + header_len, r_.end());
    p_.l4 = std::move(t);
    return std::nullopt;
  }

  std::optional<ParseError> udp() {
    UdpHeader u;
    if (r_.size() < 8) {
      if (!quoted_ || r_.size() < 4) return fail(ParseErrorKind::kTruncated, base_, "UDP header");
      u.src_port = be16(r_, 0);
      u.dst_port = be16(r_, 2);
      p_.l4 = u;
      p_.l4_truncated = true;
      return std::nullopt;
    }
    u.src_port = be16(r_, 0);
    u.dst_port = be16(r_, 2);
    const uint16_t length = be16(r_, 4);
    u.checksum = be16(r_, 6);
    if (!quoted_) {
      // verify_ is false exactly for a first fragment, whose UDP length field
      // covers the whole datagram: it may exceed the bytes in this fragment
      // (only a length below them is inconsistent). Requiring equality there
      // rejected every real first fragment of a fragmented UDP datagram.
      if (verify_ ? length != r_.size() : length < r_.size()) {
        return fail(ParseErrorKind::kBadTotalLength, base_ + 4,
                    "UDP length " + std::to_string(length) + " but " + std::to_string(r_.size()) +
                        " bytes follow the IP header");
      }
      if (verify_) {
        if (*u.checksum == 0) {
          // RFC 768: zero means "no checksum" over IPv4; RFC 8200 8.1 forbids it over IPv6.
          p_.l4_checksum_ok = p_.ip->family == IpFamily::kV4;
        } else {
          p_.l4_checksum_ok = checksum_finish(checksum_add(pseudo_sum(ip_proto::kUdp), r_)) == 0;
        }
      }
    } else if (length > r_.size()) {
      p_.l4_truncated = true;
    }
    p_.payload.assign(r_.begin() + 8, r_.end());
    p_.l4 = u;
    return std::nullopt;
  }

  std::optional<ParseError> icmp() {
    if (r_.size() < 8) {
      if (!quoted_ || r_.size() < 2) return fail(ParseErrorKind::kTruncated, base_, "ICMP header");
      IcmpHeader i;
      i.type = r_[0];
      i.code = r_[1];
      if (r_.size() >= 4) i.checksum = be16(r_, 2);
      p_.l4 = i;
      p_.l4_truncated = true;
      return std::nullopt;
    }
    IcmpHeader i;
    i.type = r_[0];
    i.code = r_[1];
    i.checksum = be16(r_, 2);
    i.rest = be32(r_, 4);
    if (verify_ && !quoted_) {
      uint32_t sum = p_.ip->family == IpFamily::kV6 ? pseudo_sum(ip_proto::kIcmpv6) : 0;
      p_.l4_checksum_ok = checksum_finish(checksum_add(sum, r_)) == 0;
    }
    p_.payload.assign(r_.begin() + 8, r_.end());
    p_.l4 = i;
    return std::nullopt;
  }

  Packet& p_;
  Bytes r_;
  size_t base_;
  bool quoted_;
  bool verify_;
  Storage& storage_;
};

// Parses an IP packet starting at `b` (absolute offset `base`) into p.ip/l4.
std::optional<ParseError> parse_ipv4(Bytes b, size_t base, bool quoted, Packet& p,
                                     Storage& storage) {
  if (b.size() < 20) return fail(ParseErrorKind::kTruncated, base, "IPv4 header");
  if ((b[0] >> 4) != 4) return fail(ParseErrorKind::kBadVersion, base, "IP version is not 4");
  const size_t header_len = (b[0] & 0x0f) * 4u;
  if (header_len < 20) return fail(ParseErrorKind::kBadHeaderLength, base, "IPv4 IHL below 5");
  if (header_len > b.size()) return fail(ParseErrorKind::kTruncated, base, "IPv4 options");
  const uint16_t total = be16(b, 2);
  if (total < header_len) {
    return fail(ParseErrorKind::kBadTotalLength, base + 2, "IPv4 total length below header length");
  }
  size_t end = total;
  if (total > b.size()) {
    if (!quoted) {
      return fail(ParseErrorKind::kBadTotalLength, base + 2,
                  "IPv4 total length " + std::to_string(total) + " exceeds the " +
                      std::to_string(b.size()) + " bytes present");
    }
    end = b.size();
  }
  IpHeader& ip = p.ip.emplace();
  ip.family = IpFamily::kV4;
  ip.tos = b[1];
  ip.identification = be16(b, 4);
  ip.dont_fragment = (b[6] & 0x40) != 0;
  ip.more_fragments = (b[6] & 0x20) != 0;
  ip.fragment_offset = be16(b, 6) & 0x1fff;
  ip.ttl = b[8];
  ip.protocol = b[9];
  ip.checksum = be16(b, 10);
  ip.src = IpAddress::v4(be32(b, 12));
  ip.dst = IpAddress::v4(be32(b, 16));
  ip.options = std::move(storage.ip_options);
  ip.options.assign(b.begin() + 20, b.begin() + header_len);
  p.ip_checksum_ok = internet_checksum(b.first(header_len)) == 0;
  const bool later_fragment = ip.fragment_offset != 0;
  const bool first_fragment = ip.more_fragments && !later_fragment;
  const uint8_t protocol = ip.protocol;
  const Bytes l4 = b.subspan(header_len, end - header_len);
  if (later_fragment) {
    p.payload.assign(l4.begin(), l4.end());
    return std::nullopt;
  }
  // A first fragment's L4 checksum covers bytes we do not have: not verified.
  return L4Parser(p, l4, base + header_len, quoted, !first_fragment, storage).parse(protocol);
}

bool is_extension(uint8_t next) {
  return next == ip_proto::kHopByHop || next == ip_proto::kRouting ||
         next == ip_proto::kDestinationOptions || next == ip_proto::kFragment;
}

std::optional<ParseError> parse_ipv6(Bytes b, size_t base, bool quoted, Packet& p,
                                     Storage& storage) {
  if (b.size() < 40) return fail(ParseErrorKind::kTruncated, base, "IPv6 header");
  if ((b[0] >> 4) != 6) return fail(ParseErrorKind::kBadVersion, base, "IP version is not 6");
  IpHeader& ip = p.ip.emplace();
  ip.family = IpFamily::kV6;
  ip.tos = static_cast<uint8_t>(((b[0] & 0x0f) << 4) | (b[1] >> 4));
  ip.flow_label = ((b[1] & 0x0fu) << 16) | (uint32_t{b[2]} << 8) | b[3];
  const uint16_t payload_len = be16(b, 4);
  uint8_t next = b[6];
  ip.ttl = b[7];
  std::array<uint8_t, 16> addr;
  std::copy(b.begin() + 8, b.begin() + 24, addr.begin());
  ip.src = IpAddress::v6(addr);
  std::copy(b.begin() + 24, b.begin() + 40, addr.begin());
  ip.dst = IpAddress::v6(addr);
  if (payload_len == 0 && next == ip_proto::kHopByHop) {
    return fail(ParseErrorKind::kUnsupported, base + 4, "IPv6 jumbogram");
  }
  size_t end = 40 + size_t{payload_len};
  if (end > b.size()) {
    if (!quoted) {
      return fail(ParseErrorKind::kBadTotalLength, base + 4,
                  "IPv6 payload length " + std::to_string(payload_len) + " exceeds the frame");
    }
    end = b.size();
  }
  size_t at = 40;
  for (size_t count = 0; is_extension(next); ++count) {
    if (count >= kMaxExtensionHeaders) {
      return fail(ParseErrorKind::kBadExtensionChain, base + at, "more than 8 extension headers");
    }
    if (ip.fragment) {
      return fail(ParseErrorKind::kUnsupported, base + at, "extension header after a fragment header");
    }
    if (next == ip_proto::kHopByHop && count != 0) {
      return fail(ParseErrorKind::kBadExtensionChain, base + at, "hop-by-hop header not first");
    }
    if (at + 8 > end) return fail(ParseErrorKind::kTruncated, base + at, "IPv6 extension header");
    if (next == ip_proto::kFragment) {
      Ipv6FragmentHeader f;
      f.offset = be16(b, at + 2) >> 3;
      f.more_fragments = (b[at + 3] & 1) != 0;
      f.identification = be32(b, at + 4);
      ip.fragment = f;
      next = b[at];
      at += 8;
      // A later fragment carries bytes from the middle of the fragmentable
      // part: `next` names the header at its start, which is not here. Walking
      // on would parse fragment data as extension headers (and reject a valid
      // fragment whenever `next` is an extension header type).
      if (f.offset != 0) break;
      continue;
    }
    const size_t len = (size_t{b[at + 1]} + 1) * 8;
    if (at + len > end) return fail(ParseErrorKind::kTruncated, base + at, "IPv6 extension header");
    ip.extension_headers.push_back(
        {next, std::vector<uint8_t>(b.begin() + at + 2, b.begin() + at + len)});
    next = b[at];
    at += len;
  }
  ip.protocol = next;
  const bool later_fragment = ip.fragment && ip.fragment->offset != 0;
  const bool first_fragment = ip.fragment && ip.fragment->more_fragments && !later_fragment;
  const Bytes l4 = b.subspan(at, end - at);
  if (later_fragment || next == ip_proto::kNoNext) {
    p.payload.assign(l4.begin(), l4.end());
    return std::nullopt;
  }
  return L4Parser(p, l4, base + at, quoted, !first_fragment, storage).parse(next);
}

std::optional<ParseError> parse_ip_at(Bytes b, size_t base, bool quoted, Packet& p,
                                      Storage& storage) {
  if (b.empty()) return fail(ParseErrorKind::kTruncated, base, "IP header");
  switch (b[0] >> 4) {
    case 4: return parse_ipv4(b, base, quoted, p, storage);
    case 6: return parse_ipv6(b, base, quoted, p, storage);
    default: return fail(ParseErrorKind::kBadVersion, base, "IP version " + std::to_string(b[0] >> 4));
  }
}

}  // namespace

const char* to_string(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kTruncated: return "truncated";
    case ParseErrorKind::kBadHeaderLength: return "bad header length";
    case ParseErrorKind::kBadVersion: return "bad IP version";
    case ParseErrorKind::kBadTotalLength: return "bad length";
    case ParseErrorKind::kBadExtensionChain: return "bad IPv6 extension chain";
    case ParseErrorKind::kUnsupported: return "unsupported";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const ParseError& e) {
  return os << to_string(e.kind) << " at byte " << e.offset << ": " << e.detail;
}

Result<Packet, ParseError> parse_frame(std::span<const uint8_t> frame) {
  Packet p;
  if (auto e = parse_frame(frame, p)) return *std::move(e);
  return p;
}

std::optional<ParseError> parse_frame(std::span<const uint8_t> frame, Packet& p) {
  // Start from Packet{}, keeping the storage of the vectors a frame refills.
  Storage storage;
  if (p.ip) storage.ip_options = std::move(p.ip->options);
  if (TcpHeader* t = p.tcp()) storage.tcp_options = std::move(t->options);
  std::vector<uint8_t> payload = std::move(p.payload);
  p = Packet{};
  p.payload = std::move(payload);
  p.payload.clear();

  if (frame.size() < 14) return fail(ParseErrorKind::kTruncated, 0, "Ethernet header");
  EthernetHeader eth;
  std::copy(frame.begin(), frame.begin() + 6, eth.dst.bytes.begin());
  std::copy(frame.begin() + 6, frame.begin() + 12, eth.src.bytes.begin());
  eth.ether_type = be16(frame, 12);
  size_t at = 14;
  if (eth.ether_type == ether_type::kVlan) {
    if (frame.size() < 18) return fail(ParseErrorKind::kTruncated, 14, "802.1Q tag");
    eth.vlan_tci = be16(frame, 14);
    eth.ether_type = be16(frame, 16);
    at = 18;
  }
  const uint16_t type = eth.ether_type;
  p.eth = eth;
  const Bytes rest = frame.subspan(at);
  if (type == ether_type::kIpv4 || type == ether_type::kIpv6) {
    if (!rest.empty() && (rest[0] >> 4) != (type == ether_type::kIpv4 ? 4 : 6)) {
      return fail(ParseErrorKind::kBadVersion, at, "IP version disagrees with the ethertype");
    }
    return parse_ip_at(rest, at, false, p, storage);
  }
  p.payload.assign(rest.begin(), rest.end());
  return std::nullopt;
}

Result<Packet, ParseError> parse_ip_packet(std::span<const uint8_t> bytes, bool allow_truncated_l4) {
  Packet p;
  Storage storage;
  if (auto e = parse_ip_at(bytes, 0, allow_truncated_l4, p, storage)) return *std::move(e);
  return p;
}

Result<Packet, ParseError> parse_quoted_packet(const Packet& icmp_error) {
  if (!icmp_error.is_icmp_error()) {
    return fail(ParseErrorKind::kUnsupported, 0, "not an ICMP error");
  }
  return parse_ip_packet(icmp_error.payload, true);
}

}  // namespace ctc
