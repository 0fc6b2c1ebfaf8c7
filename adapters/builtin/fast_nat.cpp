// NAT for the built-in conntrack: choosing the translated tuple (the
// deterministic candidate order documented in reference/conntrack/nat.h) and
// rewriting the frame's bytes in place, including the packet quoted by a
// RELATED ICMP error (Linux nf_nat_icmp_reply_translation, OVS reverse_nat_packet).
#include <algorithm>

#include "adapters/builtin/fast_conntrack.h"

namespace ctc::builtin {
namespace {

// Bounds the search in huge (IPv6) ranges; this crowded counts as exhausted.
constexpr uint64_t kMaxCandidates = 1u << 20;

bool has_ports(uint8_t proto) { return proto == 6 || proto == 17; }
bool is_icmp(uint8_t proto) { return proto == 1 || proto == 58; }

// RFC 1624 over a span, word by word, exactly as Linux csum_replace does it
// for the quoted headers (a wrong quoted checksum stays wrong).
uint16_t replace_sum(uint16_t stored, const uint8_t* before, const uint8_t* after, size_t n) {
  uint64_t sum = static_cast<uint16_t>(~stored);
  for (size_t i = 0; i + 1 < n; i += 2) {
    sum += static_cast<uint16_t>(~load16(before + i));
    sum += load16(after + i);
  }
  return finish(sum);
}

// Replaces one address (and one port) of the quoted packet `q`, keeping its
// own checksums where the quote holds them (Linux tcp_manip_pkt/udp_manip_pkt:
// "we cannot update the checksum field since it is outside of the 8 bytes").
// The identifier of a quoted ICMP query, with its quoted checksum, when the
// whole 8-byte header is quoted (Linux icmp_manip_pkt()).
void rewrite_quoted_icmp_id(uint8_t* q, uint32_t n, const QuotedLayout& ql, uint16_t id) {
  if (!is_icmp(ql.protocol) || ql.l4 + 8 > n) return;
  uint8_t before[2];
  std::memcpy(before, q + ql.l4 + 4, 2);
  store16(q + ql.l4 + 4, id);
  store16(q + ql.l4 + 2, replace_sum(load16(q + ql.l4 + 2), before, q + ql.l4 + 4, 2));
}

void rewrite_quoted(uint8_t* q, uint32_t n, bool source_side, const uint8_t* addr, size_t alen,
                    bool with_port, uint16_t port, std::optional<uint16_t> icmp_id) {
  const QuotedLayout ql = extract_quoted(q, n);
  if (!ql.ok) return;
  const bool v4 = ql.family == 4;
  const uint32_t addr_at = source_side ? (v4 ? 12 : 8) : (v4 ? 16 : 24);
  if (addr_at + alen > n) return;
  uint8_t before_addr[16], before_port[2] = {0, 0};
  std::memcpy(before_addr, q + addr_at, alen);
  std::memcpy(q + addr_at, addr, alen);
  const bool quoted_ports = has_ports(ql.protocol);
  const uint32_t port_at = ql.l4 + (source_side ? 0 : 2);
  if (with_port && quoted_ports && ql.l4 + 4 <= n) {
    std::memcpy(before_port, q + port_at, 2);
    store16(q + port_at, port);
  }
  if (icmp_id) rewrite_quoted_icmp_id(q, n, ql, *icmp_id);
  if (v4) store16(q + 10, replace_sum(load16(q + 10), before_addr, q + addr_at, alen));
  uint32_t csum_at = 0;
  if (ql.protocol == 17 && ql.l4 + 8 <= n) {
    csum_at = ql.l4 + 6;
    if (v4 && load16(q + csum_at) == 0) csum_at = 0;  // no checksum in use
  } else if (ql.protocol == 6 && ql.l4 + 18 <= n) {
    csum_at = ql.l4 + 16;
  }
  if (csum_at == 0) return;
  uint16_t c = replace_sum(load16(q + csum_at), before_addr, q + addr_at, alen);
  if (with_port && quoted_ports) c = replace_sum(c, before_port, q + port_at, 2);
  store16(q + csum_at, c);
}

}  // namespace

std::optional<Key> FastConntrack::choose_nat(const Key& original, const NatRange& range,
                                             int64_t now) {
  const bool snat = range.kind == NatRange::Kind::kSrc;
  const bool ports = has_ports(original.proto());
  // Profile::nat_remaps_icmp_id: an ICMP query's identifier takes the port's
  // place, for SNAT and DNAT alike (nf_nat_l4proto_unique_tuple(): "id is
  // same for either direction").
  const bool icmp_ids = profile_.nat_remaps_icmp_id && is_icmp(original.proto());
  const uint16_t original_port =
      icmp_ids ? original.icmp_id() : snat ? original.sport() : original.dport();

  std::pair<uint32_t, uint32_t> spans[3];  // inclusive port spans, tried in order
  size_t n_spans = 0;
  if (icmp_ids) {
    // The original identifier, then up through 0-65535, wrapping; a port
    // range does not apply to ICMP (reference/conntrack/nat.h).
    spans[n_spans++] = {original_port, original_port};
    if (original_port < 65535) spans[n_spans++] = {original_port + 1u, 65535};
    if (original_port > 0) spans[n_spans++] = {0, original_port - 1u};
  } else if (!ports) {
    spans[n_spans++] = {0, 0};
  } else if (range.min_port == 0) {
    spans[n_spans++] = {original_port, original_port};
    if (snat) {
      // Stay in the original port's class (1-511, 600-1023, 1024-65535) and
      // walk up from it, wrapping: OVS set_sport_range() + FOR_EACH_PORT_IN_RANGE.
      const uint32_t lo = original_port < 512 ? 1 : original_port < 1024 ? 600 : 1024;
      const uint32_t hi = original_port < 512 ? 511 : original_port < 1024 ? 1023 : 65535;
      if (original_port < hi) spans[n_spans++] = {original_port + 1u, hi};
      if (original_port > lo) spans[n_spans++] = {lo, original_port - 1u};
    }
  } else {
    const uint16_t hi = std::max(range.min_port, range.max_port);
    if (original_port >= range.min_port && original_port <= hi) {
      spans[n_spans++] = {original_port, original_port};
    }
    spans[n_spans++] = {range.min_port, hi};
  }
  const IpAddress& lo = range.min_addr;
  const uint64_t addresses =
      range.max_addr < lo ? 1 : std::min<uint64_t>(range.max_addr.offset_from(lo), kMaxCandidates) + 1;
  const Key base = reversed(original);
  uint64_t tried = 0;
  for (size_t s = 0; s < n_spans; ++s) {
    for (uint32_t port = spans[s].first; port <= spans[s].second; ++port) {
      for (uint64_t a = 0; a < addresses; ++a) {
        if (++tried > kMaxCandidates) return std::nullopt;
        Key reply = base;
        const IpAddress addr = lo.plus(a);
        set_address(reply, /*source=*/!snat, addr);
        if (ports && snat) reply.set_dport(static_cast<uint16_t>(port));
        if (ports && !snat) reply.set_sport(static_cast<uint16_t>(port));
        if (icmp_ids) reply.set_icmp_id(static_cast<uint16_t>(port));
        if (!in_use(reply, now) && !in_use(reversed(reply), now)) return reply;
      }
    }
  }
  if (snat || !ports || !profile_.dnat_may_remap_source_port) return std::nullopt;
  // OVS nat_get_unique_tuple(): with every destination taken, keep the first
  // one and walk the source port up from the original within its class.
  Key reply = base;
  set_address(reply, /*source=*/true, lo);
  reply.set_sport(static_cast<uint16_t>(spans[0].first));
  const uint32_t sport = original.sport();
  const uint32_t class_lo = sport < 512 ? 1 : sport < 1024 ? 600 : 1024;
  const uint32_t class_hi = sport < 512 ? 511 : sport < 1024 ? 1023 : 65535;
  const std::pair<uint32_t, uint32_t> walk[] = {{sport, class_hi}, {class_lo, sport - 1}};
  for (const auto& [first, last] : walk) {
    for (uint32_t port = first; port <= last; ++port) {
      if (++tried > kMaxCandidates) return std::nullopt;
      reply.set_dport(static_cast<uint16_t>(port));
      if (!in_use(reply, now) && !in_use(reversed(reply), now)) return reply;
    }
  }
  return std::nullopt;
}

uint8_t FastConntrack::apply_nat(Frame& f, const Conn& c, uint8_t dir, bool related) {
  if (!f.is_ip() || !c.nat()) return 0;
  const bool forward = dir == 0;
  // The tuple this packet must carry afterwards is the other direction's, reversed.
  const Key& from = forward ? c.key[1] : c.key[0];
  // Linux nf_nat "manip type": the source for SNAT going out and DNAT coming back.
  const bool manip_source = forward ? c.snat : c.dnat;
  const bool ports = has_ports(c.key[0].proto());
  const uint8_t* addr = manip_source ? from.dst() : from.src();
  const size_t alen = (manip_source ? from.dst_family() : from.src_family()) == 4 ? 4 : 16;
  const uint16_t port = manip_source ? from.dport() : from.sport();

  f.reset_checksums(/*keep_udp_zero=*/true);
  const Layout& l = f.l;
  // Addresses are in the ICMPv4 checksum only through the quote, never directly.
  const bool addr_in_l4 = l.l4_kind != L4Kind::kIcmp || l.family == 6;
  const uint32_t addr_at = manip_source ? l.src_at() : l.dst_at();
  // The header holds addr_len() bytes; a mismatched family writes what fits
  // the header, as the packet model's serializer does.
  uint8_t wire[16] = {};
  std::memcpy(wire, addr, alen);
  f.write_l3(addr_at, wire, l.addr_len(), true, addr_in_l4);
  if (!related && ports && (l.l4_kind == L4Kind::kTcp || l.l4_kind == L4Kind::kUdp)) {
    uint8_t b[2];
    store16(b, port);
    f.write_l3(l.l4 + (manip_source ? 0 : 2), b, 2, false, true);
    // Both ports come from the tuple (OVS pat_packet()): the other one moves
    // only when an OVS DNAT remapped the source port.
    const uint32_t other_at = l.l4 + (manip_source ? 2 : 0);
    const uint16_t other = manip_source ? from.sport() : from.dport();
    if (load16(f.data() + other_at) != other) {
      store16(b, other);
      f.write_l3(other_at, b, 2, false, true);
    }
  }
  // A query whose identifier the NAT moved carries the identifier of the
  // tuple it travels as, quoted or not (Linux icmp_manip_pkt()).
  std::optional<uint16_t> icmp_id;
  if (is_icmp(c.key[0].proto()) && c.key[0].icmp_id() != c.key[1].icmp_id()) icmp_id = from.icmp_id();
  if (!related && icmp_id && l.l4_kind == L4Kind::kIcmp && load16(f.data() + l.l4 + 4) != *icmp_id) {
    uint8_t b[2];
    store16(b, *icmp_id);
    f.write_l3(l.l4 + 4, b, 2, false, true);
  }
  if (related) {
    // The quoted packet went the other way: its opposite side is translated.
    rewrite_quoted(f.data() + l.l4 + 8, l.l4_len() - 8, !manip_source, addr, alen, ports, port,
                   icmp_id);
    f.l4_mode = CsumMode::kRecompute;  // the outer ICMP checksum, over the new quote
  }
  uint8_t bits = manip_source ? CtState::kSnat : CtState::kDnat;
  // Kernel OVS runs a null source binding after DNAT: +snat as well on
  // original-direction packets (net/openvswitch/conntrack.c ovs_ct_nat).
  if (profile_.dnat_original_reports_snat && c.dnat && !c.snat && forward) bits |= CtState::kSnat;
  // When that binding had to move the source port, the connection carries
  // IPS_SRC_NAT too and a reply runs both manipulations: +snat+dnat.
  const bool source_port_moved = c.dnat && !c.snat && ports && c.key[1].dport() != c.key[0].sport();
  if (profile_.dnat_original_reports_snat && source_port_moved && !forward) bits |= CtState::kDnat;
  return bits;
}

}  // namespace ctc::builtin
