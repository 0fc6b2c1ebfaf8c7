#include "reference/packet/packet_builder.h"

#include "reference/packet/checksum.h"

namespace ctc {
namespace {

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v));
}
void set16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);
  out[at + 1] = static_cast<uint8_t>(v);
}

// The upper-layer bytes (header + payload) with the checksum filled in.
std::vector<uint8_t> serialize_l4(const Packet& p) {
  std::vector<uint8_t> out;
  const IpHeader& ip = *p.ip;
  uint8_t checksum_protocol = 0;
  size_t checksum_at = 0;
  std::optional<uint16_t> given;
  bool pseudo = true;
  if (const TcpHeader* t = p.tcp()) {
    std::vector<uint8_t> options;
    for (const TcpOption& o : t->options) {
      options.push_back(o.kind);
      if (o.kind > 1) {
        options.push_back(static_cast<uint8_t>(o.data.size() + 2));
        options.insert(options.end(), o.data.begin(), o.data.end());
      }
    }
    while (options.size() % 4 != 0) options.push_back(0);
    put16(out, t->src_port);
    put16(out, t->dst_port);
    put32(out, t->seq);
    put32(out, t->ack);
    out.push_back(static_cast<uint8_t>(((20 + options.size()) / 4) << 4));
    out.push_back(t->flags);
    put16(out, t->window);
    put16(out, 0);
    put16(out, t->urgent);
    out.insert(out.end(), options.begin(), options.end());
    checksum_protocol = ip_proto::kTcp;
    checksum_at = 16;
    given = t->checksum;
  } else if (const UdpHeader* u = p.udp()) {
    put16(out, u->src_port);
    put16(out, u->dst_port);
    put16(out, static_cast<uint16_t>(8 + p.payload.size()));
    put16(out, 0);
    checksum_protocol = ip_proto::kUdp;
    checksum_at = 6;
    given = u->checksum;
  } else if (const IcmpHeader* i = p.icmp()) {
    out.push_back(i->type);
    out.push_back(i->code);
    put16(out, 0);
    put32(out, i->rest);
    checksum_protocol = ip.family == IpFamily::kV6 ? ip_proto::kIcmpv6 : ip_proto::kIcmp;
    pseudo = ip.family == IpFamily::kV6;
    checksum_at = 2;
    given = i->checksum;
  }
  out.insert(out.end(), p.payload.begin(), p.payload.end());
  if (std::holds_alternative<std::monostate>(p.l4)) return out;
  if (given) {
    set16(out, checksum_at, *given);
  } else {
    uint32_t sum = pseudo ? pseudo_header_sum(ip.src, ip.dst, checksum_protocol,
                                              static_cast<uint32_t>(out.size()))
                          : 0;
    uint16_t value = checksum_finish(checksum_add(sum, out));
    // RFC 768: a computed UDP checksum of zero is sent as all ones.
    if (checksum_protocol == ip_proto::kUdp && value == 0) value = 0xffff;
    set16(out, checksum_at, value);
  }
  return out;
}

void append_ipv4(std::vector<uint8_t>& out, const IpHeader& ip, const std::vector<uint8_t>& l4) {
  const size_t start = out.size();
  std::vector<uint8_t> options = ip.options;
  while (options.size() % 4 != 0) options.push_back(0);
  const size_t header_len = 20 + options.size();
  out.push_back(static_cast<uint8_t>(0x40 | (header_len / 4)));
  out.push_back(ip.tos);
  put16(out, static_cast<uint16_t>(header_len + l4.size()));
  put16(out, ip.identification);
  put16(out, static_cast<uint16_t>((ip.dont_fragment ? 0x4000 : 0) | (ip.more_fragments ? 0x2000 : 0) |
                                   (ip.fragment_offset & 0x1fff)));
  out.push_back(ip.ttl);
  out.push_back(ip.protocol);
  put16(out, 0);
  out.insert(out.end(), ip.src.bytes.begin(), ip.src.bytes.begin() + 4);
  out.insert(out.end(), ip.dst.bytes.begin(), ip.dst.bytes.begin() + 4);
  out.insert(out.end(), options.begin(), options.end());
  const uint16_t checksum =
      ip.checksum ? *ip.checksum
                  : internet_checksum(std::span<const uint8_t>(out.data() + start, header_len));
  set16(out, start + 10, checksum);
  out.insert(out.end(), l4.begin(), l4.end());
}

void append_ipv6(std::vector<uint8_t>& out, const IpHeader& ip, const std::vector<uint8_t>& l4) {
  std::vector<uint8_t> ext;
  // Each header's next-header field names the one after it.
  std::vector<uint8_t> chain;
  for (const Ipv6ExtensionHeader& e : ip.extension_headers) chain.push_back(e.type);
  if (ip.fragment) chain.push_back(ip_proto::kFragment);
  chain.push_back(ip.protocol);
  size_t index = 0;
  for (const Ipv6ExtensionHeader& e : ip.extension_headers) {
    std::vector<uint8_t> body = e.body;
    while ((body.size() + 2) % 8 != 0) body.push_back(0);
    ext.push_back(chain[++index]);
    ext.push_back(static_cast<uint8_t>((body.size() + 2) / 8 - 1));
    ext.insert(ext.end(), body.begin(), body.end());
  }
  if (ip.fragment) {
    ext.push_back(chain[++index]);
    ext.push_back(0);
    put16(ext, static_cast<uint16_t>((ip.fragment->offset << 3) | (ip.fragment->more_fragments ? 1 : 0)));
    put32(ext, ip.fragment->identification);
  }
  put32(out, (6u << 28) | (uint32_t{ip.tos} << 20) | (ip.flow_label & 0xfffff));
  put16(out, static_cast<uint16_t>(ext.size() + l4.size()));
  out.push_back(chain[0]);
  out.push_back(ip.ttl);
  out.insert(out.end(), ip.src.bytes.begin(), ip.src.bytes.end());
  out.insert(out.end(), ip.dst.bytes.begin(), ip.dst.bytes.end());
  out.insert(out.end(), ext.begin(), ext.end());
  out.insert(out.end(), l4.begin(), l4.end());
}

}  // namespace

std::vector<uint8_t> serialize_ip(const Packet& p) {
  std::vector<uint8_t> out;
  if (!p.ip) return out;
  const std::vector<uint8_t> l4 = serialize_l4(p);
  if (p.ip->family == IpFamily::kV4) {
    append_ipv4(out, *p.ip, l4);
  } else {
    append_ipv6(out, *p.ip, l4);
  }
  return out;
}

std::vector<uint8_t> serialize_frame(const Packet& p) {
  std::vector<uint8_t> out;
  const EthernetHeader eth = p.eth.value_or(EthernetHeader{});
  out.insert(out.end(), eth.dst.bytes.begin(), eth.dst.bytes.end());
  out.insert(out.end(), eth.src.bytes.begin(), eth.src.bytes.end());
  if (eth.vlan_tci) {
    put16(out, ether_type::kVlan);
    put16(out, *eth.vlan_tci);
  }
  put16(out, eth.ether_type);
  if (p.ip) {
    const std::vector<uint8_t> ip = serialize_ip(p);
    out.insert(out.end(), ip.begin(), ip.end());
  } else {
    out.insert(out.end(), p.payload.begin(), p.payload.end());
  }
  return out;
}

std::vector<uint8_t> quote_for_icmp_error(const Packet& original, size_t l4_bytes) {
  std::vector<uint8_t> bytes = serialize_ip(original);
  if (!original.ip) return bytes;
  // Header sizes as serialized: append_ipv4/append_ipv6 pad IPv4 options to a
  // multiple of 4 and extension headers to a multiple of 8, so count the padded
  // sizes (the raw model sizes cut the quote short inside the L4 header).
  size_t header = 20 + (original.ip->options.size() + 3) / 4 * 4;
  if (original.ip->family == IpFamily::kV6) {
    header = 40 + (original.ip->fragment ? 8 : 0);
    for (const Ipv6ExtensionHeader& e : original.ip->extension_headers) {
      header += (e.body.size() + 2 + 7) / 8 * 8;
    }
  }
  if (bytes.size() > header + l4_bytes) bytes.resize(header + l4_bytes);
  return bytes;
}

PacketBuilder::PacketBuilder() {
  EthernetHeader eth;
  eth.src.bytes = {0, 0, 0, 0, 0, 1};
  eth.dst.bytes = {0, 0, 0, 0, 0, 2};
  packet_.eth = eth;
}

PacketBuilder& PacketBuilder::eth(const MacAddress& src, const MacAddress& dst) {
  packet_.eth->src = src;
  packet_.eth->dst = dst;
  return *this;
}

PacketBuilder& PacketBuilder::vlan(uint16_t tci) {
  packet_.eth->vlan_tci = tci;
  return *this;
}

PacketBuilder& PacketBuilder::ether_type(uint16_t type) {
  packet_.eth->ether_type = type;
  return *this;
}

PacketBuilder& PacketBuilder::ip(const IpAddress& src, const IpAddress& dst) {
  IpHeader h;
  h.family = src.family;
  h.src = src;
  h.dst = dst;
  h.protocol = ip_proto::kNoNext;
  packet_.ip = h;
  packet_.eth->ether_type = src.is_v4() ? ether_type::kIpv4 : ether_type::kIpv6;
  return *this;
}

PacketBuilder& PacketBuilder::ttl(uint8_t ttl) {
  if (packet_.ip) packet_.ip->ttl = ttl;
  return *this;
}

PacketBuilder& PacketBuilder::tos(uint8_t tos) {
  if (packet_.ip) packet_.ip->tos = tos;
  return *this;
}

PacketBuilder& PacketBuilder::ipv4_fragment(uint16_t offset_units, bool more_fragments, uint16_t id) {
  if (packet_.ip) {
    packet_.ip->fragment_offset = offset_units;
    packet_.ip->more_fragments = more_fragments;
    packet_.ip->identification = id;
  }
  return *this;
}

PacketBuilder& PacketBuilder::ip_checksum(uint16_t value) {
  if (packet_.ip) packet_.ip->checksum = value;
  return *this;
}

PacketBuilder& PacketBuilder::tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags, uint32_t seq,
                                  uint32_t ack, uint16_t window) {
  TcpHeader t;
  t.src_port = src_port;
  t.dst_port = dst_port;
  t.flags = flags;
  t.seq = seq;
  t.ack = ack;
  t.window = window;
  packet_.l4 = t;
  if (packet_.ip) packet_.ip->protocol = ip_proto::kTcp;
  return *this;
}

PacketBuilder& PacketBuilder::tcp_option(TcpOption option) {
  if (TcpHeader* t = packet_.tcp()) t->options.push_back(std::move(option));
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t src_port, uint16_t dst_port) {
  UdpHeader u;
  u.src_port = src_port;
  u.dst_port = dst_port;
  packet_.l4 = u;
  if (packet_.ip) packet_.ip->protocol = ip_proto::kUdp;
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest) {
  IcmpHeader i;
  i.type = type;
  i.code = code;
  i.rest = rest;
  packet_.l4 = i;
  if (packet_.ip) {
    packet_.ip->protocol = packet_.ip->family == IpFamily::kV4 ? ip_proto::kIcmp : ip_proto::kIcmpv6;
  }
  return *this;
}

PacketBuilder& PacketBuilder::icmp_echo_request(uint16_t id, uint16_t seq) {
  const bool v4 = !packet_.ip || packet_.ip->family == IpFamily::kV4;
  return icmp(v4 ? icmp_type::kEchoRequest : icmpv6_type::kEchoRequest, 0,
              (uint32_t{id} << 16) | seq);
}

PacketBuilder& PacketBuilder::icmp_echo_reply(uint16_t id, uint16_t seq) {
  const bool v4 = !packet_.ip || packet_.ip->family == IpFamily::kV4;
  return icmp(v4 ? icmp_type::kEchoReply : icmpv6_type::kEchoReply, 0, (uint32_t{id} << 16) | seq);
}

PacketBuilder& PacketBuilder::icmp_error(uint8_t type, uint8_t code, const Packet& original,
                                         size_t quoted_l4_bytes) {
  icmp(type, code, 0);
  packet_.payload = quote_for_icmp_error(original, quoted_l4_bytes);
  return *this;
}

PacketBuilder& PacketBuilder::l4_checksum(uint16_t value) {
  if (TcpHeader* t = packet_.tcp()) t->checksum = value;
  if (UdpHeader* u = packet_.udp()) u->checksum = value;
  if (IcmpHeader* i = packet_.icmp()) i->checksum = value;
  return *this;
}

PacketBuilder& PacketBuilder::payload(std::vector<uint8_t> bytes) {
  packet_.payload = std::move(bytes);
  return *this;
}

PacketBuilder& PacketBuilder::payload_size(size_t n) {
  packet_.payload.resize(n);
  for (size_t i = 0; i < n; ++i) packet_.payload[i] = static_cast<uint8_t>('a' + i % 26);
  return *this;
}

}  // namespace ctc
