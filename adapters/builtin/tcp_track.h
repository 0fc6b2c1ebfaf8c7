// TCP tracking for the built-in engine: both profiles' trackers as flat
// structs updated in place (no allocation, no virtual calls). The core picks
// one by the profile's TcpTrackerKind.
//
//   LinuxTcp: nf_conntrack_proto_tcp.c (Linux 6.1): the tcp_conntracks[][][]
//             state table and tcp_in_window() with td_end/td_maxend/td_maxwin.
//   OvsTcp:   lib/conntrack-tcp.c (OVS 3.1, from OpenBSD pf): per-direction
//             peer states and pf's seqlo/seqhi windows.
#pragma once

#include <cstdint>
#include <string>

#include "reference/conntrack/profile.h"

namespace ctc::builtin {

// What the trackers need of one segment, read from the frame.
struct Segment {
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  uint32_t payload_len = 0;
  bool has_wscale = false;
  uint8_t wscale = 0;
  bool sack_perm = false;
  bool has(uint8_t f) const { return (flags & f) != 0; }
};

enum class TcpVerdict : uint8_t {
  kValid,
  kInvalidFlags,
  kInvalidTransition,
  kOutOfWindow,
  kBadRst,
  kRecycle,  // a new SYN on a closed connection: replace it
  kDelete,   // accepted, then the connection goes (Linux: RST before any reply)
};

// Per-engine knobs that are not in the Profile: deliberate faults.
struct TcpKnobs {
  bool no_window_check = false;    // Fault::kNoWindowCheck
  bool previous_state_timeout = false;  // Fault::kTimeoutOffByOneState
};

// May `s` open a connection? kValid when yes, else the reason.
TcpVerdict linux_check_new(const Segment& s, const Profile& profile);
TcpVerdict ovs_check_new(const Segment& s);

struct LinuxTcp {
  struct Peer {
    uint32_t td_end = 0, td_maxend = 0, td_maxwin = 0, td_maxack = 0;
    uint8_t td_scale = 0, flags = 0;
  };
  Peer peers[2];
  uint32_t last_seq = 0, last_ack = 0, last_end = 0, last_win = 0;
  int64_t timeout_ns = 0;
  uint8_t state = 0;  // TCP_CONNTRACK_* (NONE .. SYN_SENT2)
  uint8_t last_index = 5;
  uint8_t last_dir = 0;
  uint8_t last_flags = 0;
  uint8_t last_wscale = 0;
  uint8_t retrans = 0;
  bool seen_reply = false;
  bool assured = false;

  // tcp_new() and the first nf_conntrack_tcp_packet() on the same segment.
  void start(const Segment& s, const Profile& p, const TcpKnobs& k);
  TcpVerdict update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k);
  const char* state_name() const;
};

struct OvsTcp {
  struct Peer {
    uint32_t seqlo = 0, seqhi = 0;
    uint16_t max_win = 0;
    uint8_t wscale = 0;
    uint8_t state = 0;  // CT_DPIF_TCPS_*
  };
  Peer peers[2];
  uint8_t timeout_class = 0;
  bool established = false;

  void start(const Segment& s);  // tcp_new_conn()
  TcpVerdict update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k);
  int64_t timeout_ns(const Profile& p) const;
  std::string state_name() const;
};

}  // namespace ctc::builtin
