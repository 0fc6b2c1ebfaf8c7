#include "reference/flow/pipeline_packet.h"

#include <algorithm>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

U128 from_mac(const MacAddress& m) {
  uint64_t v = 0;
  for (uint8_t b : m.bytes) v = v << 8 | b;
  return {0, v};
}

MacAddress to_mac(const U128& v) {
  MacAddress m;
  for (int i = 5; i >= 0; --i) m.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(v.lo >> (8 * (5 - i)));
  return m;
}

U128 from_ipv6(const IpAddress& a) {
  U128 v;
  for (size_t i = 0; i < 8; ++i) v.hi = v.hi << 8 | a.bytes[i];
  for (size_t i = 8; i < 16; ++i) v.lo = v.lo << 8 | a.bytes[i];
  return v;
}

IpAddress to_ipv6(const U128& v) {
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v.hi >> (56 - 8 * i));
  for (size_t i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(v.lo >> (56 - 8 * i));
  return IpAddress::v6(b);
}

U128 merge(const U128& old, const U128& value, const U128& mask) {
  return (old & ~mask) | (value & mask);
}

bool is_v4(const Packet& p) { return p.ip && p.ip->family == IpFamily::kV4; }
bool is_v6(const Packet& p) { return p.ip && p.ip->family == IpFamily::kV6; }

}  // namespace

void PipelinePacket::write_frame(std::vector<uint8_t>& out) const {
  if (modified) {
    serialize_frame(packet, out);
  } else {
    out.assign(raw.begin(), raw.end());
  }
}

void PipelinePacket::start(std::span<const uint8_t> frame, uint16_t port) {
  // A parse failure still leaves the Ethernet header for L2 matches; ct() then
  // finds no IP and classifies the packet +inv.
  if (parse_frame(frame, packet)) {
    packet = Packet{};
    if (frame.size() >= 14) {
      EthernetHeader eth;
      std::copy_n(frame.begin(), 6, eth.dst.bytes.begin());
      std::copy_n(frame.begin() + 6, 6, eth.src.bytes.begin());
      eth.ether_type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
      packet.eth = eth;
    }
  }
  // Every other member as a default-initialised PipelinePacket has it, set
  // one by one: assigning a whole PipelinePacket{} costs a third more per frame.
  raw = frame;
  modified = false;
  in_port = port;
  regs = {};
  metadata = 0;
  ct = PacketCtMetadata{};
  ct_visible = true;
}

U128 read_field(const PipelinePacket& p, FlowField field) {
  const Packet& pk = p.packet;
  switch (field) {
    case FlowField::kInPort: return {0, p.in_port};
    case FlowField::kDlSrc: return pk.eth ? from_mac(pk.eth->src) : U128{};
    case FlowField::kDlDst: return pk.eth ? from_mac(pk.eth->dst) : U128{};
    case FlowField::kDlType: return {0, pk.eth ? pk.eth->ether_type : 0u};
    case FlowField::kDlVlan:
      // ovs-ofctl dl_vlan=0xffff means "no 802.1Q header".
      return {0, pk.eth && pk.eth->vlan_tci ? (*pk.eth->vlan_tci & 0x0fffu) : 0xffffu};
    case FlowField::kNwSrc: return is_v4(pk) ? U128{0, pk.ip->src.v4_host_order()} : U128{};
    case FlowField::kNwDst: return is_v4(pk) ? U128{0, pk.ip->dst.v4_host_order()} : U128{};
    case FlowField::kIpv6Src: return is_v6(pk) ? from_ipv6(pk.ip->src) : U128{};
    case FlowField::kIpv6Dst: return is_v6(pk) ? from_ipv6(pk.ip->dst) : U128{};
    case FlowField::kNwProto: return {0, pk.ip ? pk.ip->protocol : 0u};
    case FlowField::kNwTos: return {0, pk.ip ? (pk.ip->tos & 0xfcu) : 0u};
    case FlowField::kIpDscp: return {0, pk.ip ? (pk.ip->tos >> 2u) : 0u};
    case FlowField::kNwTtl: return {0, pk.ip ? pk.ip->ttl : 0u};
    case FlowField::kTpSrc:
      if (const TcpHeader* t = pk.tcp()) return {0, t->src_port};
      if (const UdpHeader* u = pk.udp()) return {0, u->src_port};
      return {};
    case FlowField::kTpDst:
      if (const TcpHeader* t = pk.tcp()) return {0, t->dst_port};
      if (const UdpHeader* u = pk.udp()) return {0, u->dst_port};
      return {};
    case FlowField::kIcmpType: return {0, pk.icmp() ? pk.icmp()->type : 0u};
    case FlowField::kIcmpCode: return {0, pk.icmp() ? pk.icmp()->code : 0u};
    case FlowField::kTcpFlags: return {0, pk.tcp() ? pk.tcp()->flags : 0u};
    case FlowField::kCtState: return {0, p.ct_visible ? p.ct.state.bits() : 0u};
    case FlowField::kCtZone: return {0, p.ct_visible ? p.ct.zone.value : 0u};
    case FlowField::kCtMark: return {0, p.ct_visible ? p.ct.mark : 0u};
    case FlowField::kCtLabel: return p.ct_visible ? U128{p.ct.label.hi, p.ct.label.lo} : U128{};
    case FlowField::kReg0: case FlowField::kReg1: case FlowField::kReg2: case FlowField::kReg3:
    case FlowField::kReg4: case FlowField::kReg5: case FlowField::kReg6: case FlowField::kReg7:
      return {0, p.regs[static_cast<size_t>(field) - static_cast<size_t>(FlowField::kReg0)]};
    case FlowField::kMetadata: return {0, p.metadata};
  }
  return {};
}

bool write_field(PipelinePacket& p, FlowField field, const U128& value, const U128& mask) {
  Packet& pk = p.packet;
  const U128 v = merge(read_field(p, field), value, mask);
  auto touch_l3 = [&] {
    p.modified = true;
    clear_checksums(pk);
  };
  switch (field) {
    case FlowField::kReg0: case FlowField::kReg1: case FlowField::kReg2: case FlowField::kReg3:
    case FlowField::kReg4: case FlowField::kReg5: case FlowField::kReg6: case FlowField::kReg7:
      p.regs[static_cast<size_t>(field) - static_cast<size_t>(FlowField::kReg0)] =
          static_cast<uint32_t>(v.lo);
      return true;
    case FlowField::kMetadata: p.metadata = v.lo; return true;
    case FlowField::kDlSrc:
      if (!pk.eth) return false;
      pk.eth->src = to_mac(v);
      p.modified = true;
      return true;
    case FlowField::kDlDst:
      if (!pk.eth) return false;
      pk.eth->dst = to_mac(v);
      p.modified = true;
      return true;
    case FlowField::kDlVlan:
      if (!pk.eth || !pk.eth->vlan_tci) return false;
      pk.eth->vlan_tci = static_cast<uint16_t>((*pk.eth->vlan_tci & 0xf000u) | (v.lo & 0x0fffu));
      p.modified = true;
      return true;
    case FlowField::kNwSrc:
      if (!is_v4(pk)) return false;
      pk.ip->src = IpAddress::v4(static_cast<uint32_t>(v.lo));
      touch_l3();
      return true;
    case FlowField::kNwDst:
      if (!is_v4(pk)) return false;
      pk.ip->dst = IpAddress::v4(static_cast<uint32_t>(v.lo));
      touch_l3();
      return true;
    case FlowField::kIpv6Src:
      if (!is_v6(pk)) return false;
      pk.ip->src = to_ipv6(v);
      touch_l3();
      return true;
    case FlowField::kIpv6Dst:
      if (!is_v6(pk)) return false;
      pk.ip->dst = to_ipv6(v);
      touch_l3();
      return true;
    case FlowField::kNwTos:
      if (!pk.ip) return false;
      pk.ip->tos = static_cast<uint8_t>((pk.ip->tos & 0x03u) | (v.lo & 0xfcu));
      touch_l3();
      return true;
    case FlowField::kIpDscp:
      if (!pk.ip) return false;
      pk.ip->tos = static_cast<uint8_t>((pk.ip->tos & 0x03u) | ((v.lo & 0x3fu) << 2));
      touch_l3();
      return true;
    case FlowField::kNwTtl:
      if (!pk.ip) return false;
      pk.ip->ttl = static_cast<uint8_t>(v.lo);
      touch_l3();
      return true;
    case FlowField::kTpSrc:
      if (TcpHeader* t = pk.tcp()) t->src_port = static_cast<uint16_t>(v.lo);
      else if (UdpHeader* u = pk.udp()) u->src_port = static_cast<uint16_t>(v.lo);
      else return false;
      touch_l3();
      return true;
    case FlowField::kTpDst:
      if (TcpHeader* t = pk.tcp()) t->dst_port = static_cast<uint16_t>(v.lo);
      else if (UdpHeader* u = pk.udp()) u->dst_port = static_cast<uint16_t>(v.lo);
      else return false;
      touch_l3();
      return true;
    case FlowField::kIcmpType:
      if (!pk.icmp()) return false;
      pk.icmp()->type = static_cast<uint8_t>(v.lo);
      touch_l3();
      return true;
    case FlowField::kIcmpCode:
      if (!pk.icmp()) return false;
      pk.icmp()->code = static_cast<uint8_t>(v.lo);
      touch_l3();
      return true;
    case FlowField::kInPort: p.in_port = static_cast<uint16_t>(v.lo); return true;
    case FlowField::kDlType:
    case FlowField::kNwProto:
    case FlowField::kTcpFlags:
    case FlowField::kCtState:
    case FlowField::kCtZone:
    case FlowField::kCtMark:
    case FlowField::kCtLabel:
      return false;  // read-only here; the parser rejects writes to them
  }
  return false;
}

U128 shift_left(const U128& v, unsigned n) {
  if (n == 0) return v;
  if (n >= 128) return {};
  if (n >= 64) return {v.lo << (n - 64), 0};
  return {(v.hi << n) | (v.lo >> (64 - n)), v.lo << n};
}

namespace {
U128 shift_right(const U128& v, unsigned n) {
  if (n == 0) return v;
  if (n >= 128) return {};
  if (n >= 64) return {0, v.hi >> (n - 64)};
  return {v.hi >> n, (v.lo >> n) | (v.hi << (64 - n))};
}
}  // namespace

U128 bits_mask(unsigned offset, unsigned n_bits) {
  U128 ones;
  if (n_bits >= 128) {
    ones = {UINT64_MAX, UINT64_MAX};
  } else if (n_bits >= 64) {
    ones = {(n_bits == 64) ? 0 : (UINT64_MAX >> (128 - n_bits)), UINT64_MAX};
  } else {
    ones = {0, n_bits == 0 ? 0 : (UINT64_MAX >> (64 - n_bits))};
  }
  return shift_left(ones, offset);
}

U128 extract_bits(const U128& value, unsigned offset, unsigned n_bits) {
  return shift_right(value, offset) & bits_mask(0, n_bits);
}

}  // namespace ctc
