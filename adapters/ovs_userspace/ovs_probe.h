// How the OVS adapter observes, per injected packet, the classification and
// the end of processing, through nothing but ports.
//
// Classification probe. The classification of a packet is the ct_state that
// the last recirculating ct(table=T) handed to table T (adapters/adapter.h).
// The flow program is rewritten so that every `ct(...,table=T,...)` becomes
// `ct(...,table=P,...)`, where P = probe_table(T) is a table the program does
// not mention. Table P holds one rule:
//
//   table=P,priority=0,actions=clone(set_field:02:c7:c7:00:00:00->eth_dst,
//       load:T->NXM_OF_ETH_DST[8..15],move:NXM_NX_CT_STATE[0..7]->NXM_OF_ETH_DST[0..7],
//       output:PROBE),resubmit(,T)
//
// so a copy of the packet leaves on the probe port with eth_dst
// 02:c7:c7:00:TT:SS (T and the ct_state bits SS; the eight ct_state bits of
// ovs-fields(7) fit in one byte), and the original continues in table T with
// the same metadata, as the recirculation would have. Verified by
// experiment on OVS 3.1: a TCP handshake through ct(table=1,zone=1) gives SS
// 0x21 (+trk+new), 0x2a (+trk+est+rpl), 0x22 (+trk+est). The last probe copy
// before the barrier is the classification; none means no ct(table=) ran.
// Differences from the unrewritten program: one more resubmit level (OVS
// allows 64), and table P's flow counters; nothing the packet can see.
// Probe tables are taken from 253 down (254 is reserved for OVS's internal
// rules, 255 means "all tables"). When the program names a table OVS would
// need to resolve by name, or mentions every free table, the program runs
// unrewritten and classification is reported unavailable for it.
//
// Barrier. After each frame the adapter sends a marker frame (ethertype
// 0x88b5, a sequence number in the payload) on the same port socket. OVS
// takes one frame per batch from a dummy port (lib/netdev-dummy.c
// netdev_dummy_rxq_recv) and finishes the frame, recirculations included,
// before it reads the marker. A rule at the top priority of table 0 sends the
// marker to every scenario port and the probe port (after zeroing in_port so
// that the marker's own port gets a copy). Each port's socket is a FIFO
// (dummy_packet_stream_send), so every frame before the marker on a socket
// was caused by the injected frame. A scenario rule that also sits at
// priority 65535 in table 0 and matches the marker would make the choice
// between them undefined; scenarios do not use that priority.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reference/conntrack/ct_types.h"

namespace ctc {

inline constexpr uint16_t kProbeOfport = 65279;  // the highest ofport below OFPP_MAX (0xff00)
inline constexpr const char* kProbePortName = "ctcprobe";
inline constexpr uint16_t kMarkerEtherType = 0x88b5;  // IEEE 802 local experimental

struct ProbeProgram {
  std::string flows;  // what ovs-ofctl loads: marker rule, rewritten program, probe tables
  bool classification_available = true;
  std::string unavailable_reason;       // when not available
  std::map<uint8_t, uint8_t> probe_of;  // T -> P(T)
};

// The program to load for `scenario_flows` (ovs-ofctl add-flows text) with
// the given scenario ofports. Never fails: when the rewrite is impossible the
// program is loaded as written and classification is marked unavailable.
ProbeProgram build_probe_program(const std::string& scenario_flows,
                                 const std::vector<uint16_t>& scenario_ofports);

struct ProbeHit {
  uint8_t table = 0;  // T of the ct(table=T) that ran
  CtState state;
};

// A frame from the probe port: a probe copy, or nullopt for anything else.
std::optional<ProbeHit> decode_probe_frame(std::span<const uint8_t> frame);

std::vector<uint8_t> marker_frame(uint64_t sequence);
// The marker's sequence number, or nullopt when `frame` is not a marker.
std::optional<uint64_t> decode_marker(std::span<const uint8_t> frame);

}  // namespace ctc
