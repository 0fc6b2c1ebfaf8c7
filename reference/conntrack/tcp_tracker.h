// The plug-in point for TCP semantics (cf. OVS lib/conntrack-private.h
// ct_l4_proto: valid_new / new_conn / conn_update). One implementation per
// profile: tcp_tracker_linux.cpp (nf_conntrack_proto_tcp.c) and
// tcp_tracker_ovs.cpp (lib/conntrack-tcp.c, from pf). The core knows nothing
// about TCP beyond this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "reference/conntrack/ct_types.h"
#include "reference/conntrack/invalid_reason.h"
#include "reference/conntrack/profile.h"
#include "reference/packet/packet.h"

namespace ctc {

// What a tracker needs of one segment; extracted once from the Packet.
struct TcpSegment {
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;     // as on the wire, unscaled
  uint32_t payload_len = 0;
  std::optional<uint8_t> window_scale;  // option present on this segment
  bool sack_permitted = false;

  static TcpSegment from(const TcpHeader& tcp, uint32_t payload_len);
  bool has(uint8_t flag) const { return (flags & flag) != 0; }
};

enum class TcpUpdateKind : uint8_t {
  kValid,    // accepted; the connection stays
  kValidNew, // accepted, but the packet is reported +new (OVS CT_UPDATE_VALID_NEW:
             // a SYN retransmitted before the handshake went on)
  kInvalid,  // +inv; the connection's state is not changed
  kRecycle,  // a new SYN on a closing connection: delete it and start a new one
             // (OVS CT_UPDATE_NEW; Linux: TIME_WAIT/CLOSE + SYN -> restart)
  kDelete,   // accepted, and the connection is removed at once (Linux: an RST
             // before any reply, nf_conntrack_tcp_packet "only reply is a RST")
};

struct TcpUpdate {
  TcpUpdateKind kind = TcpUpdateKind::kValid;
  InvalidReason reason = InvalidReason::kNone;
  // Accepted packets restart the connection's timer at its current timeout,
  // except where the tracker says not to: OVS's loose branch of
  // tcp_conn_update() calls no conn_update_expiration(), so a connection kept
  // alive only by such packets expires on the timer its last in-window
  // packet set.
  bool refresh_timer = true;
};

// The state of one tracked TCP connection.
class TcpConnectionTracker {
 public:
  virtual ~TcpConnectionTracker() = default;
  virtual TcpUpdate update(const TcpSegment& segment, Direction direction) = 0;
  // Current state, normalised for the dump ("ESTABLISHED", "SYN_SENT", ...).
  virtual std::string state_name() const = 0;
  // Timeout for the current state, from the profile.
  virtual Duration timeout() const = 0;
  // Linux IPS_ASSURED / OVS: has the connection been fully established?
  virtual bool established() const = 0;
  virtual std::unique_ptr<TcpConnectionTracker> clone() const = 0;
};

class TcpTrackerFactory {
 public:
  virtual ~TcpTrackerFactory() = default;
  // May this segment start a connection? kNone when yes.
  virtual InvalidReason check_new(const TcpSegment& first) const = 0;
  // A tracker that has processed `first` in the original direction (caller
  // checked check_new first).
  virtual std::unique_ptr<TcpConnectionTracker> create(const TcpSegment& first) const = 0;
};

// The factory for the profile's tcp_tracker kind; the profile must outlive it.
std::unique_ptr<TcpTrackerFactory> make_tcp_tracker_factory(const Profile& profile);

}  // namespace ctc
