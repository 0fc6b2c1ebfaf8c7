// The byte format fuzz_differential decodes, shared by the target, its
// structure-aware mutator and the seed generator (fuzz/make_seeds.cpp).
//
// Any byte string decodes; nothing is rejected, so libFuzzer never wastes a
// run on an input the decoder throws away. Layout:
//
//   header (4 bytes)
//     h0  bits 0-1 pipeline: 0 firewall, 1 zone-per-port, 2 snat-gateway,
//                            3 dnat-balancer (properties/programs.h)
//         bit  2   profile:  0 linux, 1 ovs-userspace
//         bit  3   mirrored: ports 1 and 2 swap roles (PipelineSpec::mirrored)
//     h1  bits 0-2 zone - 1;  bits 4-6 second zone - 1 (zones 1..8, may be equal)
//     h2  bits 0-1 NAT address: 192.0.2.1, 10.0.0.1 (an inside host: collisions),
//                  fd00:ff::1, 172.16.0.1 (an outside host)
//         bits 2-3 NAT ports: keep, 1024 only (forces port collisions),
//                  1024-1025, 5000-5010
//     h3  unused (kept for future switches; the mutator leaves it alone)
//   then up to kMaxOps records of kOpSize (20) bytes; a shorter tail is ignored.
//
//   record byte 0: kind = b0 % 16: 0-6 TCP, 7-8 UDP, 9 ICMP echo, 10 ICMP
//   error, 11-13 advance, 14 flush, 15 flush of one zone. The other bytes by kind:
//
//   TCP / UDP / ICMP echo (a frame injected on port 1 or 2):
//     1   bit 0 port (0: port 1, 1: port 2), bit 1 IPv6, bit 2 corrupt the L4
//         checksum, bit 3 corrupt the IPv4 header checksum
//     2   low nibble % 8 source endpoint, high nibble % 8 destination endpoint
//         (endpoint(): 0-1 inside hosts, 2-3 outside hosts, 4 a router, 5 the
//         NAT address, 6 the virtual IP, 7 a third inside host)
//     3   low nibble % 8 source port, high nibble % 8 destination port
//         (port_number(): 40000 40001 80 53 5000 1024 0 65535)
//     TCP: 4 flags (tcpdump bits: F S R P A U E C), 5-8 seq, 9-12 ack (big
//          endian), 13-14 window, 15 options: low nibble window scale
//          (0..14 present, 15 absent), bit 4 MSS 1460, bit 5 SACK permitted
//     ICMP echo: 4 bit 0 reply (else request), 5 code (b5 % 4: nonzero codes
//          are invalid for OVS), 6-7 identifier, 8-9 sequence
//     all: 16-17 payload length (big endian) % (kMaxPayload + 1)
//   ICMP error (quoting an earlier injected frame of this run):
//     1   bit 0 port, bit 2 corrupt the ICMP checksum, bit 3 send it to the
//         quoted packet's source (as a router would) instead of endpoint dst,
//         bit 4 quote the frame as the reference let it out (after NAT)
//         rather than as it was injected
//     2   endpoints as above (the error's source; destination unless bit 3)
//     4   kind % 6: unreachable, time exceeded, frag needed / packet too big,
//         parameter problem, redirect, source quench (v4 only; v6: unreachable)
//     5   code % 16
//     6   which earlier frame: the (b6 % n + 1)-th most recent of n so far
//     7   corruption of the quoted bytes % 4: none, xor byte b8 with b9,
//         cut to b8 % 8 L4 bytes, swap the quoted source and destination
//     10  bit 0 quote all L4 bytes (Linux) rather than 8 (the RFC 792 minimum)
//   advance (virtual time moves on):
//     1   mode % 4: 0 milliseconds u16(2-3); 1 a timeout of the profile
//         (index b2 % kTimeoutCount) plus a nudge (b3 % 8: -1s -1ms -1ns 0
//         +1ns +1ms +1s, or the timeout twice); 2 seconds u16(2-3);
//         3 days: (b2 % 8) days + u16(3-4) seconds
//   flush: whole table; flush of one zone: 1 bit 0 picks zone or second zone.
//
// Unused bytes are ignored; encode() writes them as zero.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "properties/programs.h"
#include "reference/conntrack/profile.h"

namespace ctc::fuzz {

inline constexpr size_t kHeaderSize = 4;
inline constexpr size_t kOpSize = 20;
inline constexpr size_t kMaxOps = 64;
inline constexpr size_t kMaxPayload = 1460;
inline constexpr size_t kEndpointCount = 8;
inline constexpr size_t kPortCount = 8;

enum class OpKind : uint8_t { kTcp, kUdp, kIcmpEcho, kIcmpError, kAdvance, kFlush, kFlushZone };

enum class IcmpErrorKind : uint8_t {
  kUnreachable,
  kTimeExceeded,
  kTooBig,
  kParamProblem,
  kRedirect,
  kSourceQuench,
};
inline constexpr uint8_t kIcmpErrorKindCount = 6;

enum class QuoteCorruption : uint8_t { kNone, kXorByte, kCut, kSwapAddresses };

enum class AdvanceMode : uint8_t { kMillis, kTimeout, kSeconds, kDays };
// The nudges added to a profile timeout (kTimeout mode), in order.
inline constexpr uint8_t kNudgeCount = 8;

struct Header {
  PipelineKind pipeline = PipelineKind::kFirewall;
  bool ovs_profile = false;
  bool mirrored = false;
  uint8_t zone_index = 0;         // zone = index + 1
  uint8_t second_zone_index = 1;  // 0..7
  uint8_t nat_address = 0;        // 0..3
  uint8_t nat_ports = 0;          // 0..3
  friend bool operator==(const Header&, const Header&) = default;
};

// One decoded record. Fields not used by the kind are zero after decode().
struct Op {
  OpKind kind = OpKind::kTcp;
  // Frames (TCP, UDP, ICMP echo, ICMP error).
  bool to_port2 = false;
  bool ipv6 = false;
  bool bad_l4_checksum = false;
  bool bad_ip_checksum = false;
  uint8_t src = 0, dst = 0;      // endpoint indices
  uint8_t sport = 0, dport = 0;  // port indices
  uint16_t payload = 0;          // bytes after the L4 header
  // TCP.
  uint8_t flags = 0;
  uint32_t seq = 0, ack = 0;
  uint16_t window = 0;
  uint8_t wscale = 15;  // 0..14, 15: no option
  bool mss = false;
  bool sack_permitted = false;
  // ICMP echo.
  bool echo_reply = false;
  uint8_t echo_code = 0;
  uint16_t echo_id = 0, echo_seq = 0;
  // ICMP error.
  bool to_quoted_source = false;
  bool quote_output = false;
  IcmpErrorKind error_kind = IcmpErrorKind::kUnreachable;
  uint8_t error_code = 0;
  uint8_t quote_back = 0;  // 0: the latest frame
  QuoteCorruption corruption = QuoteCorruption::kNone;
  uint8_t corrupt_at = 0, corrupt_with = 0;
  bool quote_all = false;
  // Advance.
  AdvanceMode advance_mode = AdvanceMode::kMillis;
  uint16_t amount = 0;  // ms, seconds, or the seconds part of kDays
  uint8_t timeout_index = 0;
  uint8_t nudge = 0;
  uint8_t days = 0;
  // Flush of one zone.
  bool second_zone = false;

  bool injects() const { return kind <= OpKind::kIcmpError; }
  friend bool operator==(const Op&, const Op&) = default;
};

struct Input {
  Header header;
  std::vector<Op> ops;  // at most kMaxOps
  friend bool operator==(const Input&, const Input&) = default;
};

// Never fails: see the format above. Ops past kMaxOps are ignored.
Input decode(std::span<const uint8_t> bytes);
// The canonical bytes: decode(encode(x)) == x for every x that decode() made.
std::vector<uint8_t> encode(const Input& input);
// The header's canonical bytes h0 | h1 << 8 | h2 << 16: equal headers, equal bits.
uint32_t header_bits(const Header& header);
std::array<uint8_t, kOpSize> encode_op(const Op& op);
Op decode_op(std::span<const uint8_t, kOpSize> record);

// The pipeline and profile the header selects.
PipelineSpec pipeline_spec(const Header& header);
const Profile& profile(const Header& header);

// Endpoint pools (index -> address, per family); the NAT address and the
// virtual IP follow the pipeline so NAT rules are hit.
IpAddress endpoint(const PipelineSpec& spec, bool ipv6, uint8_t index);
uint16_t port_number(uint8_t index);

// Profile timeouts the advance op can aim at, in a fixed order.
inline constexpr uint8_t kTimeoutCount = 19;
Duration profile_timeout(const Profile& profile, uint8_t index);
Duration advance_duration(const Op& op, const Profile& profile);

}  // namespace ctc::fuzz
