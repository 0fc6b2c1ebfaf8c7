// Which frames the commit-all program (commit_all_program.h) hands to
// conntrack, decided as OVS decides whether `ip` / `ipv6` match: on the
// Ethernet type after the VLAN headers flow_extract() skips (lib/flow.c
// parse_vlan: up to FLOW_MAX_VLAN_HEADERS = 2 tags of TPID 0x8100 or 0x88a8,
// OVS 3.1.0). The IP headers themselves need not be valid: a malformed IPv4
// frame still has dl_type 0x0800, matches `ip` and leaves conntrack +inv
// (lib/conntrack.c conntrack_execute: conn_key_extract fails -> CS_INVALID).
#pragma once

#include <cstdint>
#include <span>

namespace ctc::ovs_conntrack_lib {

enum class FrameDispatch : uint8_t {
  kNotIp,       // misses table 0: dropped, never tracked
  kIp,          // tracked and committed, then forwarded
  // An IPv4 or IPv6 fragment. conntrack_execute() hands it to lib/ipf.c
  // first (ipf_preprocess_conntrack), which keeps it for reassembly and
  // takes it out of the batch: test-conntrack prints no line for it, and the
  // reassembled packet's fragments come back in a later batch. One verdict
  // per frame is not observable then.
  kIpFragment,
};

FrameDispatch dispatch_frame(std::span<const uint8_t> frame);

}  // namespace ctc::ovs_conntrack_lib
