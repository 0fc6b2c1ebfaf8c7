#include "reference/packet/packet.h"

#include <ostream>

namespace ctc {
namespace {

uint32_t read32(const TcpOptionBytes& d, size_t at) {
  return (uint32_t{d[at]} << 24) | (uint32_t{d[at + 1]} << 16) | (uint32_t{d[at + 2]} << 8) |
         d[at + 3];
}

void put32(TcpOptionBytes& d, uint32_t v) {
  d.push_back(static_cast<uint8_t>(v >> 24));
  d.push_back(static_cast<uint8_t>(v >> 16));
  d.push_back(static_cast<uint8_t>(v >> 8));
  d.push_back(static_cast<uint8_t>(v));
}

const TcpOption* find_option(const std::vector<TcpOption>& options, uint8_t kind) {
  for (const TcpOption& o : options) {
    if (o.kind == kind) return &o;
  }
  return nullptr;
}

}  // namespace

bool IpHeader::is_fragment() const {
  if (family == IpFamily::kV4) return more_fragments || fragment_offset != 0;
  return fragment.has_value();
}

bool IpHeader::is_later_fragment() const {
  if (family == IpFamily::kV4) return fragment_offset != 0;
  return fragment.has_value() && fragment->offset != 0;
}

TcpOption TcpOption::mss(uint16_t value) {
  return {2, {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)}};
}
TcpOption TcpOption::window_scale(uint8_t shift) { return {3, {shift}}; }
TcpOption TcpOption::sack_permitted() { return {4, {}}; }
TcpOption TcpOption::sack(const std::vector<std::pair<uint32_t, uint32_t>>& blocks) {
  TcpOption o{5, {}};
  for (const auto& [left, right] : blocks) {
    put32(o.data, left);
    put32(o.data, right);
  }
  return o;
}
TcpOption TcpOption::timestamps(uint32_t value, uint32_t echo_reply) {
  TcpOption o{8, {}};
  put32(o.data, value);
  put32(o.data, echo_reply);
  return o;
}

std::optional<uint16_t> TcpHeader::mss() const {
  const TcpOption* o = find_option(options, 2);
  if (o == nullptr || o->data.size() != 2) return std::nullopt;
  return static_cast<uint16_t>(o->data[0] << 8 | o->data[1]);
}

std::optional<uint8_t> TcpHeader::window_scale() const {
  const TcpOption* o = find_option(options, 3);
  if (o == nullptr || o->data.size() != 1) return std::nullopt;
  return o->data[0];
}

bool TcpHeader::sack_permitted() const { return find_option(options, 4) != nullptr; }

std::vector<std::pair<uint32_t, uint32_t>> TcpHeader::sack_blocks() const {
  std::vector<std::pair<uint32_t, uint32_t>> blocks;
  const TcpOption* o = find_option(options, 5);
  if (o == nullptr) return blocks;
  for (size_t at = 0; at + 8 <= o->data.size(); at += 8) {
    blocks.emplace_back(read32(o->data, at), read32(o->data, at + 4));
  }
  return blocks;
}

std::optional<std::pair<uint32_t, uint32_t>> TcpHeader::timestamps() const {
  const TcpOption* o = find_option(options, 8);
  if (o == nullptr || o->data.size() != 8) return std::nullopt;
  return std::make_pair(read32(o->data, 0), read32(o->data, 4));
}

bool Packet::is_icmp_error() const {
  if (!ip || icmp() == nullptr) return false;
  const uint8_t type = icmp()->type;
  if (ip->family == IpFamily::kV4) {
    if (ip->protocol != ip_proto::kIcmp) return false;
    return type == icmp_type::kDestUnreachable || type == icmp_type::kSourceQuench ||
           type == icmp_type::kRedirect || type == icmp_type::kTimeExceeded ||
           type == icmp_type::kParameterProblem;
  }
  if (ip->protocol != ip_proto::kIcmpv6) return false;
  return type >= 1 && type <= 4;
}

void clear_checksums(Packet& packet) {
  if (packet.ip) packet.ip->checksum.reset();
  if (auto* t = packet.tcp()) t->checksum.reset();
  if (auto* u = packet.udp()) u->checksum.reset();
  if (auto* i = packet.icmp()) i->checksum.reset();
}

std::ostream& operator<<(std::ostream& os, const Packet& p) {
  if (!p.ip) {
    os << "eth type=0x" << std::hex << (p.eth ? p.eth->ether_type : 0) << std::dec
       << " len=" << p.payload.size();
    return os;
  }
  auto endpoint = [&](const IpAddress& a, uint16_t port) {
    if (a.is_v4()) {
      os << a << ":" << port;
    } else {
      os << "[" << a << "]:" << port;
    }
  };
  if (const TcpHeader* t = p.tcp()) {
    os << "tcp ";
    endpoint(p.ip->src, t->src_port);
    os << " > ";
    endpoint(p.ip->dst, t->dst_port);
    os << " [";
    static constexpr std::pair<uint8_t, char> kLetters[] = {
        {tcp_flag::kSyn, 'S'}, {tcp_flag::kFin, 'F'}, {tcp_flag::kRst, 'R'}, {tcp_flag::kPsh, 'P'},
        {tcp_flag::kUrg, 'U'}, {tcp_flag::kEce, 'E'}, {tcp_flag::kCwr, 'C'}, {tcp_flag::kAck, '.'}};
    for (const auto& [flag, letter] : kLetters) {
      if (t->has(flag)) os << letter;
    }
    os << "] seq=" << t->seq << " ack=" << t->ack << " win=" << t->window
       << " len=" << p.payload.size();
  } else if (const UdpHeader* u = p.udp()) {
    os << "udp ";
    endpoint(p.ip->src, u->src_port);
    os << " > ";
    endpoint(p.ip->dst, u->dst_port);
    os << " len=" << p.payload.size();
  } else if (const IcmpHeader* i = p.icmp()) {
    os << (p.ip->family == IpFamily::kV4 ? "icmp " : "icmp6 ") << p.ip->src << " > " << p.ip->dst
       << " type=" << unsigned{i->type} << " code=" << unsigned{i->code};
    if (p.is_icmp_error()) {
      os << " quoting " << p.payload.size() << " bytes";
    } else {
      os << " id=" << i->identifier() << " seq=" << i->sequence();
    }
  } else {
    os << "ip " << p.ip->src << " > " << p.ip->dst << " proto=" << unsigned{p.ip->protocol}
       << (p.ip->is_fragment() ? " fragment" : "") << " len=" << p.payload.size();
  }
  if (p.eth && p.eth->vlan_tci) os << " vlan=" << (*p.eth->vlan_tci & 0xfff);
  if (!p.ip_checksum_ok) os << " (bad ip checksum)";
  if (!p.l4_checksum_ok) os << " (bad l4 checksum)";
  return os;
}

}  // namespace ctc
