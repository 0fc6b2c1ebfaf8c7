// The packet model shared by every part of ctconform: the reference oracle,
// the adapters, the generators and the fuzzers. Parse bytes into it with
// packet_parser.h, build bytes from it with packet_builder.h; never assemble
// header bytes anywhere else.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <variant>
#include <vector>

#include "reference/packet/addresses.h"
#include "reference/packet/tcp_option_bytes.h"

namespace ctc {

namespace ether_type {
inline constexpr uint16_t kIpv4 = 0x0800;
inline constexpr uint16_t kArp = 0x0806;
inline constexpr uint16_t kVlan = 0x8100;
inline constexpr uint16_t kIpv6 = 0x86dd;
}  // namespace ether_type

namespace ip_proto {
inline constexpr uint8_t kHopByHop = 0;
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kRouting = 43;
inline constexpr uint8_t kFragment = 44;
inline constexpr uint8_t kIcmpv6 = 58;
inline constexpr uint8_t kNoNext = 59;
inline constexpr uint8_t kDestinationOptions = 60;
}  // namespace ip_proto

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flag

struct EthernetHeader {
  MacAddress dst;
  MacAddress src;
  std::optional<uint16_t> vlan_tci;  // present when an 802.1Q tag was on the frame
  uint16_t ether_type = ether_type::kIpv4;
  friend bool operator==(const EthernetHeader&, const EthernetHeader&) = default;
};

// An IPv6 extension header other than Fragment, kept as its body bytes (after
// the next-header and length octets) so that it round-trips exactly.
struct Ipv6ExtensionHeader {
  uint8_t type = ip_proto::kHopByHop;  // hop-by-hop, routing or destination options
  std::vector<uint8_t> body;           // 6 + 8*n bytes
  friend bool operator==(const Ipv6ExtensionHeader&, const Ipv6ExtensionHeader&) = default;
};

struct Ipv6FragmentHeader {
  uint16_t offset = 0;  // in 8-byte units
  bool more_fragments = false;
  uint32_t identification = 0;
  friend bool operator==(const Ipv6FragmentHeader&, const Ipv6FragmentHeader&) = default;
};

// One header for both families: conntrack and NAT treat them alike.
struct IpHeader {
  IpFamily family = IpFamily::kV4;
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = ip_proto::kTcp;  // v6: the upper-layer header after all extension headers
  uint8_t tos = 0;                    // v4 TOS, v6 traffic class
  uint8_t ttl = 64;                   // v4 TTL, v6 hop limit
  // IPv4 only.
  uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // in 8-byte units
  std::vector<uint8_t> options;  // a multiple of 4 bytes
  std::optional<uint16_t> checksum;  // nullopt: computed when built
  // IPv6 only.
  uint32_t flow_label = 0;
  std::vector<Ipv6ExtensionHeader> extension_headers;  // in wire order, before any fragment header
  std::optional<Ipv6FragmentHeader> fragment;

  bool is_fragment() const;        // any fragment, first or later
  bool is_later_fragment() const;  // offset != 0: no upper-layer header inside
  friend bool operator==(const IpHeader&, const IpHeader&) = default;
};

struct TcpOption {
  uint8_t kind = 0;     // 0 end of list, 1 no-op: no length, no data
  TcpOptionBytes data;  // bytes after kind and length

  static TcpOption end_of_list() { return {0, {}}; }
  static TcpOption nop() { return {1, {}}; }
  static TcpOption mss(uint16_t value);
  static TcpOption window_scale(uint8_t shift);
  static TcpOption sack_permitted();
  static TcpOption sack(const std::vector<std::pair<uint32_t, uint32_t>>& blocks);  // at most 4
  static TcpOption timestamps(uint32_t value, uint32_t echo_reply);
  friend bool operator==(const TcpOption&, const TcpOption&) = default;
};

struct TcpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;  // tcp_flag bits
  uint16_t window = 0;
  uint16_t urgent = 0;
  std::vector<TcpOption> options;  // in wire order, padding included as NOP/EOL options
  std::optional<uint16_t> checksum;

  bool has(uint8_t flag) const { return (flags & flag) != 0; }
  std::optional<uint16_t> mss() const;
  std::optional<uint8_t> window_scale() const;
  bool sack_permitted() const;
  std::vector<std::pair<uint32_t, uint32_t>> sack_blocks() const;
  std::optional<std::pair<uint32_t, uint32_t>> timestamps() const;
  friend bool operator==(const TcpHeader&, const TcpHeader&) = default;
};

struct UdpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  std::optional<uint16_t> checksum;  // 0 on the wire means "none" for UDP over IPv4
  friend bool operator==(const UdpHeader&, const UdpHeader&) = default;
};

// ICMP and ICMPv6 share a layout; the IP family tells them apart.
struct IcmpHeader {
  uint8_t type = 8;
  uint8_t code = 0;
  uint32_t rest = 0;  // echo: identifier << 16 | sequence
  std::optional<uint16_t> checksum;

  uint16_t identifier() const { return static_cast<uint16_t>(rest >> 16); }
  uint16_t sequence() const { return static_cast<uint16_t>(rest); }
  friend bool operator==(const IcmpHeader&, const IcmpHeader&) = default;
};

namespace icmp_type {
inline constexpr uint8_t kEchoReply = 0;
inline constexpr uint8_t kDestUnreachable = 3;
inline constexpr uint8_t kSourceQuench = 4;
inline constexpr uint8_t kRedirect = 5;
inline constexpr uint8_t kEchoRequest = 8;
inline constexpr uint8_t kTimeExceeded = 11;
inline constexpr uint8_t kParameterProblem = 12;
inline constexpr uint8_t kTimestamp = 13;
inline constexpr uint8_t kTimestampReply = 14;
}  // namespace icmp_type

namespace icmpv6_type {
inline constexpr uint8_t kDestUnreachable = 1;
inline constexpr uint8_t kPacketTooBig = 2;
inline constexpr uint8_t kTimeExceeded = 3;
inline constexpr uint8_t kParameterProblem = 4;
inline constexpr uint8_t kEchoRequest = 128;
inline constexpr uint8_t kEchoReply = 129;
}  // namespace icmpv6_type

using L4Header = std::variant<std::monostate, TcpHeader, UdpHeader, IcmpHeader>;

struct Packet {
  std::optional<EthernetHeader> eth;  // absent for an IP packet quoted inside an ICMP error
  std::optional<IpHeader> ip;         // absent for frames that are not IP (ARP, ...)
  L4Header l4;                        // monostate: another protocol, or a later fragment
  std::vector<uint8_t> payload;       // bytes after the last parsed header; an ICMP
                                      // error's payload is the quoted packet

  // Filled in by the parser; the builder ignores them.
  bool ip_checksum_ok = true;
  bool l4_checksum_ok = true;
  bool l4_truncated = false;  // quoted packets only: L4 header cut short (8 bytes quoted)
  uint32_t quoted_l4_bytes = 0;  // quoted packets only: bytes from the L4 header to the quote's end

  const TcpHeader* tcp() const { return std::get_if<TcpHeader>(&l4); }
  TcpHeader* tcp() { return std::get_if<TcpHeader>(&l4); }
  const UdpHeader* udp() const { return std::get_if<UdpHeader>(&l4); }
  UdpHeader* udp() { return std::get_if<UdpHeader>(&l4); }
  const IcmpHeader* icmp() const { return std::get_if<IcmpHeader>(&l4); }
  IcmpHeader* icmp() { return std::get_if<IcmpHeader>(&l4); }

  // An ICMP destination-unreachable / time-exceeded / parameter-problem /
  // (v4) source-quench and redirect / (v6) packet-too-big: it quotes a packet.
  bool is_icmp_error() const;

  friend bool operator==(const Packet&, const Packet&) = default;
};

// Clears every stored checksum so that building computes them afresh; used to
// compare packets regardless of what the wire said.
void clear_checksums(Packet& packet);

std::ostream& operator<<(std::ostream& os, const Packet& packet);  // one-line summary

}  // namespace ctc
