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
  kValidKeepTimer,  // accepted, the connection's timer left alone (OVS loose branch)
  kValidNew,  // accepted but reported +new (OVS CT_UPDATE_VALID_NEW: a SYN retransmitted
              // before the handshake went on, or a simultaneous-open SYN)
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

// Trivially constructible (the connection pool keeps one of the two in a
// union); start() initialises everything.
struct LinuxTcp {
  struct Peer {
    uint32_t td_end, td_maxend, td_maxwin, td_maxack;
    uint8_t td_scale, flags;
  };
  Peer peers[2];
  uint32_t last_seq, last_ack, last_end, last_win;
  int64_t timeout_ns;
  uint8_t state;  // TCP_CONNTRACK_* (NONE .. SYN_SENT2)
  uint8_t last_index;
  uint8_t last_dir;
  uint8_t last_flags;
  uint8_t last_wscale;
  uint8_t retrans;
  bool seen_reply;
  bool assured;

  // tcp_new() and the first nf_conntrack_tcp_packet() on the same segment.
  void start(const Segment& s, const Profile& p, const TcpKnobs& k);
  TcpVerdict update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k);
  const char* state_name() const;
};

struct OvsTcp {
  struct Peer {
    uint32_t seqlo, seqhi;
    uint16_t max_win;
    uint8_t wscale;
    uint8_t state;  // CT_DPIF_TCPS_*
  };
  Peer peers[2];
  uint8_t timeout_class;
  bool established;

  void start(const Segment& s);  // tcp_new_conn()
  TcpVerdict update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k);
  int64_t timeout_ns(const Profile& p) const;
  std::string state_name() const;
};

}  // namespace ctc::builtin
