// Bytes -> Packet. Never crashes, never silently accepts: a structural problem
// is a ParseError with a kind; a wrong checksum is not a parse error (conntrack
// decides what it means) but is reported in Packet::ip_checksum_ok/l4_checksum_ok.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "reference/common/result.h"
#include "reference/packet/packet.h"

namespace ctc {

enum class ParseErrorKind {
  kTruncated,          // fewer bytes than a header or a length field needs
  kBadHeaderLength,    // IHL < 5, TCP data offset < 5, option length runs past the header
  kBadVersion,         // IP version field disagrees with the ethertype
  kBadTotalLength,     // IP total / payload length, or UDP length, inconsistent with the frame
  kBadExtensionChain,  // IPv6 extension headers malformed or too many
  kUnsupported,        // well-formed but outside the model (e.g. jumbogram)
};

const char* to_string(ParseErrorKind kind);

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::kTruncated;
  size_t offset = 0;  // byte offset in the input where the problem was found
  std::string detail;
};

std::ostream& operator<<(std::ostream& os, const ParseError& error);

// An Ethernet frame (optionally 802.1Q tagged). Non-IP ethertypes parse into a
// Packet with no ip and the rest as payload. Trailing Ethernet padding beyond
// the IP total length is dropped.
Result<Packet, ParseError> parse_frame(std::span<const uint8_t> frame);
// The same into `packet` (replaced; nullopt on success), whose vectors'
// storage a caller parsing many frames reuses. After an error `packet` holds
// an unspecified, valid Packet.
[[nodiscard]] std::optional<ParseError> parse_frame(std::span<const uint8_t> frame,
                                                    Packet& packet);

// A bare IP packet (no Ethernet header), e.g. the packet quoted inside an ICMP
// error. With allow_truncated_l4, an L4 header cut short still parses: the
// fields present are filled, l4_truncated is set, lengths are not enforced and
// the L4 checksum is not verified.
Result<Packet, ParseError> parse_ip_packet(std::span<const uint8_t> bytes,
                                           bool allow_truncated_l4 = false);

// The packet quoted by an ICMP/ICMPv6 error (packet.is_icmp_error()).
Result<Packet, ParseError> parse_quoted_packet(const Packet& icmp_error);

}  // namespace ctc
