#include "reference/conntrack/tcp_tracker_ovs.h"

#include <algorithm>
#include <array>

#include "reference/conntrack/tcp_sequence.h"

namespace ctc {
namespace {

// enum ct_dpif_tcp_state (lib/ct-dpif.h): the order matters, the tracker
// compares states with < and >=.
enum PeerState : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kCloseWait,
  kFinWait1,
  kClosing,
  kLastAck,
  kFinWait2,
  kTimeWait,
};

// The CT_DPIF_TCP_STATES names (lib/ct-dpif.h), as ct_dpif_format_tcp_stat() prints them.
constexpr const char* kPeerStateNames[] = {
    "CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RECV",   "ESTABLISHED", "CLOSE_WAIT",
    "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT",
};

// The pf-style timeout classes of lib/conntrack-tp.c (CT_TM_TCP_*).
enum class TimeoutClass : uint8_t { kFirstPacket, kOpening, kEstablished, kClosing, kFinWait, kClosed };

// tcp_get_wscale() / struct tcp_peer wscale encoding.
constexpr uint8_t kMaxWindowScale = 14;      // TCP_MAX_WSCALE
constexpr uint8_t kWindowScaleSeen = 0x80;   // CT_WSCALE_FLAG: the option was on the SYN
constexpr uint8_t kWindowScaleUnknown = 0x40;  // CT_WSCALE_UNKNOWN: picked up mid-stream
constexpr uint8_t kWindowScaleMask = 0x0f;   // CT_WSCALE_MASK

// tcp_conn_update(): MAXACKWINDOW, "1500 is an arbitrary fudge factor".
constexpr int32_t kMaxAckWindow = 0xffff + 1500;

// tcp_invalid_flags(): the checks pf_normalize_tcp() makes when scrubbing.
bool has_invalid_flags(uint8_t flags) {
  using namespace tcp_flag;
  if (flags & kSyn) {
    if (flags & (kRst | kFin)) return true;  // SYN with RST or FIN
  } else if (!(flags & (kAck | kRst))) {
    return true;  // neither SYN, ACK nor RST: "Illegal packet"
  }
  // FIN, PSH and URG are only valid together with ACK.
  if (!(flags & kAck) && (flags & (kFin | kPsh | kUrg))) return true;
  return false;
}

// tcp_get_wscale(): the option value capped at 14 and marked as seen, or 0
// when the segment carries no window scale option.
uint8_t window_scale_of(const TcpSegment& s) {
  if (!s.window_scale) return 0;
  return static_cast<uint8_t>(std::min(*s.window_scale, kMaxWindowScale) | kWindowScaleSeen);
}

// DIV_ROUND_UP(win, 1 << scale): an initial (SYN) window expressed in the
// units that later, scaled, windows use.
uint16_t unscale_window(uint32_t window, uint8_t scale) {
  const uint32_t unit = 1u << scale;
  return static_cast<uint16_t>((window + unit - 1) / unit);
}

struct Peer {  // struct tcp_peer
  uint32_t seqlo = 0;     // highest sequence number sent
  uint32_t seqhi = 0;     // highest the other end acknowledged plus its window
  uint16_t max_win = 0;   // largest window seen, before scaling
  uint8_t wscale = 0;     // kWindowScale* bits | scale factor
  PeerState state = kClosed;
};

class OvsTcpTracker final : public TcpConnectionTracker {
 public:
  explicit OvsTcpTracker(const Profile& profile) : profile_(profile) {}

  // tcp_new_conn(): only the sender's peer is initialised from the first
  // packet; unlike Linux, that packet is not run through tcp_conn_update().
  void start(const TcpSegment& s) {
    Peer& src = peers_[0];
    Peer& dst = peers_[1];
    src.seqlo = s.seq;
    src.seqhi = s.seq + s.payload_len + 1;
    if (s.has(tcp_flag::kSyn)) {
      ++src.seqhi;
      src.wscale = window_scale_of(s);
    } else {
      // Picked up mid-stream: neither side's scaling is known.
      src.wscale = kWindowScaleUnknown;
      dst.wscale = kWindowScaleUnknown;
    }
    src.max_win = std::max<uint16_t>(s.window, 1);
    if (src.wscale & kWindowScaleMask) {
      src.max_win = unscale_window(src.max_win, src.wscale & kWindowScaleMask);
    }
    if (s.has(tcp_flag::kFin)) ++src.seqhi;
    dst.seqhi = 1;
    dst.max_win = 1;
    src.state = kSynSent;
    dst.state = kClosed;
    timeout_class_ = TimeoutClass::kFirstPacket;  // conn_init_expiration(CT_TM_TCP_FIRST_PACKET)
  }

  // tcp_conn_update().
  TcpUpdate update(const TcpSegment& s, Direction dir) override {
    if (has_invalid_flags(s.flags)) return invalid(InvalidReason::kTcpInvalidFlags);
    bool refresh_timer = true;
    const bool reply = dir == Direction::kReply;
    Peer& src = peers_[reply ? 1 : 0];  // the peer that sent the segment
    Peer& dst = peers_[reply ? 0 : 1];  // the peer that should receive it
    const bool syn = s.has(tcp_flag::kSyn);
    const bool ack_set = s.has(tcp_flag::kAck);
    const bool rst = s.has(tcp_flag::kRst);
    const bool fin = s.has(tcp_flag::kFin);

    // A bare SYN once both sides are past FIN_WAIT_2: the old connection is
    // over, the caller replaces it (CT_UPDATE_NEW).
    if (syn && !ack_set && dst.state >= kFinWait2 && src.state >= kFinWait2) {
      src.state = dst.state = kClosed;
      return {TcpUpdateKind::kRecycle, InvalidReason::kNone};
    }
    // A bare SYN from an end not yet past SYN_SENT (a retransmitted SYN, or
    // the other end's SYN of a simultaneous open): CT_UPDATE_VALID_NEW, i.e.
    // +new without +est/+rpl, the first-packet timeout again, no window
    // check (tcp_conn_update; measured on OVS 3.1: a retransmitted SYN is +new).
    if (syn && !ack_set && src.state <= kSynSent) {
      src.state = kSynSent;
      timeout_class_ = TimeoutClass::kFirstPacket;
      return {TcpUpdateKind::kValidNew, InvalidReason::kNone};
    }

    uint8_t sws = 0;  // sender's window scale
    uint8_t dws = 0;  // receiver's window scale
    if ((src.wscale & kWindowScaleSeen) && (dst.wscale & kWindowScaleSeen) && !syn) {
      sws = src.wscale & kWindowScaleMask;
      dws = dst.wscale & kWindowScaleMask;
    } else if ((src.wscale & kWindowScaleUnknown) && (dst.wscale & kWindowScaleUnknown) && !syn) {
      // Scaling unknown (pickup): assume the largest, i.e. be permissive.
      sws = kMaxWindowScale;
      dws = kMaxWindowScale;
    }

    // Guido van Rooij's sequence tracking, as pf does it.
    uint16_t win = s.window;
    uint32_t seq = s.seq;
    uint32_t ack = s.ack;
    uint32_t end = s.seq + s.payload_len + (syn ? 1 : 0) + (fin ? 1 : 0);
    bool check_ackskew = true;

    if (src.state < kSynSent) {
      // First packet from this end: set up its peer. These changes stay even
      // if the segment is then found invalid, as in OVS.
      if (syn && (dst.wscale & kWindowScaleSeen)) {
        src.wscale = window_scale_of(s);
        if (src.wscale & kWindowScaleSeen) {
          sws = src.wscale & kWindowScaleMask;
          win = unscale_window(win, sws);  // the SYN's own window is unscaled
          dws = dst.wscale & kWindowScaleMask;
        } else {
          // Only one side offered scaling: undo it on the other side's
          // window ("fixup other window"; in case of a retransmitted SYN|ACK).
          dst.max_win = static_cast<uint16_t>(dst.max_win << (dst.wscale & kWindowScaleMask));
          dst.wscale = 0;
        }
      }
      src.seqlo = s.seq;
      src.state = kSynSent;
      // Slide the window (seqhi may have been set by a pickup); a new or
      // picked-up connection gets no ackskew check.
      const uint32_t other_window = std::max<uint32_t>(1, uint32_t{dst.max_win} << dws);
      if (src.seqhi == 1 || seq_at_or_after(end + other_window, src.seqhi)) {
        src.seqhi = end + other_window;
        check_ackskew = false;
      }
      if (win > src.max_win) src.max_win = win;
    }

    if (!ack_set) {
      ack = dst.seqlo;  // let it pass the ackskew check
    } else if (ack == 0 && rst) {
      ack = dst.seqlo;  // broken stacks send RST|ACK with ack 0
    }

    if (seq == end) {
      // No data: ease the sequencing restrictions.
      seq = src.seqlo;
      end = seq;
    }

    const int32_t ackskew = check_ackskew ? static_cast<int32_t>(dst.seqlo - ack) : 0;
    const uint32_t scaled_win = uint32_t{win} << sws;
    const bool in_window =
        seq_at_or_after(src.seqhi, end)  // last octet inside the other's window
        && seq_at_or_after(seq, src.seqlo - (uint32_t{dst.max_win} << dws))  // retransmit: at most a window back
        && ackskew >= -kMaxAckWindow                  // acks at most one fragment backwards
        && ackskew <= (kMaxAckWindow << sws);         // acks at most one window forward
    // "Require an exact/+1 sequence match on resets when possible".
    const bool rst_seq_ok =
        !rst || s.seq == src.seqlo || s.seq == src.seqlo + 1 || s.seq + 1 == src.seqlo;
    // ct-disable-tcp-seq-chk: tcp_bypass_seq_chk() skips all of the above.
    const bool bypass = profile_.tcp_liberal;

    if ((in_window && rst_seq_ok) || bypass) {
      learn_from(src, dst, win, end, ack, scaled_win);
      if (syn && src.state < kSynSent) src.state = kSynSent;
      if (fin && src.state < kClosing) src.state = kClosing;
      if (ack_set) {
        if (dst.state == kSynSent) {
          dst.state = kEstablished;
        } else if (dst.state == kClosing) {
          dst.state = kFinWait2;
        }
      }
      if (rst) src.state = dst.state = kTimeWait;
      timeout_class_ = timeout_class_for(src.state, dst.state);
    } else if ((dst.state < kSynSent || dst.state >= kFinWait2 || src.state >= kFinWait2) &&
               seq_at_or_after(src.seqhi + kMaxAckWindow, end) &&
               seq_at_or_after(seq, src.seqlo - kMaxAckWindow)) {
      // The loose branch: shotgunned SYNs before the peer answered, pickup of
      // an established stream, and stray packets right after a close. Within
      // a window of the sender's position either way; dst.seqhi is not
      // trusted, and neither the timeout class nor the timer is touched
      // ("We don't update the TTL here to mitigate the damage of a packet
      // flood"): the connection still expires when its last in-window packet
      // said.
      refresh_timer = false;
      learn_from(src, dst, win, end, ack, scaled_win);
      if (fin && src.state < kClosing) src.state = kClosing;
      if (rst) src.state = dst.state = kTimeWait;
    } else {
      return invalid(in_window && !rst_seq_ok ? InvalidReason::kTcpBadRst
                                              : InvalidReason::kTcpOutOfWindow);
    }

    // Not part of tcp_conn_update(): remember that the handshake completed.
    // A reset also drives both peers to TIME_WAIT, which is no establishment.
    if (!rst && peers_[0].state >= kEstablished && peers_[1].state >= kEstablished) {
      established_ = true;
    }
    return {TcpUpdateKind::kValid, InvalidReason::kNone, refresh_timer};
  }

  std::string state_name() const override {
    return std::string(kPeerStateNames[peers_[0].state]) + "/" + kPeerStateNames[peers_[1].state];
  }

  // tm_to_ct_dpif_tp(): the pf classes onto the Linux-named timeouts.
  Duration timeout() const override {
    const TcpTimeouts& t = profile_.timeouts.tcp;
    switch (timeout_class_) {
      case TimeoutClass::kFirstPacket: return t.syn_sent;
      case TimeoutClass::kOpening: return t.syn_recv;
      case TimeoutClass::kEstablished: return t.established;
      case TimeoutClass::kClosing: return t.fin_wait;
      case TimeoutClass::kFinWait: return t.time_wait;
      case TimeoutClass::kClosed: return t.close;
    }
    return t.close;
  }

  bool established() const override { return established_; }

  std::unique_ptr<TcpConnectionTracker> clone() const override {
    return std::make_unique<OvsTcpTracker>(*this);
  }

 private:
  static TcpUpdate invalid(InvalidReason reason) { return {TcpUpdateKind::kInvalid, reason}; }

  // The bookkeeping both accepting branches of tcp_conn_update() share:
  // update max window, synchronise sequencing, slide the window of what the
  // other end may send.
  static void learn_from(Peer& src, Peer& dst, uint16_t win, uint32_t end, uint32_t ack,
                         uint32_t scaled_win) {
    if (src.max_win < win) src.max_win = win;
    if (seq_after(end, src.seqlo)) src.seqlo = end;
    if (seq_at_or_after(ack + scaled_win, dst.seqhi)) dst.seqhi = ack + std::max<uint32_t>(scaled_win, 1);
  }

  // The conn_update_expiration() cascade at the end of tcp_conn_update()'s
  // in-window branch; the order of the tests matters.
  static TimeoutClass timeout_class_for(PeerState src, PeerState dst) {
    if (src >= kFinWait2 && dst >= kFinWait2) return TimeoutClass::kClosed;
    if (src >= kClosing && dst >= kClosing) return TimeoutClass::kFinWait;
    if (src < kEstablished || dst < kEstablished) return TimeoutClass::kOpening;
    if (src >= kClosing || dst >= kClosing) return TimeoutClass::kClosing;
    return TimeoutClass::kEstablished;
  }

  const Profile& profile_;
  std::array<Peer, 2> peers_{};  // [0] original sender, [1] reply sender
  TimeoutClass timeout_class_ = TimeoutClass::kFirstPacket;
  bool established_ = false;
};

class OvsTcpTrackerFactory final : public TcpTrackerFactory {
 public:
  explicit OvsTcpTrackerFactory(const Profile& profile) : profile_(profile) {}

  // tcp_valid_new(): any well-formed segment may start a connection (pf
  // pickup) except a SYN+ACK: "totally new connections (syn) or already
  // established, not partially open".
  InvalidReason check_new(const TcpSegment& first) const override {
    if (has_invalid_flags(first.flags)) return InvalidReason::kTcpInvalidFlags;
    if (first.has(tcp_flag::kSyn) && first.has(tcp_flag::kAck)) return InvalidReason::kTcpSynAckFirst;
    return InvalidReason::kNone;
  }

  std::unique_ptr<TcpConnectionTracker> create(const TcpSegment& first) const override {
    auto tracker = std::make_unique<OvsTcpTracker>(profile_);
    tracker->start(first);
    return tracker;
  }

 private:
  const Profile& profile_;
};

}  // namespace

std::unique_ptr<TcpTrackerFactory> make_ovs_tcp_tracker_factory(const Profile& profile) {
  return std::make_unique<OvsTcpTrackerFactory>(profile);
}

}  // namespace ctc
