#include "reference/conntrack/invalid_reason.h"

namespace ctc {

const char* to_string(InvalidReason reason) {
  switch (reason) {
    case InvalidReason::kNone: return "none";
    case InvalidReason::kNotIp: return "not-ip";
    case InvalidReason::kFragment: return "fragment";
    case InvalidReason::kBadIpChecksum: return "bad-ip-checksum";
    case InvalidReason::kBadL4Checksum: return "bad-l4-checksum";
    case InvalidReason::kTruncatedL4: return "truncated-l4";
    case InvalidReason::kPortZero: return "port-zero";
    case InvalidReason::kTcpInvalidFlags: return "tcp-invalid-flags";
    case InvalidReason::kTcpSynAckFirst: return "tcp-synack-first";
    case InvalidReason::kTcpNoSynFirst: return "tcp-no-syn-first";
    case InvalidReason::kTcpInvalidTransition: return "tcp-invalid-transition";
    case InvalidReason::kTcpOutOfWindow: return "tcp-out-of-window";
    case InvalidReason::kTcpBadRst: return "tcp-bad-rst";
    case InvalidReason::kIcmpNotTrackable: return "icmp-not-trackable";
    case InvalidReason::kIcmpErrorUnrelated: return "icmp-error-unrelated";
    case InvalidReason::kIcmpErrorBadQuote: return "icmp-error-bad-quote";
    case InvalidReason::kZoneLimit: return "zone-limit";
    case InvalidReason::kNatExhausted: return "nat-exhausted";
    case InvalidReason::kCommitConflict: return "commit-conflict";
  }
  return "?";
}

}  // namespace ctc
