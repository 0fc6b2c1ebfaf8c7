#include "reference/packet/packet_builder.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "reference/packet/checksum.h"

namespace ctc {
namespace {

// Sizes are computed first and the buffer is allocated once, zeroed (so
// padding needs no writing); the writers then fill it through a cursor. This
// serializer is on the reference datapath's per-packet path (every output
// frame) and builds every injected frame.

// Writes big-endian fields forward from a position inside a sized buffer.
class Cursor {
 public:
  explicit Cursor(uint8_t* at) : at_(at) {}

  uint8_t* position() const { return at_; }
  void u8(uint8_t v) { *at_++ = v; }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(std::span<const uint8_t> b) {
    if (!b.empty()) std::memcpy(at_, b.data(), b.size());
    at_ += b.size();
  }
  void skip(size_t n) { at_ += n; }  // already zero

 private:
  uint8_t* at_;
};

void set16(uint8_t* at, uint16_t v) {
  at[0] = static_cast<uint8_t>(v >> 8);
  at[1] = static_cast<uint8_t>(v);
}

size_t tcp_options_size(const TcpHeader& t) {
  size_t n = 0;
  for (const TcpOption& o : t.options) n += o.kind > 1 ? 2 + o.data.size() : 1;
  return (n + 3) / 4 * 4;  // padded with end-of-option-list bytes
}

// Upper-layer bytes (header + payload) as write_l4 writes them.
size_t l4_size(const Packet& p) {
  size_t header = 0;
  if (const TcpHeader* t = p.tcp()) {
    header = 20 + tcp_options_size(*t);
  } else if (p.udp() != nullptr || p.icmp() != nullptr) {
    header = 8;
  }
  return header + p.payload.size();
}

size_t ipv4_header_size(const IpHeader& ip) { return 20 + (ip.options.size() + 3) / 4 * 4; }

size_t ipv6_extensions_size(const IpHeader& ip) {
  size_t n = ip.fragment ? 8 : 0;
  for (const Ipv6ExtensionHeader& e : ip.extension_headers) n += (e.body.size() + 2 + 7) / 8 * 8;
  return n;
}

// IP header(s) up to the upper-layer header.
size_t ip_headers_size(const IpHeader& ip) {
  return ip.family == IpFamily::kV4 ? ipv4_header_size(ip) : 40 + ipv6_extensions_size(ip);
}

size_t ip_size(const Packet& p) { return p.ip ? ip_headers_size(*p.ip) + l4_size(p) : 0; }

// Writes the upper-layer bytes (header + payload), l4_size(p) of them, with
// the checksum filled in.
void write_l4(uint8_t* start, const Packet& p) {
  Cursor out(start);
  const IpHeader& ip = *p.ip;
  uint8_t checksum_protocol = 0;
  size_t checksum_at = 0;
  std::optional<uint16_t> given;
  bool pseudo = true;
  if (const TcpHeader* t = p.tcp()) {
    const size_t options_size = tcp_options_size(*t);
    out.u16(t->src_port);
    out.u16(t->dst_port);
    out.u32(t->seq);
    out.u32(t->ack);
    out.u8(static_cast<uint8_t>(((20 + options_size) / 4) << 4));
    out.u8(t->flags);
    out.u16(t->window);
    out.u16(0);  // checksum, filled in below
    out.u16(t->urgent);
    const uint8_t* options_start = out.position();
    for (const TcpOption& o : t->options) {
      out.u8(o.kind);
      if (o.kind > 1) {
        out.u8(static_cast<uint8_t>(o.data.size() + 2));
        out.bytes(o.data);
      }
    }
    out.skip(options_size - static_cast<size_t>(out.position() - options_start));
    checksum_protocol = ip_proto::kTcp;
    checksum_at = 16;
    given = t->checksum;
  } else if (const UdpHeader* u = p.udp()) {
    out.u16(u->src_port);
    out.u16(u->dst_port);
    out.u16(static_cast<uint16_t>(8 + p.payload.size()));
    out.u16(0);  // checksum, filled in below
    checksum_protocol = ip_proto::kUdp;
    checksum_at = 6;
    given = u->checksum;
  } else if (const IcmpHeader* i = p.icmp()) {
    out.u8(i->type);
    out.u8(i->code);
    out.u16(0);  // checksum, filled in below
    out.u32(i->rest);
    checksum_protocol = ip.family == IpFamily::kV6 ? ip_proto::kIcmpv6 : ip_proto::kIcmp;
    pseudo = ip.family == IpFamily::kV6;
    checksum_at = 2;
    given = i->checksum;
  }
  out.bytes(p.payload);
  if (std::holds_alternative<std::monostate>(p.l4)) return;
  if (given) {
    set16(start + checksum_at, *given);
    return;
  }
  const std::span<const uint8_t> l4(start, out.position());
  const uint32_t sum =
      pseudo ? pseudo_header_sum(ip.src, ip.dst, checksum_protocol, static_cast<uint32_t>(l4.size()))
             : 0;
  uint16_t value = checksum_finish(checksum_add(sum, l4));
  // RFC 768: a computed UDP checksum of zero is sent as all ones.
  if (checksum_protocol == ip_proto::kUdp && value == 0) value = 0xffff;
  set16(start + checksum_at, value);
}

// Writes the IPv4 header; returns where the upper layer starts.
uint8_t* write_ipv4_header(uint8_t* start, const Packet& p) {
  const IpHeader& ip = *p.ip;
  const size_t header_len = ipv4_header_size(ip);
  Cursor out(start);
  out.u8(static_cast<uint8_t>(0x40 | (header_len / 4)));
  out.u8(ip.tos);
  out.u16(static_cast<uint16_t>(header_len + l4_size(p)));
  out.u16(ip.identification);
  out.u16(static_cast<uint16_t>((ip.dont_fragment ? 0x4000 : 0) | (ip.more_fragments ? 0x2000 : 0) |
                                (ip.fragment_offset & 0x1fff)));
  out.u8(ip.ttl);
  out.u8(ip.protocol);
  out.u16(0);  // checksum, filled in below
  out.bytes(std::span<const uint8_t>(ip.src.bytes.data(), 4));
  out.bytes(std::span<const uint8_t>(ip.dst.bytes.data(), 4));
  out.bytes(ip.options);
  const uint16_t checksum =
      ip.checksum ? *ip.checksum : internet_checksum(std::span<const uint8_t>(start, header_len));
  set16(start + 10, checksum);
  return start + header_len;
}

// Writes the IPv6 header and extension headers; returns where the upper layer starts.
uint8_t* write_ipv6_headers(uint8_t* start, const Packet& p) {
  const IpHeader& ip = *p.ip;
  // Each header's next-header field names the one after it.
  auto type_after = [&](size_t index) -> uint8_t {  // index into extension_headers
    if (index < ip.extension_headers.size()) return ip.extension_headers[index].type;
    if (index == ip.extension_headers.size() && ip.fragment) return ip_proto::kFragment;
    return ip.protocol;
  };
  Cursor out(start);
  out.u32((6u << 28) | (uint32_t{ip.tos} << 20) | (ip.flow_label & 0xfffff));
  out.u16(static_cast<uint16_t>(ipv6_extensions_size(ip) + l4_size(p)));
  out.u8(type_after(0));
  out.u8(ip.ttl);
  out.bytes(ip.src.bytes);
  out.bytes(ip.dst.bytes);
  for (size_t i = 0; i < ip.extension_headers.size(); ++i) {
    const std::vector<uint8_t>& body = ip.extension_headers[i].body;
    const size_t padded = (body.size() + 2 + 7) / 8 * 8 - 2;
    out.u8(type_after(i + 1));
    out.u8(static_cast<uint8_t>((padded + 2) / 8 - 1));
    out.bytes(body);
    out.skip(padded - body.size());
  }
  if (ip.fragment) {
    out.u8(type_after(ip.extension_headers.size() + 1));
    out.u8(0);
    out.u16(static_cast<uint16_t>((ip.fragment->offset << 3) | (ip.fragment->more_fragments ? 1 : 0)));
    out.u32(ip.fragment->identification);
  }
  return out.position();
}

// Writes ip_size(p) bytes; requires p.ip.
void write_ip(uint8_t* start, const Packet& p) {
  uint8_t* l4 = p.ip->family == IpFamily::kV4 ? write_ipv4_header(start, p)
                                              : write_ipv6_headers(start, p);
  write_l4(l4, p);
}

}  // namespace

std::vector<uint8_t> serialize_ip(const Packet& p) {
  std::vector<uint8_t> out(ip_size(p));
  if (p.ip) write_ip(out.data(), p);
  return out;
}

std::vector<uint8_t> serialize_frame(const Packet& p) {
  std::vector<uint8_t> out;
  serialize_frame(p, out);
  return out;
}

void serialize_frame(const Packet& p, std::vector<uint8_t>& out) {
  const EthernetHeader eth = p.eth.value_or(EthernetHeader{});
  const size_t eth_size = eth.vlan_tci ? 18 : 14;
  // Zeroed, as the writers expect (padding is skipped, not written).
  out.assign(eth_size + (p.ip ? ip_size(p) : p.payload.size()), 0);
  Cursor cursor(out.data());
  cursor.bytes(eth.dst.bytes);
  cursor.bytes(eth.src.bytes);
  if (eth.vlan_tci) {
    cursor.u16(ether_type::kVlan);
    cursor.u16(*eth.vlan_tci);
  }
  cursor.u16(eth.ether_type);
  if (p.ip) {
    write_ip(cursor.position(), p);
  } else {
    cursor.bytes(p.payload);
  }
}

std::vector<uint8_t> quote_for_icmp_error(const Packet& original, size_t l4_bytes) {
  std::vector<uint8_t> bytes = serialize_ip(original);
  if (!original.ip) return bytes;
  // Header sizes as serialized (IPv4 options padded to a multiple of 4,
  // extension headers to a multiple of 8): the raw model sizes would cut the
  // quote short inside the L4 header.
  const size_t header = ip_headers_size(*original.ip);
  if (bytes.size() > header + l4_bytes) bytes.resize(header + l4_bytes);
  return bytes;
}

PacketBuilder::PacketBuilder() {
  EthernetHeader eth;
  eth.src.bytes = {0, 0, 0, 0, 0, 1};
  eth.dst.bytes = {0, 0, 0, 0, 0, 2};
  packet_.eth = eth;
}

PacketBuilder::PacketBuilder(Packet&& spent) : PacketBuilder() {
  packet_.payload = std::move(spent.payload);
  packet_.payload.clear();
  if (TcpHeader* t = spent.tcp()) {
    spare_options_ = std::move(t->options);
    spare_options_.clear();
  }
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
  IpHeader h;  // built aside: src or dst may refer into the current header
  h.family = src.family;
  h.src = src;
  h.dst = dst;
  h.protocol = ip_proto::kNoNext;
  packet_.ip = std::move(h);
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
  TcpHeader& t = packet_.l4.emplace<TcpHeader>();
  t.options = std::move(spare_options_);  // empty, maybe with capacity
  spare_options_.clear();
  t.src_port = src_port;
  t.dst_port = dst_port;
  t.flags = flags;
  t.seq = seq;
  t.ack = ack;
  t.window = window;
  if (packet_.ip) packet_.ip->protocol = ip_proto::kTcp;
  return *this;
}

PacketBuilder& PacketBuilder::tcp_option(TcpOption option) {
  TcpHeader* t = packet_.tcp();
  if (t == nullptr) return *this;
  // Room for a SYN's usual MSS, SACK-permitted, window scale and timestamps
  // in one allocation.
  if (t->options.empty()) t->options.reserve(4);
  t->options.push_back(option);
  return *this;
}

PacketBuilder& PacketBuilder::udp(uint16_t src_port, uint16_t dst_port) {
  UdpHeader& u = packet_.l4.emplace<UdpHeader>();
  u.src_port = src_port;
  u.dst_port = dst_port;
  if (packet_.ip) packet_.ip->protocol = ip_proto::kUdp;
  return *this;
}

PacketBuilder& PacketBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest) {
  IcmpHeader& i = packet_.l4.emplace<IcmpHeader>();
  i.type = type;
  i.code = code;
  i.rest = rest;
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
  packet_.payload.reserve(n);
  while (packet_.payload.size() < n) {
    const size_t chunk = std::min(kPattern.size(), n - packet_.payload.size());
    packet_.payload.insert(packet_.payload.end(), kPattern.begin(),
                           kPattern.begin() + static_cast<std::ptrdiff_t>(chunk));
  }
  return *this;
}

}  // namespace ctc
