// Every reject path has a name, so reports can count why packets were +inv
// (cf. OVS COVERAGE_DEFINE(conntrack_invalid_tcp_flags)).
#pragma once

#include <cstdint>

namespace ctc {

enum class InvalidReason : uint8_t {
  kNone,
  kNotIp,                // not IPv4/IPv6: ct() leaves it untracked
  kFragment,             // fragments are not reassembled by the oracle
  kBadIpChecksum,
  kBadL4Checksum,
  kTruncatedL4,
  kPortZero,             // TCP/UDP port 0 (OVS extract_l4_tcp: "Port 0 is invalid")
  kTcpInvalidFlags,      // flag combination no state accepts
  kTcpSynAckFirst,       // SYN+ACK cannot start a connection (OVS tcp_valid_new)
  kTcpNoSynFirst,        // mid-stream pickup refused (not loose / RST / FIN first)
  kTcpInvalidTransition, // the profile's state table says invalid
  kTcpOutOfWindow,       // seq/ack outside the tracked window
  kTcpBadRst,            // RST with an unacceptable sequence number
  kIcmpNotTrackable,     // ICMP type that neither opens nor relates (e.g. reply first)
  kIcmpErrorUnrelated,   // error quoting nothing we track
  kIcmpErrorBadQuote,    // quoted packet malformed or inconsistent with the outer header
  kZoneLimit,            // commit refused by the per-zone limit
  kNatExhausted,         // no free tuple in the NAT range
  kCommitConflict,       // commit clashes with an existing connection
};

const char* to_string(InvalidReason reason);

}  // namespace ctc
