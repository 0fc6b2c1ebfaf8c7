#include "adapters/builtin/frame.h"

namespace ctc::builtin {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint8_t kProtoHopByHop = 0, kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17,
                  kProtoRouting = 43, kProtoFragment = 44, kProtoIcmpv6 = 58, kProtoNoNext = 59,
                  kProtoDestOpts = 60;
// packet_parser.cpp kMaxExtensionHeaders.
constexpr unsigned kMaxExtensionHeaders = 8;

bool is_extension(uint8_t next) {
  return next == kProtoHopByHop || next == kProtoRouting || next == kProtoDestOpts ||
         next == kProtoFragment;
}

bool is_icmp_for(uint8_t family, uint8_t protocol) {
  return (family == 4 && protocol == kProtoIcmp) || (family == 6 && protocol == kProtoIcmpv6);
}

// TCP options up to the header length: false when an option's length is
// broken (the model's parse error). Notes the first window-scale option (its
// value only when well sized, as TcpHeader::window_scale()) and SACK-permitted.
bool walk_tcp_options(const uint8_t* t, uint32_t hlen, bool& has_wscale, uint8_t& wscale,
                      bool& sack) {
  bool seen_wscale = false;
  for (uint32_t at = 20; at < hlen;) {
    const uint8_t kind = t[at];
    if (kind == 0 || kind == 1) {
      ++at;
      continue;
    }
    if (at + 2 > hlen || t[at + 1] < 2 || at + t[at + 1] > hlen) return false;
    if (kind == 3 && !seen_wscale) {
      seen_wscale = true;
      has_wscale = t[at + 1] == 3;
      if (has_wscale) wscale = t[at + 2];
    }
    if (kind == 4) sack = true;
    at += t[at + 1];
  }
  return true;
}

// Upper layer of an unquoted packet; false: malformed.
bool extract_l4(const uint8_t* d, Layout& l) {
  const uint8_t* r = d + l.l4;
  const uint32_t n = l.ip_end - l.l4;
  if (l.protocol == kProtoTcp) {
    if (n < 20) return false;
    const uint32_t hlen = (r[12] >> 4) * 4u;
    if (hlen < 20 || hlen > n) return false;
    if (!walk_tcp_options(r, hlen, l.has_wscale, l.wscale, l.sack_perm)) return false;
    l.tcp_hlen = static_cast<uint8_t>(hlen);
    l.l4_kind = L4Kind::kTcp;
  } else if (l.protocol == kProtoUdp) {
    // A first fragment's UDP length covers the whole datagram: only a length
    // below the bytes present is inconsistent there.
    const uint32_t length = n < 8 ? 0 : load16(r + 4);
    if (n < 8 || (l.frag == FragKind::kFirst ? length < n : length != n)) return false;
    l.l4_kind = L4Kind::kUdp;
  } else if (is_icmp_for(l.family, l.protocol)) {
    if (n < 8) return false;
    l.l4_kind = L4Kind::kIcmp;
  }
  return true;
}

bool extract_ipv4(const uint8_t* d, uint32_t at, uint32_t n, Layout& l) {
  const uint8_t* b = d + at;
  const uint32_t m = n - at;
  if (m < 20) return false;
  const uint32_t hlen = (b[0] & 0x0f) * 4u;
  if (hlen < 20 || hlen > m) return false;
  const uint32_t total = load16(b + 2);
  if (total < hlen || total > m) return false;
  const uint16_t offset = load16(b + 6) & 0x1fff;
  const bool more = (b[6] & 0x20) != 0;
  l.family = 4;
  l.l3 = at;
  l.l4 = at + hlen;
  l.ip_end = at + total;
  l.protocol = b[9];
  if (offset != 0) {
    l.frag = FragKind::kLater;
    return true;
  }
  l.frag = more ? FragKind::kFirst : FragKind::kNone;
  return extract_l4(d, l);
}

bool extract_ipv6(const uint8_t* d, uint32_t at, uint32_t n, Layout& l) {
  const uint8_t* b = d + at;
  const uint32_t m = n - at;
  if (m < 40) return false;
  const uint32_t payload = load16(b + 4);
  uint8_t next = b[6];
  if (payload == 0 && next == kProtoHopByHop) return false;  // jumbogram: unsupported
  const uint32_t end = 40 + payload;
  if (end > m) return false;
  uint32_t pos = 40;
  bool fragment = false, later = false, more = false;
  for (unsigned count = 0; is_extension(next); ++count) {
    if (count >= kMaxExtensionHeaders || fragment) return false;
    if (next == kProtoHopByHop && count != 0) return false;
    if (pos + 8 > end) return false;
    if (next == kProtoFragment) {
      fragment = true;
      l.frag_hdr = at + pos;
      later = (load16(b + pos + 2) >> 3) != 0;
      more = (b[pos + 3] & 1) != 0;
      next = b[pos];
      pos += 8;
      // A later fragment starts in the middle of the fragmentable part:
      // whatever `next` names is not here.
      if (later) break;
      continue;
    }
    const uint32_t len = (uint32_t{b[pos + 1]} + 1) * 8;
    if (pos + len > end) return false;
    next = b[pos];
    pos += len;
  }
  l.family = 6;
  l.l3 = at;
  l.l4 = at + pos;
  l.ip_end = at + end;
  l.protocol = next;
  // IpHeader::is_fragment(): any fragment header, even an atomic one.
  l.frag = !fragment ? FragKind::kNone
           : later   ? FragKind::kLater
           : more    ? FragKind::kFirst
                     : FragKind::kAtomic;
  if (later || next == kProtoNoNext) return true;
  return extract_l4(d, l);
}

void mark_malformed(const uint8_t* d, Layout& l) {
  const uint32_t size = l.size;
  l = Layout{};
  l.size = size;
  l.malformed = true;
  l.has_eth = size >= 14;
  if (l.has_eth) l.ether_type = load16(d + 12);
}

// Quoted upper layer (parse_ip_packet with allow_truncated_l4).
bool extract_quoted_l4(const uint8_t* q, uint32_t l4, uint32_t end, QuotedLayout& out) {
  const uint8_t* r = q + l4;
  const uint32_t n = end - l4;
  out.l4 = l4;
  out.l4_avail = n;
  if (out.protocol == kProtoTcp) {
    if (n < 20) {
      if (n < 4) return false;
    } else {
      const uint32_t hlen = (r[12] >> 4) * 4u;
      if (hlen < 20) return false;
      bool has_wscale = false, sack = false;
      uint8_t wscale = 0;
      if (hlen <= n && !walk_tcp_options(r, hlen, has_wscale, wscale, sack)) return false;
    }
    out.l4_kind = L4Kind::kTcp;
  } else if (out.protocol == kProtoUdp) {
    if (n < 4) return false;
    out.l4_kind = L4Kind::kUdp;
  } else if (is_icmp_for(out.family, out.protocol)) {
    if (n < 2) return false;
    out.l4_kind = L4Kind::kIcmp;
  }
  return true;
}

}  // namespace

void extract(const uint8_t* d, uint32_t n, Layout& l) {
  l = Layout{};
  l.size = n;
  if (n < 14) {
    l.malformed = true;
    return;
  }
  l.has_eth = true;
  uint16_t type = load16(d + 12);
  uint32_t at = 14;
  if (type == kEtherVlan) {
    if (n < 18) return mark_malformed(d, l);
    l.has_vlan = true;
    type = load16(d + 16);
    at = 18;
  }
  l.ether_type = type;
  if (type != kEtherIpv4 && type != kEtherIpv6) return;
  if (at >= n) return mark_malformed(d, l);
  const unsigned version = d[at] >> 4;
  bool ok = false;
  if (type == kEtherIpv4 && version == 4) ok = extract_ipv4(d, at, n, l);
  if (type == kEtherIpv6 && version == 6) ok = extract_ipv6(d, at, n, l);
  if (!ok) mark_malformed(d, l);
}

QuotedLayout extract_quoted(const uint8_t* q, uint32_t n) {
  QuotedLayout out;
  if (n == 0) return out;
  const unsigned version = q[0] >> 4;
  uint32_t l4 = 0, end = 0;
  if (version == 4) {
    if (n < 20) return out;
    const uint32_t hlen = (q[0] & 0x0f) * 4u;
    if (hlen < 20 || hlen > n) return out;
    const uint32_t total = load16(q + 2);
    if (total < hlen) return out;
    end = total > n ? n : total;
    out.family = 4;
    out.protocol = q[9];
    const uint16_t offset = load16(q + 6) & 0x1fff;
    out.fragment = offset != 0 || (q[6] & 0x20) != 0;
    l4 = hlen;
    if (offset != 0) {
      out.ok = true;
      out.l4 = l4;
      out.l4_avail = end - l4;
      return out;
    }
  } else if (version == 6) {
    if (n < 40) return out;
    const uint32_t payload = load16(q + 4);
    uint8_t next = q[6];
    if (payload == 0 && next == kProtoHopByHop) return out;
    end = 40 + payload > n ? n : 40 + payload;
    uint32_t pos = 40;
    bool fragment = false, later = false;
    for (unsigned count = 0; is_extension(next); ++count) {
      if (count >= kMaxExtensionHeaders || fragment) return out;
      if (next == kProtoHopByHop && count != 0) return out;
      if (pos + 8 > end) return out;
      if (next == kProtoFragment) {
        fragment = true;
        later = (load16(q + pos + 2) >> 3) != 0;
        next = q[pos];
        pos += 8;
        if (later) break;
        continue;
      }
      const uint32_t len = (uint32_t{q[pos + 1]} + 1) * 8;
      if (pos + len > end) return out;
      next = q[pos];
      pos += len;
    }
    out.family = 6;
    out.protocol = next;
    out.fragment = fragment;
    l4 = pos;
    if (later || next == kProtoNoNext) {
      out.ok = true;
      out.l4 = l4;
      out.l4_avail = end - l4;
      return out;
    }
  } else {
    return out;
  }
  out.ok = extract_quoted_l4(q, l4, end, out);
  return out;
}

// Sums are kept in the native domain: a correct checksum folds to 0xffff,
// which reads the same in either byte order.
void Frame::verify_now() {
  verified = true;
  ip_ok = l4_ok = true;
  l4_good = udp_zero = false;
  if (!is_ip()) return;
  const uint8_t* d = data();
  if (l.family == 4) ip_ok = fold(sum_native(d + l.l3, l.l4 - l.l3)) == 0xffff;
  // A first fragment's checksum covers bytes that are not here: not verified.
  if (l.l4_kind == L4Kind::kNone || l.frag == FragKind::kFirst) return;
  const uint8_t* r = d + l.l4;
  const uint32_t n = l.l4_len();
  if (l.l4_kind == L4Kind::kUdp && load16(r + 6) == 0) {
    // RFC 768: zero means "no checksum" over IPv4; RFC 8200 8.1 forbids it over IPv6.
    l4_ok = udp_zero = l.family == 4;
    return;
  }
  WideSum sum;
  sum.add_bytes(r, n);
  if (l.l4_kind != L4Kind::kIcmp || l.family == 6) {  // pseudo-header
    // The destination address directly follows the source in both IP
    // headers: 8 bytes (one word) or 32 (four).
    if (l.family == 4) {
      uint64_t addresses;
      std::memcpy(&addresses, d + l.src_at(), sizeof addresses);
      sum.add(addresses);
    } else {
      sum.add4(d + l.src_at());
    }
    sum.add(native_word(static_cast<uint16_t>(n >> 16)) + native_word(static_cast<uint16_t>(n)) +
            native_word(l.protocol));
  }
  const uint64_t s = sum.folded();
  l4_ok = fold(s) == 0xffff;
  l4_good = l4_ok;
}

void Frame::reset_checksums(bool keep_udp_zero) {
  verify();
  modified = true;
  if (l.family == 4 && ip_mode == CsumMode::kKeep) {
    ip_mode = ip_ok ? CsumMode::kIncremental : CsumMode::kRecompute;
  }
  if (l.l4_kind == L4Kind::kNone || l4_mode != CsumMode::kKeep) return;
  if (keep_udp_zero && l.l4_kind == L4Kind::kUdp && l.family == 4 && load16(data() + l.l4 + 6) == 0) {
    return;
  }
  l4_mode = l4_good ? CsumMode::kIncremental : CsumMode::kRecompute;
}

void Frame::write_l3(uint32_t at, const uint8_t* src, size_t n, bool in_ip_csum, bool in_l4_csum) {
  uint8_t* d = data();
  const Delta delta = patch(d, at, src, n);
  if (in_ip_csum && l.family == 4 && ip_mode == CsumMode::kIncremental) apply(d + l.l3 + 10, delta);
  if (!in_l4_csum || l4_mode != CsumMode::kIncremental) return;
  switch (l.l4_kind) {
    case L4Kind::kTcp: apply(d + l.l4 + 16, delta); break;
    case L4Kind::kUdp:
      apply(d + l.l4 + 6, delta);
      // RFC 768: a computed zero is sent as all ones.
      if (load16(d + l.l4 + 6) == 0) store16(d + l.l4 + 6, 0xffff);
      break;
    case L4Kind::kIcmp: apply(d + l.l4 + 2, delta); break;
    case L4Kind::kNone: break;
  }
}

void Frame::l4_checksum_full(uint8_t* d, uint32_t end) const {
  const uint32_t n = end - l.l4;
  uint32_t at = 0;
  switch (l.l4_kind) {
    case L4Kind::kTcp: at = l.l4 + 16; break;
    case L4Kind::kUdp: at = l.l4 + 6; break;
    case L4Kind::kIcmp: at = l.l4 + 2; break;
    case L4Kind::kNone: return;
  }
  store16(d + at, 0);
  uint64_t sum = sum_bytes(d + l.l4, n);
  if (l.l4_kind != L4Kind::kIcmp || l.family == 6) {
    sum += pseudo_sum(d + l.src_at(), d + l.dst_at(), l.addr_len(), l.protocol, n);
  }
  uint16_t value = finish(sum);
  if (l.l4_kind == L4Kind::kUdp && value == 0) value = 0xffff;
  store16(d + at, value);
}

void Frame::emit(std::vector<uint8_t>& out) const {
  out.clear();
  emit_append(out);
}

// serialize_frame() of the parsed model, done on bytes: what the model drops
// (Ethernet padding, the IPv4 reserved flag, TCP's reserved bits, IPv6
// fragment-header reserved fields) is dropped, and reset checksums computed.
void Frame::emit_append(std::vector<uint8_t>& out) const {
  const size_t base = out.size();
  if (!modified) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return;
  }
  if (l.malformed) {
    // Only the Ethernet header was parsed: it is all that is rebuilt.
    out.insert(out.end(), bytes.begin(), bytes.begin() + 12);
    out.push_back(static_cast<uint8_t>(l.ether_type >> 8));
    out.push_back(static_cast<uint8_t>(l.ether_type));
    return;
  }
  if (!is_ip()) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return;
  }
  out.insert(out.end(), bytes.begin(), bytes.begin() + l.ip_end);
  uint8_t* d = out.data() + base;
  if (l.family == 4) {
    if (d[l.l3 + 6] & 0x80) {
      const uint8_t cleared = static_cast<uint8_t>(d[l.l3 + 6] & 0x7f);
      const Delta delta = patch(d, l.l3 + 6, &cleared, 1);
      if (ip_mode == CsumMode::kIncremental) apply(d + l.l3 + 10, delta);
    }
    if (ip_mode == CsumMode::kRecompute) {
      store16(d + l.l3 + 10, 0);
      store16(d + l.l3 + 10, finish(sum_bytes(d + l.l3, l.l4 - l.l3)));
    }
  } else if (l.frag_hdr != 0) {
    d[l.frag_hdr + 1] = 0;
    d[l.frag_hdr + 3] &= 0xf9;
  }
  if (l.l4_kind == L4Kind::kUdp && load16(d + l.l4 + 4) != l.l4_len()) {
    // The model writes the UDP length of the bytes it has (a first fragment's differs).
    const uint8_t length[2] = {static_cast<uint8_t>(l.l4_len() >> 8), static_cast<uint8_t>(l.l4_len())};
    const Delta delta = patch(d, l.l4 + 4, length, 2);
    if (l4_mode == CsumMode::kIncremental) apply(d + l.l4 + 6, delta);
  }
  if (l.l4_kind == L4Kind::kTcp && (d[l.l4 + 12] & 0x0f) != 0) {
    const uint8_t cleared = static_cast<uint8_t>(d[l.l4 + 12] & 0xf0);
    const Delta delta = patch(d, l.l4 + 12, &cleared, 1);
    if (l4_mode == CsumMode::kIncremental) apply(d + l.l4 + 16, delta);
  }
  if (l4_mode == CsumMode::kRecompute) l4_checksum_full(d, l.ip_end);
}

}  // namespace ctc::builtin
