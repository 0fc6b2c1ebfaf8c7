#include "reference/packet/packet_builder.h"

#include <algorithm>
#include <string_view>

#include "reference/packet/checksum.h"

namespace ctc {
namespace {

// Everything is written into one buffer, sized up front: this serializer is
// on the reference datapath's per-packet path (every output frame).

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

size_t tcp_options_size(const TcpHeader& t) {
  size_t n = 0;
  for (const TcpOption& o : t.options) n += o.kind > 1 ? 2 + o.data.size() : 1;
  return (n + 3) / 4 * 4;  // padded with end-of-option-list bytes
}

// Upper-layer bytes (header + payload) as serialize_l4 writes them.
size_t l4_size(const Packet& p) {
  size_t header = 0;
  if (const TcpHeader* t = p.tcp()) {
    header = 20 + tcp_options_size(*t);
  } else if (p.udp() != nullptr || p.icmp() != nullptr) {
    header = 8;
  }
  return header + p.payload.size();
}

// Appends the upper-layer bytes (header + payload) with the checksum filled in.
void append_l4(std::vector<uint8_t>& out, const Packet& p) {
  const size_t start = out.size();
  const IpHeader& ip = *p.ip;
  uint8_t checksum_protocol = 0;
  size_t checksum_at = 0;
  std::optional<uint16_t> given;
  bool pseudo = true;
  if (const TcpHeader* t = p.tcp()) {
    const size_t options_size = tcp_options_size(*t);
    put16(out, t->src_port);
    put16(out, t->dst_port);
    put32(out, t->seq);
    put32(out, t->ack);
    out.push_back(static_cast<uint8_t>(((20 + options_size) / 4) << 4));
    out.push_back(t->flags);
    put16(out, t->window);
    put16(out, 0);
    put16(out, t->urgent);
    const size_t options_start = out.size();
    for (const TcpOption& o : t->options) {
      out.push_back(o.kind);
      if (o.kind > 1) {
        out.push_back(static_cast<uint8_t>(o.data.size() + 2));
        out.insert(out.end(), o.data.begin(), o.data.end());
      }
    }
    out.resize(options_start + options_size, 0);
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
  if (std::holds_alternative<std::monostate>(p.l4)) return;
  if (given) {
    set16(out, start + checksum_at, *given);
    return;
  }
  const std::span<const uint8_t> l4(out.data() + start, out.size() - start);
  const uint32_t sum =
      pseudo ? pseudo_header_sum(ip.src, ip.dst, checksum_protocol, static_cast<uint32_t>(l4.size()))
             : 0;
  uint16_t value = checksum_finish(checksum_add(sum, l4));
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  if (checksum_protocol == ip_proto::kUdp && value == 0) value = 0xffff;
  set16(out, start + checksum_at, value);
}

void append_ipv4(std::vector<uint8_t>& out, const Packet& p) {
  const IpHeader& ip = *p.ip;
  const size_t start = out.size();
  const size_t header_len = 20 + (ip.options.size() + 3) / 4 * 4;
  out.push_back(static_cast<uint8_t>(0x40 | (header_len / 4)));
  out.push_back(ip.tos);
  put16(out, static_cast<uint16_t>(header_len + l4_size(p)));
  put16(out, ip.identification);
  put16(out, static_cast<uint16_t>((ip.dont_fragment ? 0x4000 : 0) | (ip.more_fragments ? 0x2000 : 0) |
                                   (ip.fragment_offset & 0x1fff)));
  out.push_back(ip.ttl);
  out.push_back(ip.protocol);
  put16(out, 0);
  out.insert(out.end(), ip.src.bytes.begin(), ip.src.bytes.begin() + 4);
  out.insert(out.end(), ip.dst.bytes.begin(), ip.dst.bytes.begin() + 4);
  out.insert(out.end(), ip.options.begin(), ip.options.end());
  out.resize(start + header_len, 0);
  const uint16_t checksum =
      ip.checksum ? *ip.checksum
                  : internet_checksum(std::span<const uint8_t>(out.data() + start, header_len));
  set16(out, start + 10, checksum);
  append_l4(out, p);
}

size_t ipv6_extensions_size(const IpHeader& ip) {
  size_t n = ip.fragment ? 8 : 0;
  for (const Ipv6ExtensionHeader& e : ip.extension_headers) n += (e.body.size() + 2 + 7) / 8 * 8;
  return n;
}

void append_ipv6(std::vector<uint8_t>& out, const Packet& p) {
  const IpHeader& ip = *p.ip;
  // Each header's next-header field names the one after it.
  auto type_after = [&](size_t index) -> uint8_t {  // index into extension_headers
    if (index < ip.extension_headers.size()) return ip.extension_headers[index].type;
    if (index == ip.extension_headers.size() && ip.fragment) return ip_proto::kFragment;
    return ip.protocol;
  };
  put32(out, (6u << 28) | (uint32_t{ip.tos} << 20) | (ip.flow_label & 0xfffff));
  put16(out, static_cast<uint16_t>(ipv6_extensions_size(ip) + l4_size(p)));
  out.push_back(type_after(0));
  out.push_back(ip.ttl);
  out.insert(out.end(), ip.src.bytes.begin(), ip.src.bytes.end());
  out.insert(out.end(), ip.dst.bytes.begin(), ip.dst.bytes.end());
  for (size_t i = 0; i < ip.extension_headers.size(); ++i) {
    const std::vector<uint8_t>& body = ip.extension_headers[i].body;
    const size_t padded = (body.size() + 2 + 7) / 8 * 8 - 2;
    out.push_back(type_after(i + 1));
    out.push_back(static_cast<uint8_t>((padded + 2) / 8 - 1));
    const size_t body_start = out.size();
    out.insert(out.end(), body.begin(), body.end());
    out.resize(body_start + padded, 0);
  }
  if (ip.fragment) {
    out.push_back(type_after(ip.extension_headers.size() + 1));
    out.push_back(0);
    put16(out, static_cast<uint16_t>((ip.fragment->offset << 3) | (ip.fragment->more_fragments ? 1 : 0)));
    put32(out, ip.fragment->identification);
  }
  append_l4(out, p);
}

size_t ip_size(const Packet& p) {
  if (!p.ip) return 0;
  if (p.ip->family == IpFamily::kV4) return 20 + (p.ip->options.size() + 3) / 4 * 4 + l4_size(p);
  return 40 + ipv6_extensions_size(*p.ip) + l4_size(p);
}

void append_ip(std::vector<uint8_t>& out, const Packet& p) {
  if (!p.ip) return;
  if (p.ip->family == IpFamily::kV4) {
    append_ipv4(out, p);
  } else {
    append_ipv6(out, p);
  }
}

}  // namespace

std::vector<uint8_t> serialize_ip(const Packet& p) {
  std::vector<uint8_t> out;
  out.reserve(ip_size(p));
  append_ip(out, p);
  return out;
}

std::vector<uint8_t> serialize_frame(const Packet& p) {
  std::vector<uint8_t> out;
  const EthernetHeader eth = p.eth.value_or(EthernetHeader{});
  out.reserve(18 + (p.ip ? ip_size(p) : p.payload.size()));
  out.insert(out.end(), eth.dst.bytes.begin(), eth.dst.bytes.end());
  out.insert(out.end(), eth.src.bytes.begin(), eth.src.bytes.end());
  if (eth.vlan_tci) {
    put16(out, ether_type::kVlan);
    put16(out, *eth.vlan_tci);
  }
  put16(out, eth.ether_type);
  if (p.ip) {
    append_ip(out, p);
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
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz";
  // The alphabet repeated over a jumbo frame's worth (a whole number of
  // times, so that longer payloads continue it), made once: payloads are
  // built for every generated packet.
  static const std::vector<uint8_t> kPattern = [] {
    std::vector<uint8_t> bytes(kAlphabet.size() * (9216 / kAlphabet.size() + 1));
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(kAlphabet[i % kAlphabet.size()]);
    return bytes;
  }();
  packet_.payload.clear();
  while (packet_.payload.size() < n) {
    const size_t chunk = std::min(kPattern.size(), n - packet_.payload.size());
    packet_.payload.insert(packet_.payload.end(), kPattern.begin(),
                           kPattern.begin() + static_cast<std::ptrdiff_t>(chunk));
  }
  return *this;
}

}  // namespace ctc
