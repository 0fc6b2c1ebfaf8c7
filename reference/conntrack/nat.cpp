#include "reference/conntrack/nat.h"

#include <algorithm>
#include <array>
#include <span>

#include "reference/packet/checksum.h"

namespace ctc {
namespace {

// Bounds the search in huge (IPv6) ranges; a range this crowded counts as exhausted.
constexpr uint64_t kMaxCandidates = 1u << 20;

bool has_ports(uint8_t protocol) { return protocol == ip_proto::kTcp || protocol == ip_proto::kUdp; }
bool is_icmp(uint8_t protocol) { return protocol == ip_proto::kIcmp || protocol == ip_proto::kIcmpv6; }

// RFC 1624 incremental update of a stored checksum when 16-bit-aligned bytes change.
uint16_t checksum_replace(uint16_t stored, std::span<const uint8_t> before,
                          std::span<const uint8_t> after) {
  uint32_t sum = static_cast<uint16_t>(~stored);
  for (size_t i = 0; i + 1 < before.size(); i += 2) {
    sum += static_cast<uint16_t>(~(before[i] << 8 | before[i + 1]));
    sum += static_cast<uint16_t>(after[i] << 8 | after[i + 1]);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
uint16_t get16(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

// Offsets inside a quoted IP packet (bytes as quoted, possibly cut short).
struct QuotedLayout {
  size_t src = 0, dst = 0, l4 = 0;
  uint8_t protocol = 0;
  bool v4 = true;
};

std::optional<QuotedLayout> layout_of(const std::vector<uint8_t>& q) {
  if (q.empty()) return std::nullopt;
  QuotedLayout l;
  if ((q[0] >> 4) == 4) {
    if (q.size() < 20) return std::nullopt;
    l.v4 = true;
    l.src = 12;
    l.dst = 16;
    l.l4 = (q[0] & 0x0f) * 4u;
    l.protocol = q[9];
    return l;
  }
  if (q.size() < 40) return std::nullopt;
  l.v4 = false;
  l.src = 8;
  l.dst = 24;
  uint8_t next = q[6];
  size_t at = 40;
  while (next == ip_proto::kHopByHop || next == ip_proto::kRouting ||
         next == ip_proto::kDestinationOptions || next == ip_proto::kFragment) {
    if (at + 2 > q.size()) return std::nullopt;
    const size_t len = next == ip_proto::kFragment ? 8 : (q[at + 1] + 1u) * 8;
    next = q[at];
    at += len;
  }
  l.l4 = at;
  l.protocol = next;
  return l;
}

// Sets the identifier of a quoted ICMP query, fixing the quoted ICMP
// checksum incrementally; only with the whole 8-byte header quoted (Linux
// icmp_manip_pkt() makes hdroff + sizeof(struct icmphdr) writable first).
void rewrite_quoted_icmp_id(std::vector<uint8_t>& q, const QuotedLayout& layout, uint16_t id) {
  if (!is_icmp(layout.protocol) || layout.l4 + 8 > q.size()) return;
  const size_t id_at = layout.l4 + 4;
  const std::array<uint8_t, 2> before = {q[id_at], q[id_at + 1]};
  put16(q, id_at, id);
  put16(q, layout.l4 + 2,
        checksum_replace(get16(q, layout.l4 + 2), before, std::span(q).subspan(id_at, 2)));
}

// Replaces one address (and optionally one port or ICMP identifier) of the
// quoted packet, keeping its checksums right where the quoted bytes hold them.
void rewrite_quoted(std::vector<uint8_t>& q, bool source_side, const IpAddress& addr,
                    std::optional<uint16_t> port, std::optional<uint16_t> icmp_id) {
  auto layout = layout_of(q);
  if (!layout) return;
  const size_t addr_at = source_side ? layout->src : layout->dst;
  const size_t n = addr.size();
  if (addr_at + n > q.size()) return;
  const std::vector<uint8_t> before(q.begin(), q.end());
  std::copy_n(addr.bytes.begin(), n, q.begin() + static_cast<long>(addr_at));
  if (port && has_ports(layout->protocol) && layout->l4 + 4 <= q.size()) {
    put16(q, layout->l4 + (source_side ? 0 : 2), *port);
  }
  if (icmp_id) rewrite_quoted_icmp_id(q, *layout, *icmp_id);
  if (layout->v4) {
    // The quoted IPv4 header checksum is fixed incrementally, so a header that
    // was wrong stays wrong (Linux csum_replace4 in nf_nat_ipv4_manip_pkt).
    put16(q, 10, checksum_replace(get16(q, 10), std::span(before).subspan(addr_at, n),
                                  std::span(q).subspan(addr_at, n)));
  }
  // The quoted L4 checksum is updated only when the quote holds it: a full UDP
  // header, or TCP with at least 18 bytes (Linux tcp_manip_pkt/udp_manip_pkt:
  // "we cannot update the checksum field since it is outside of the 8 bytes").
  size_t csum_at = 0;
  if (layout->protocol == ip_proto::kUdp && layout->l4 + 8 <= q.size()) {
    csum_at = layout->l4 + 6;
    if (layout->v4 && get16(q, csum_at) == 0) csum_at = 0;  // no checksum in use
  } else if (layout->protocol == ip_proto::kTcp && layout->l4 + 18 <= q.size()) {
    csum_at = layout->l4 + 16;
  }
  if (csum_at != 0) {
    uint16_t c = get16(q, csum_at);
    c = checksum_replace(c, std::span(before).subspan(addr_at, n), std::span(q).subspan(addr_at, n));
    if (port && has_ports(layout->protocol)) {
      const size_t port_at = layout->l4 + (source_side ? 0 : 2);
      c = checksum_replace(c, std::span(before).subspan(port_at, 2), std::span(q).subspan(port_at, 2));
    }
    put16(q, csum_at, c);
  }
}

void set_ports(Packet& p, std::optional<uint16_t> src, std::optional<uint16_t> dst) {
  if (TcpHeader* t = p.tcp()) {
    if (src) t->src_port = *src;
    if (dst) t->dst_port = *dst;
  } else if (UdpHeader* u = p.udp()) {
    if (src) u->src_port = *src;
    if (dst) u->dst_port = *dst;
  }
}

void set_icmp_id(Packet& p, uint16_t id) {
  if (IcmpHeader* i = p.icmp()) i->rest = (uint32_t{id} << 16) | (i->rest & 0xffffu);
}

void reset_checksums_after_rewrite(Packet& p) {
  if (p.ip) p.ip->checksum.reset();
  if (TcpHeader* t = p.tcp()) t->checksum.reset();
  if (UdpHeader* u = p.udp()) {
    // UDP over IPv4 without a checksum keeps none (RFC 768; both Linux and OVS).
    if (!(p.ip && p.ip->family == IpFamily::kV4 && u->checksum == uint16_t{0})) u->checksum.reset();
  }
  if (IcmpHeader* i = p.icmp()) i->checksum.reset();
}

}  // namespace

// The ports tried for a source port that must change: the original port
// first, then up from it within its class (1-511, 600-1023, 1024-65535),
// wrapping around: OVS lib/conntrack.c set_sport_range() +
// FOR_EACH_PORT_IN_RANGE. Linux nf_nat_l4proto_unique_tuple() uses the same
// classes but starts at a hashed offset, so its choice is not predictable.
static std::vector<std::pair<uint16_t, uint16_t>> source_port_walk(uint16_t original_port) {
  const auto [lo, hi] = original_port < 512    ? std::pair<uint16_t, uint16_t>{1, 511}
                        : original_port < 1024 ? std::pair<uint16_t, uint16_t>{600, 1023}
                                               : std::pair<uint16_t, uint16_t>{1024, 65535};
  std::vector<std::pair<uint16_t, uint16_t>> spans = {{original_port, original_port}};
  if (original_port < hi) spans.push_back({static_cast<uint16_t>(original_port + 1), hi});
  if (original_port > lo) spans.push_back({lo, static_cast<uint16_t>(original_port - 1)});
  return spans;
}

// The identifiers tried for an ICMP query without an identifier range: the
// original first, then up from it through the whole 16-bit space, wrapping
// (nf_nat_l4proto_unique_tuple(): min 0, range_size 65536; from a random
// offset in the kernel).
static std::vector<std::pair<uint16_t, uint16_t>> icmp_id_walk(uint16_t original_id) {
  std::vector<std::pair<uint16_t, uint16_t>> spans = {{original_id, original_id}};
  if (original_id < 65535) spans.push_back({static_cast<uint16_t>(original_id + 1), 65535});
  if (original_id > 0) spans.push_back({0, static_cast<uint16_t>(original_id - 1)});
  return spans;
}

std::optional<Tuple> choose_nat_tuple(const Tuple& original, const NatRange& range,
                                      const std::function<bool(const Tuple&)>& in_use,
                                      NatChoiceOptions options) {
  const bool snat = range.kind == NatRange::Kind::kSrc;
  const bool ports = has_ports(original.protocol);
  // The ICMP identifier is one field for both directions, so SNAT and DNAT
  // move the same one ("id is same for either direction").
  const bool icmp_ids = options.remap_icmp_id && is_icmp(original.protocol);
  const uint16_t original_port =
      icmp_ids ? original.icmp_id : (snat ? original.src_port : original.dst_port);

  std::vector<std::pair<uint16_t, uint16_t>> port_spans;  // inclusive
  if (icmp_ids) {
    // A port range does not apply to ICMP (nftables takes proto ranges for
    // TCP/UDP only; OVS has no ICMP ranges): the whole identifier space.
    port_spans = icmp_id_walk(original_port);
  } else if (!ports) {
    port_spans.push_back({0, 0});
  } else if (range.min_port == 0) {
    if (snat) {
      port_spans = source_port_walk(original_port);
    } else {
      port_spans.push_back({original_port, original_port});
    }
  } else {
    const uint16_t hi = std::max(range.min_port, range.max_port);
    if (original_port >= range.min_port && original_port <= hi) {
      port_spans.push_back({original_port, original_port});
    }
    port_spans.push_back({range.min_port, hi});
  }

  const IpAddress& lo = range.min_addr;
  const uint64_t address_count =
      range.max_addr < lo ? 1 : std::min<uint64_t>(range.max_addr.offset_from(lo), kMaxCandidates) + 1;
  auto candidate = [&](const IpAddress& addr, uint32_t port) {
    Tuple reply = original.reversed();
    if (snat) {
      reply.dst = addr;
      if (ports) reply.dst_port = static_cast<uint16_t>(port);
    } else {
      reply.src = addr;
      if (ports) reply.src_port = static_cast<uint16_t>(port);
    }
    if (icmp_ids) reply.icmp_id = static_cast<uint16_t>(port);
    return reply;
  };
  uint64_t tried = 0;
  for (const auto& [first, last] : port_spans) {
    for (uint32_t port = first; port <= last; ++port) {
      for (uint64_t a = 0; a < address_count; ++a) {
        if (++tried > kMaxCandidates) return std::nullopt;
        const Tuple reply = candidate(lo.plus(a), port);
        if (!in_use(reply)) return reply;
      }
    }
  }
  if (snat || !ports || !options.dnat_may_remap_source_port) return std::nullopt;
  // OVS nat_get_unique_tuple(): the destination stays the first candidate
  // and the source port moves; the original source port, already tried
  // above, is tried again and skipped.
  Tuple base = candidate(lo, port_spans.front().first);
  for (const auto& [first, last] : source_port_walk(original.src_port)) {
    for (uint32_t port = first; port <= last; ++port) {
      if (++tried > kMaxCandidates) return std::nullopt;
      base.dst_port = static_cast<uint16_t>(port);
      if (!in_use(base)) return base;
    }
  }
  return std::nullopt;
}

uint8_t apply_nat(Packet& packet, const Tuple& original, const Tuple& reply, bool snat, bool dnat,
                  Direction direction, bool related) {
  if (!packet.ip || (!snat && !dnat)) return 0;
  const bool forward = direction == Direction::kOriginal;
  // The tuple the packet must carry after translation.
  const Tuple& from = forward ? reply : original;
  const IpAddress target_src = from.dst, target_dst = from.src;
  const uint16_t target_sport = from.dst_port, target_dport = from.src_port;
  // Which side of this packet is translated: the source for SNAT going out and
  // for DNAT coming back (the "manip type" of Linux nf_nat).
  const bool manip_source = forward ? snat : dnat;
  const bool ports = has_ports(original.protocol);

  if (manip_source) {
    packet.ip->src = target_src;
  } else {
    packet.ip->dst = target_dst;
  }
  // Both ports come from the tuple, as OVS pat_packet() does: the side that
  // is not translated keeps its port unless the NAT had to move it too (an
  // OVS DNAT that remapped the source port).
  if (!related && ports) set_ports(packet, target_sport, target_dport);
  // A query of a connection whose identifier moved: both directions carry
  // the identifier of the tuple they travel as (from.icmp_id), and so does
  // the query an error quotes.
  std::optional<uint16_t> icmp_id;
  if (is_icmp(original.protocol) && original.icmp_id != reply.icmp_id) icmp_id = from.icmp_id;
  if (!related && icmp_id) set_icmp_id(packet, *icmp_id);
  if (related) {
    // The quoted packet went the other way: its opposite side is translated.
    std::optional<uint16_t> port;
    if (ports) port = manip_source ? target_sport : target_dport;
    rewrite_quoted(packet.payload, !manip_source, manip_source ? target_src : target_dst, port,
                   icmp_id);
  }
  reset_checksums_after_rewrite(packet);
  return manip_source ? CtState::kSnat : CtState::kDnat;
}

}  // namespace ctc
