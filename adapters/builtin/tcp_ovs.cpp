// OVS userspace TCP tracking (lib/conntrack-tcp.c, OVS 3.1, from OpenBSD
// pf), flat: one OvsTcp per connection, updated in place.
#include <algorithm>

#include "adapters/builtin/tcp_track.h"

namespace ctc::builtin {
namespace {

// enum ct_dpif_tcp_state: ordered, compared with < and >=.
enum : uint8_t {
  kClosed, kListen, kSynSent, kSynRecv, kEstablished, kCloseWait, kFinWait1, kClosing,
  kLastAck, kFinWait2, kTimeWait,
};
constexpr const char* kNames[] = {"CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RECV",
                                  "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
                                  "LAST_ACK",   "FIN_WAIT_2", "TIME_WAIT"};

// lib/conntrack-tp.c CT_TM_TCP_* classes.
enum : uint8_t { kFirstPacket, kOpening, kEstablishedClass, kClosingClass, kFinWaitClass, kClosedClass };

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;
constexpr uint8_t kMaxWscale = 14;       // TCP_MAX_WSCALE
constexpr uint8_t kWscaleSeen = 0x80;    // CT_WSCALE_FLAG
constexpr uint8_t kWscaleUnknown = 0x40; // CT_WSCALE_UNKNOWN
constexpr uint8_t kWscaleMask = 0x0f;
constexpr int32_t kMaxAckWindow = 0xffff + 1500;  // MAXACKWINDOW

bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool at_or_after(uint32_t a, uint32_t b) { return !before(a, b); }
bool after(uint32_t a, uint32_t b) { return before(b, a); }

// tcp_invalid_flags().
bool invalid_flags(uint8_t f) {
  if (f & kSyn) {
    if (f & (kRst | kFin)) return true;
  } else if (!(f & (kAck | kRst))) {
    return true;
  }
  return !(f & kAck) && (f & (kFin | kPsh | kUrg));
}

uint8_t wscale_of(const Segment& s) {  // tcp_get_wscale()
  if (!s.has_wscale) return 0;
  return static_cast<uint8_t>(std::min(s.wscale, kMaxWscale) | kWscaleSeen);
}

uint16_t unscale(uint32_t window, uint8_t scale) {  // DIV_ROUND_UP(win, 1 << scale)
  const uint32_t unit = 1u << scale;
  return static_cast<uint16_t>((window + unit - 1) / unit);
}

void learn(OvsTcp::Peer& src, OvsTcp::Peer& dst, uint16_t win, uint32_t end, uint32_t ack,
           uint32_t scaled_win) {
  if (src.max_win < win) src.max_win = win;
  if (after(end, src.seqlo)) src.seqlo = end;
  if (at_or_after(ack + scaled_win, dst.seqhi)) dst.seqhi = ack + std::max<uint32_t>(scaled_win, 1);
}

uint8_t class_for(uint8_t src, uint8_t dst) {  // conn_update_expiration() cascade
  if (src >= kFinWait2 && dst >= kFinWait2) return kClosedClass;
  if (src >= kClosing && dst >= kClosing) return kFinWaitClass;
  if (src < kEstablished || dst < kEstablished) return kOpening;
  if (src >= kClosing || dst >= kClosing) return kClosingClass;
  return kEstablishedClass;
}

}  // namespace

TcpVerdict ovs_check_new(const Segment& s) {  // tcp_valid_new()
  if (invalid_flags(s.flags)) return TcpVerdict::kInvalidFlags;
  if (s.has(kSyn) && s.has(kAck)) return TcpVerdict::kInvalidTransition;
  return TcpVerdict::kValid;
}

void OvsTcp::start(const Segment& s) {
  *this = OvsTcp{};
  Peer& src = peers[0];
  Peer& dst = peers[1];
  src.seqlo = s.seq;
  src.seqhi = s.seq + s.payload_len + 1;
  if (s.has(kSyn)) {
    ++src.seqhi;
    src.wscale = wscale_of(s);
  } else {
    src.wscale = dst.wscale = kWscaleUnknown;  // picked up mid-stream
  }
  src.max_win = std::max<uint16_t>(s.window, 1);
  if (src.wscale & kWscaleMask) src.max_win = unscale(src.max_win, src.wscale & kWscaleMask);
  if (s.has(kFin)) ++src.seqhi;
  dst.seqhi = 1;
  dst.max_win = 1;
  src.state = kSynSent;
  dst.state = kClosed;
  timeout_class = kFirstPacket;
}

TcpVerdict OvsTcp::update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k) {
  if (invalid_flags(s.flags)) return TcpVerdict::kInvalidFlags;
  Peer& src = peers[dir];
  Peer& dst = peers[1 - dir];
  const uint8_t old_src = src.state, old_dst = dst.state;
  const bool syn = s.has(kSyn), ack_set = s.has(kAck), rst = s.has(kRst), fin = s.has(kFin);
  bool keep_timer = false;

  if (syn && !ack_set && dst.state >= kFinWait2 && src.state >= kFinWait2) {
    src.state = dst.state = kClosed;
    return TcpVerdict::kRecycle;  // CT_UPDATE_NEW
  }
  // A bare SYN from an end not yet past SYN_SENT: CT_UPDATE_VALID_NEW, the
  // first-packet timeout again, no window check.
  if (syn && !ack_set && src.state <= kSynSent) {
    src.state = kSynSent;
    timeout_class = k.previous_state_timeout ? class_for(old_src, old_dst) : uint8_t{kFirstPacket};
    return TcpVerdict::kValidNew;
  }

  uint8_t sws = 0, dws = 0;
  if ((src.wscale & kWscaleSeen) && (dst.wscale & kWscaleSeen) && !syn) {
    sws = src.wscale & kWscaleMask;
    dws = dst.wscale & kWscaleMask;
  } else if ((src.wscale & kWscaleUnknown) && (dst.wscale & kWscaleUnknown) && !syn) {
    sws = dws = kMaxWscale;
  }

  uint16_t win = s.window;
  uint32_t seq = s.seq, ack = s.ack;
  uint32_t end = s.seq + s.payload_len + (syn ? 1 : 0) + (fin ? 1 : 0);
  bool check_ackskew = true;

  if (src.state < kSynSent) {  // first packet from this end
    if (syn && (dst.wscale & kWscaleSeen)) {
      src.wscale = wscale_of(s);
      if (src.wscale & kWscaleSeen) {
        sws = src.wscale & kWscaleMask;
        win = unscale(win, sws);
        dws = dst.wscale & kWscaleMask;
      } else {
        dst.max_win = static_cast<uint16_t>(dst.max_win << (dst.wscale & kWscaleMask));
        dst.wscale = 0;
      }
    }
    src.seqlo = s.seq;
    src.state = kSynSent;
    const uint32_t other_window = std::max<uint32_t>(1, uint32_t{dst.max_win} << dws);
    if (src.seqhi == 1 || at_or_after(end + other_window, src.seqhi)) {
      src.seqhi = end + other_window;
      check_ackskew = false;
    }
    if (win > src.max_win) src.max_win = win;
  }

  if (!ack_set || (ack == 0 && rst)) ack = dst.seqlo;
  if (seq == end) seq = end = src.seqlo;  // no data: ease the sequencing

  const int32_t ackskew = check_ackskew ? static_cast<int32_t>(dst.seqlo - ack) : 0;
  const uint32_t scaled_win = uint32_t{win} << sws;
  const bool in_window = at_or_after(src.seqhi, end) &&
                         at_or_after(seq, src.seqlo - (uint32_t{dst.max_win} << dws)) &&
                         ackskew >= -kMaxAckWindow && ackskew <= (kMaxAckWindow << sws);
  const bool rst_seq_ok =
      !rst || s.seq == src.seqlo || s.seq == src.seqlo + 1 || s.seq + 1 == src.seqlo;
  const bool bypass = p.tcp_liberal || k.no_window_check;  // ct-disable-tcp-seq-chk

  if ((in_window && rst_seq_ok) || bypass) {
    learn(src, dst, win, end, ack, scaled_win);
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
    timeout_class = k.previous_state_timeout ? class_for(old_src, old_dst) : class_for(src.state, dst.state);
  } else if ((dst.state < kSynSent || dst.state >= kFinWait2 || src.state >= kFinWait2) &&
             at_or_after(src.seqhi + kMaxAckWindow, end) &&
             at_or_after(seq, src.seqlo - kMaxAckWindow)) {
    // pf's loose branch: neither the timeout class nor the timer is touched
    // (tcp_conn_update() calls no conn_update_expiration() here).
    learn(src, dst, win, end, ack, scaled_win);
    if (fin && src.state < kClosing) src.state = kClosing;
    if (rst) src.state = dst.state = kTimeWait;
    keep_timer = true;
  } else {
    return in_window && !rst_seq_ok ? TcpVerdict::kBadRst : TcpVerdict::kOutOfWindow;
  }
  if (!rst && peers[0].state >= kEstablished && peers[1].state >= kEstablished) established = true;
  return keep_timer ? TcpVerdict::kValidKeepTimer : TcpVerdict::kValid;
}

int64_t OvsTcp::timeout_ns(const Profile& p) const {  // tm_to_ct_dpif_tp()
  const TcpTimeouts& t = p.timeouts.tcp;
  switch (timeout_class) {
    case kFirstPacket: return t.syn_sent.ns;
    case kOpening: return t.syn_recv.ns;
    case kEstablishedClass: return t.established.ns;
    case kClosingClass: return t.fin_wait.ns;
    case kFinWaitClass: return t.time_wait.ns;
    default: return t.close.ns;
  }
}

std::string OvsTcp::state_name() const {
  return std::string(kNames[peers[0].state]) + "/" + kNames[peers[1].state];
}

}  // namespace ctc::builtin
