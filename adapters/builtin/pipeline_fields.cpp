#include "adapters/builtin/pipeline_pkt.h"

namespace ctc::builtin {
namespace {

uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

void store_be(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

U128 load128(const uint8_t* p) { return {load_be(p, 8), load_be(p + 8, 8)}; }

U128 merge(const U128& old, const U128& value, const U128& mask) {
  return (old & ~mask) | (value & mask);
}

bool is_v4(const Frame& f) { return f.l.family == 4; }
bool is_v6(const Frame& f) { return f.l.family == 6; }
bool has_ports(const Frame& f) { return f.l.l4_kind == L4Kind::kTcp || f.l.l4_kind == L4Kind::kUdp; }

uint8_t tos_of(const Frame& f) {
  const uint8_t* ip = f.data() + f.l.l3;
  if (is_v4(f)) return ip[1];
  return static_cast<uint8_t>(((ip[0] & 0x0f) << 4) | (ip[1] >> 4));
}

// The TOS / traffic-class byte, keeping the ECN bits.
void write_tos(Frame& f, uint8_t tos) {
  f.reset_checksums(false);
  const uint32_t at = f.l.l3;
  if (is_v4(f)) {
    f.write_l3(at + 1, &tos, 1, true, false);
    return;
  }
  const uint8_t* ip = f.data() + at;
  const uint8_t b[2] = {static_cast<uint8_t>((ip[0] & 0xf0) | (tos >> 4)),
                        static_cast<uint8_t>((ip[1] & 0x0f) | ((tos & 0x0f) << 4))};
  f.write_l3(at, b, 2, false, false);
}

// An address field: in the IPv4 header checksum and, through the
// pseudo-header, in TCP/UDP/ICMPv6 checksums (not ICMPv4's).
void write_address(Frame& f, uint32_t at, const uint8_t* bytes, size_t n) {
  f.reset_checksums(false);
  const bool in_l4 = f.l.l4_kind != L4Kind::kIcmp || f.l.family == 6;
  f.write_l3(at, bytes, n, f.l.family == 4, in_l4);
}

}  // namespace

U128 shl(const U128& v, unsigned n) {
  if (n == 0) return v;
  if (n >= 128) return {};
  if (n >= 64) return {v.lo << (n - 64), 0};
  return {(v.hi << n) | (v.lo >> (64 - n)), v.lo << n};
}

U128 shr(const U128& v, unsigned n) {
  if (n == 0) return v;
  if (n >= 128) return {};
  if (n >= 64) return {0, v.hi >> (n - 64)};
  return {v.hi >> n, (v.lo >> n) | (v.hi << (64 - n))};
}

U128 ones(unsigned offset, unsigned n_bits) {
  U128 m;
  if (n_bits >= 128) {
    m = {UINT64_MAX, UINT64_MAX};
  } else if (n_bits >= 64) {
    m = {n_bits == 64 ? 0 : (UINT64_MAX >> (128 - n_bits)), UINT64_MAX};
  } else {
    m = {0, n_bits == 0 ? 0 : (UINT64_MAX >> (64 - n_bits))};
  }
  return shl(m, offset);
}

U128 read_packet_field(const Pkt& p, FlowField field) {
  const Frame& f = p.f;
  const Layout& l = f.l;
  const uint8_t* d = f.data();
  switch (field) {
    case FlowField::kInPort:
    case FlowField::kDlType:
    case FlowField::kCtState: return read_field(p, field);
    case FlowField::kDlSrc: return {0, l.has_eth ? load_be(d + 6, 6) : 0};
    case FlowField::kDlDst: return {0, l.has_eth ? load_be(d, 6) : 0};
    case FlowField::kDlVlan: return {0, l.has_vlan ? (load16(d + 14) & 0x0fffu) : 0xffffu};
    case FlowField::kNwSrc: return {0, is_v4(f) ? load32(d + l.l3 + 12) : 0};
    case FlowField::kNwDst: return {0, is_v4(f) ? load32(d + l.l3 + 16) : 0};
    case FlowField::kIpv6Src: return is_v6(f) ? load128(d + l.l3 + 8) : U128{};
    case FlowField::kIpv6Dst: return is_v6(f) ? load128(d + l.l3 + 24) : U128{};
    case FlowField::kNwProto: return {0, f.is_ip() ? l.protocol : 0u};
    case FlowField::kNwTos: return {0, f.is_ip() ? (tos_of(f) & 0xfcu) : 0u};
    case FlowField::kIpDscp: return {0, f.is_ip() ? (tos_of(f) >> 2u) : 0u};
    case FlowField::kNwTtl: return {0, f.is_ip() ? d[l.l3 + (is_v4(f) ? 8 : 7)] : 0u};
    case FlowField::kTpSrc: return {0, has_ports(f) ? load16(d + l.l4) : 0u};
    case FlowField::kTpDst: return {0, has_ports(f) ? load16(d + l.l4 + 2) : 0u};
    case FlowField::kIcmpType: return {0, l.l4_kind == L4Kind::kIcmp ? d[l.l4] : 0u};
    case FlowField::kIcmpCode: return {0, l.l4_kind == L4Kind::kIcmp ? d[l.l4 + 1] : 0u};
    case FlowField::kTcpFlags: return {0, l.l4_kind == L4Kind::kTcp ? d[l.l4 + 13] : 0u};
    case FlowField::kCtZone: return {0, p.ct_visible ? p.ct.zone : 0u};
    case FlowField::kCtMark: return {0, p.ct_visible ? p.ct.mark : 0u};
    case FlowField::kCtLabel: return p.ct_visible ? U128{p.ct.label.hi, p.ct.label.lo} : U128{};
    case FlowField::kReg0: case FlowField::kReg1: case FlowField::kReg2: case FlowField::kReg3:
    case FlowField::kReg4: case FlowField::kReg5: case FlowField::kReg6: case FlowField::kReg7:
      return {0, p.regs[static_cast<size_t>(field) - static_cast<size_t>(FlowField::kReg0)]};
    case FlowField::kMetadata: return {0, p.metadata};
  }
  return {};
}

bool write_field(Pkt& p, FlowField field, const U128& value, const U128& mask) {
  Frame& f = p.f;
  const Layout& l = f.l;
  const U128 v = merge(read_field(p, field), value, mask);
  uint8_t b[16];
  switch (field) {
    case FlowField::kReg0: case FlowField::kReg1: case FlowField::kReg2: case FlowField::kReg3:
    case FlowField::kReg4: case FlowField::kReg5: case FlowField::kReg6: case FlowField::kReg7:
      p.regs[static_cast<size_t>(field) - static_cast<size_t>(FlowField::kReg0)] =
          static_cast<uint32_t>(v.lo);
      return true;
    case FlowField::kMetadata: p.metadata = v.lo; return true;
    case FlowField::kInPort: p.in_port = static_cast<uint16_t>(v.lo); return true;
    case FlowField::kDlSrc:
    case FlowField::kDlDst:
      if (!l.has_eth) return false;
      store_be(f.data() + (field == FlowField::kDlSrc ? 6 : 0), v.lo, 6);
      f.modified = true;
      return true;
    case FlowField::kDlVlan:
      if (!l.has_vlan) return false;
      store16(f.data() + 14, static_cast<uint16_t>((load16(f.data() + 14) & 0xf000u) | (v.lo & 0x0fffu)));
      f.modified = true;
      return true;
    case FlowField::kNwSrc:
    case FlowField::kNwDst:
      if (!is_v4(f)) return false;
      store_be(b, v.lo, 4);
      write_address(f, field == FlowField::kNwSrc ? l.src_at() : l.dst_at(), b, 4);
      return true;
    case FlowField::kIpv6Src:
    case FlowField::kIpv6Dst:
      if (!is_v6(f)) return false;
      store_be(b, v.hi, 8);
      store_be(b + 8, v.lo, 8);
      write_address(f, field == FlowField::kIpv6Src ? l.src_at() : l.dst_at(), b, 16);
      return true;
    case FlowField::kNwTos:
      if (!f.is_ip()) return false;
      write_tos(f, static_cast<uint8_t>((tos_of(f) & 0x03u) | (v.lo & 0xfcu)));
      return true;
    case FlowField::kIpDscp:
      if (!f.is_ip()) return false;
      write_tos(f, static_cast<uint8_t>((tos_of(f) & 0x03u) | ((v.lo & 0x3fu) << 2)));
      return true;
    case FlowField::kNwTtl:
      if (!f.is_ip()) return false;
      b[0] = static_cast<uint8_t>(v.lo);
      f.reset_checksums(false);
      f.write_l3(l.l3 + (is_v4(f) ? 8 : 7), b, 1, is_v4(f), false);
      return true;
    case FlowField::kTpSrc:
    case FlowField::kTpDst:
      if (!has_ports(f)) return false;
      store16(b, static_cast<uint16_t>(v.lo));
      f.reset_checksums(false);
      f.write_l3(l.l4 + (field == FlowField::kTpSrc ? 0 : 2), b, 2, false, true);
      return true;
    case FlowField::kIcmpType:
    case FlowField::kIcmpCode:
      if (l.l4_kind != L4Kind::kIcmp) return false;
      b[0] = static_cast<uint8_t>(v.lo);
      f.reset_checksums(false);
      f.write_l3(l.l4 + (field == FlowField::kIcmpType ? 0 : 1), b, 1, false, true);
      return true;
    case FlowField::kDlType:
    case FlowField::kNwProto:
    case FlowField::kTcpFlags:
    case FlowField::kCtState:
    case FlowField::kCtZone:
    case FlowField::kCtMark:
    case FlowField::kCtLabel:
      return false;  // read-only
  }
  return false;
}

}  // namespace ctc::builtin
