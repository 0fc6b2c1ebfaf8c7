// Packet -> bytes, and a fluent builder: the one way to make packets in tests,
// generators, fuzzers and corpus tools. Checksums left as nullopt are computed;
// a set checksum is written as given (to craft bad ones).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "reference/packet/packet.h"

namespace ctc {

// The whole frame; requires packet.eth. Lengths are always computed.
std::vector<uint8_t> serialize_frame(const Packet& packet);
// The same into `out` (replaced), whose storage a caller building many
// frames reuses.
void serialize_frame(const Packet& packet, std::vector<uint8_t>& out);
// From the IP header on (no Ethernet header); requires packet.ip.
std::vector<uint8_t> serialize_ip(const Packet& packet);
// What an ICMP error quotes: the IP packet cut to IP header(s) + `l4_bytes`
// bytes of what follows (8 for ICMPv4 minimum; Linux quotes as much as fits).
std::vector<uint8_t> quote_for_icmp_error(const Packet& original, size_t l4_bytes = 8);

class PacketBuilder {
 public:
  PacketBuilder();  // Ethernet 00:00:00:00:00:01 -> 00:00:00:00:00:02, no IP yet
  // The same, keeping the storage (not the contents) of `spent`'s payload and
  // TCP options: a caller building many packets hands the last one back.
  explicit PacketBuilder(Packet&& spent);

  PacketBuilder& eth(const MacAddress& src, const MacAddress& dst);
  PacketBuilder& vlan(uint16_t tci);
  PacketBuilder& ether_type(uint16_t type);  // for non-IP frames
  PacketBuilder& ip(const IpAddress& src, const IpAddress& dst);  // family from the addresses
  PacketBuilder& ttl(uint8_t ttl);
  PacketBuilder& tos(uint8_t tos);
  PacketBuilder& ipv4_fragment(uint16_t offset_units, bool more_fragments, uint16_t id);
  PacketBuilder& ip_checksum(uint16_t value);  // force a (wrong) value

  PacketBuilder& tcp(uint16_t src_port, uint16_t dst_port, uint8_t flags, uint32_t seq = 0,
                     uint32_t ack = 0, uint16_t window = 65535);
  PacketBuilder& tcp_option(TcpOption option);
  PacketBuilder& udp(uint16_t src_port, uint16_t dst_port);
  PacketBuilder& icmp_echo_request(uint16_t id, uint16_t seq);  // v4 or v6 by family
  PacketBuilder& icmp_echo_reply(uint16_t id, uint16_t seq);
  // An error quoting `original` (its IP packet cut to headers + 8 bytes).
  PacketBuilder& icmp_error(uint8_t type, uint8_t code, const Packet& original,
                            size_t quoted_l4_bytes = 8);
  PacketBuilder& icmp(uint8_t type, uint8_t code, uint32_t rest);
  PacketBuilder& l4_checksum(uint16_t value);  // force a (wrong) value
  PacketBuilder& payload(std::vector<uint8_t> bytes);
  PacketBuilder& payload_size(size_t n);  // n bytes of a fixed pattern

  const Packet& packet() const& { return packet_; }
  // On a builder that is done with (std::move(b).packet()): no copy.
  Packet packet() && { return std::move(packet_); }
  std::vector<uint8_t> frame() const { return serialize_frame(packet_); }

 private:
  Packet packet_;
  std::vector<TcpOption> spare_options_;  // from the spent packet, for tcp()
};

}  // namespace ctc
