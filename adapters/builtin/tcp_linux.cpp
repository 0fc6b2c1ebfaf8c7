// Linux nf_conntrack TCP tracking (net/netfilter/nf_conntrack_proto_tcp.c,
// 6.1), flat: one LinuxTcp per connection, updated in place.
#include <algorithm>

#include "adapters/builtin/tcp_track.h"

namespace ctc::builtin {
namespace {

enum : uint8_t { sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2, sIV, sIG };
// get_conntrack_index().
enum : uint8_t { kSyn, kSynAck, kFin, kAck, kRst, kNone };

constexpr uint8_t kFin_ = 0x01, kSyn_ = 0x02, kRst_ = 0x04, kPsh_ = 0x08, kAck_ = 0x10,
                  kUrg_ = 0x20, kEce_ = 0x40, kCwr_ = 0x80;

constexpr const char* kNames[] = {"NONE",       "SYN_SENT", "SYN_RECV",  "ESTABLISHED",
                                  "FIN_WAIT",   "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                  "CLOSE",      "SYN_SENT2"};

// tcp_conntracks[dir][index][state].
constexpr uint8_t kTable[2][6][10] = {
    {
        {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
        {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
        {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
        {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    },
    {
        {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
        {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
        {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
        {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    },
};

// ip_ct_tcp_state flags and ip_ct_tcp last_flags.
constexpr uint8_t kWindowScale = 0x01, kSackPerm = 0x02, kCloseInit = 0x04, kBeLiberal = 0x08,
                  kDataUnacked = 0x10, kMaxAckSet = 0x20;
constexpr uint8_t kChallengeAck = 0x40, kSimultaneousOpen = 0x80;
constexpr uint32_t kMaxAckWinConst = 66000;  // tcp_in_window(): MAXACKWINCONST
constexpr uint8_t kMaxRetrans = 3;           // nf_conntrack_tcp_max_retrans

bool before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool after(uint32_t a, uint32_t b) { return before(b, a); }

uint8_t index_of(uint8_t f) {
  if (f & kRst_) return kRst;
  if (f & kSyn_) return (f & kAck_) ? kSynAck : kSyn;
  if (f & kFin_) return kFin;
  if (f & kAck_) return kAck;
  return kNone;
}

// tcp_valid_flags[] after masking ECE, CWR and PSH.
bool valid_flags(uint8_t flags) {
  switch (flags & ~(kEce_ | kCwr_ | kPsh_)) {
    case kSyn_: case kSyn_ | kUrg_: case kSyn_ | kAck_: case kRst_: case kRst_ | kAck_:
    case kFin_ | kAck_: case kFin_ | kAck_ | kUrg_: case kAck_: case kAck_ | kUrg_:
      return true;
    default:
      return false;
  }
}

uint32_t seg_end(const Segment& s) {
  return s.seq + s.payload_len + (s.has(kSyn_) ? 1 : 0) + (s.has(kFin_) ? 1 : 0);
}

void take_options(LinuxTcp::Peer& p, const Segment& s) {  // tcp_options()
  p.td_scale = 0;
  p.flags &= kBeLiberal;
  if (s.has_wscale) {
    p.flags |= kWindowScale;
    p.td_scale = std::min<uint8_t>(s.wscale, 14);
  }
  if (s.sack_perm) p.flags |= kSackPerm;
}

void init_sender(LinuxTcp::Peer& snd, LinuxTcp::Peer& rcv, const Segment& s, uint32_t end, int dir) {
  snd.td_end = snd.td_maxend = end;
  snd.td_maxwin = std::max<uint32_t>(s.window, 1);
  take_options(snd, s);
  // RFC 1323: scaling only when both sides offered it.
  if (dir == 1 && !((snd.flags & kWindowScale) && (rcv.flags & kWindowScale))) {
    snd.td_scale = rcv.td_scale = 0;
  }
}

// tcp_timeouts[] by state (NONE uses CLOSE's, as the kernel's table does for unused slots).
int64_t state_timeout(const TcpTimeouts& t, uint8_t state) {
  switch (state) {
    case sSS: return t.syn_sent.ns;
    case sSR: return t.syn_recv.ns;
    case sES: return t.established.ns;
    case sFW: return t.fin_wait.ns;
    case sCW: return t.close_wait.ns;
    case sLA: return t.last_ack.ns;
    case sTW: return t.time_wait.ns;
    case sS2: return t.syn_sent2.ns;
    default: return t.close.ns;
  }
}

enum class Win : uint8_t { kAccept, kIgnore, kInvalid };

struct Tracker {
  LinuxTcp& c;
  const Profile& p;
  const TcpKnobs& k;

  Win liberal_or(const LinuxTcp::Peer& snd, Win v) const {
    return ((snd.flags & kBeLiberal) || p.tcp_liberal || k.no_window_check) ? Win::kAccept : v;
  }

  Win in_window(const Segment& s, int d, uint8_t index) {
    LinuxTcp::Peer& snd = c.peers[d];
    LinuxTcp::Peer& rcv = c.peers[1 - d];
    uint32_t seq = s.seq, ack = s.ack, win = s.window, end = seg_end(s);
    if (snd.td_maxwin == 0) {
      if (s.has(kSyn_)) {
        init_sender(snd, rcv, s, end, d);
        if (!s.has(kAck_)) return Win::kAccept;
      } else {
        snd.td_end = end;
        snd.td_maxwin = std::max<uint32_t>(win << snd.td_scale, 1);
        snd.td_maxend = end + snd.td_maxwin;
        if (rcv.td_maxwin == 0) {
          rcv.td_end = rcv.td_maxend = ack;
        } else if (ack == rcv.td_end + 1) {
          rcv.td_end++;
        }
      }
    } else if (s.has(kSyn_) && after(end, snd.td_end) && (c.state == sSS || c.state == sSR)) {
      init_sender(snd, rcv, s, end, d);
      if (d == 1 && !s.has(kAck_)) return Win::kAccept;
    }
    if (!s.has(kAck_) || (s.has(kRst_) && ack == 0)) ack = rcv.td_end;
    if (s.has(kRst_) && seq == 0 && c.state == sSS) seq = end = snd.td_end;

    const uint32_t max_ack_win = std::max(snd.td_maxwin, kMaxAckWinConst);
    const bool ack_not_stale = after(ack, rcv.td_end - max_ack_win - 1);
    if (!before(seq, snd.td_maxend + 1)) {  // SEQ over the upper bound
      const uint32_t overshot = end - snd.td_maxend + 1;
      const bool in_rcv = rcv.td_maxwin != 0 && after(end, snd.td_end - rcv.td_maxwin - 1);
      if (in_rcv && ack_not_stale && overshot <= rcv.td_maxwin && before(ack, rcv.td_end + 1)) {
        snd.td_end = end;
        snd.flags |= kDataUnacked;
        return liberal_or(snd, Win::kIgnore);
      }
      return liberal_or(snd, Win::kInvalid);
    }
    if (!before(ack, rcv.td_end + 1)) return liberal_or(snd, Win::kInvalid);
    if (!(rcv.td_maxwin == 0 || after(end, snd.td_end - rcv.td_maxwin - 1))) {
      return liberal_or(snd, Win::kIgnore);
    }
    if (!ack_not_stale) return liberal_or(snd, Win::kIgnore);

    if (!s.has(kSyn_)) win <<= snd.td_scale;
    if (snd.td_maxwin < win) snd.td_maxwin = win;
    if (after(end, snd.td_end)) {
      snd.td_end = end;
      snd.flags |= kDataUnacked;
    }
    if (s.has(kAck_)) {
      if (!(snd.flags & kMaxAckSet)) {
        snd.td_maxack = ack;
        snd.flags |= kMaxAckSet;
      } else if (after(ack, snd.td_maxack)) {
        snd.td_maxack = ack;
      }
    }
    if (rcv.td_maxwin != 0 && after(end, snd.td_maxend)) rcv.td_maxwin += end - snd.td_maxend;
    if (after(ack + win, rcv.td_maxend - 1)) {
      rcv.td_maxend = ack + win;
      if (win == 0) rcv.td_maxend++;
    }
    if (ack == rcv.td_end) rcv.flags &= ~kDataUnacked;
    if (index == kAck) {
      if (c.last_dir == d && c.last_seq == seq && c.last_ack == ack && c.last_end == end &&
          c.last_win == s.window) {
        ++c.retrans;
      } else {
        c.last_dir = static_cast<uint8_t>(d);
        c.last_seq = seq;
        c.last_ack = ack;
        c.last_end = end;
        c.last_win = s.window;
        c.retrans = 0;
      }
    }
    return Win::kAccept;
  }

  TcpVerdict ignore(const Segment& s, int d, uint8_t index, uint8_t old_state) {
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(d);
    c.last_seq = s.seq;
    c.last_end = seg_end(s);
    c.last_win = s.window;
    if (index == kSyn && d == 0) {
      c.last_flags = 0;
      c.last_wscale = 0;
      if (s.has_wscale) {
        c.last_flags |= kWindowScale;
        c.last_wscale = std::min<uint8_t>(s.wscale, 14);
      }
      if (s.sack_perm) c.last_flags |= kSackPerm;
      if (old_state == sLA) c.last_flags |= kChallengeAck;
    }
    if (old_state == sSS && index == kAck && d == 1) c.last_ack = s.ack;
    return TcpVerdict::kValid;
  }

  void resync_from_ignored_syn(int synack_side) {
    LinuxTcp::Peer& syn = c.peers[1 - synack_side];
    syn.td_end = syn.td_maxend = c.last_end;
    syn.td_maxwin = std::max<uint32_t>(c.last_win, 1);
    syn.td_scale = c.last_wscale;
    c.last_flags &= ~kChallengeAck;
    syn.flags = c.last_flags;
    LinuxTcp::Peer& synack = c.peers[synack_side];
    const uint8_t liberal = synack.flags & kBeLiberal;
    synack = LinuxTcp::Peer{};
    synack.flags = liberal;
  }

  // The RST case of nf_conntrack_tcp_packet(); false: "invalid rst".
  bool rst_ok(const Segment& s, int d, uint8_t old_state, uint8_t& new_state, bool& skip) const {
    if (old_state == sFW || old_state == sLA || old_state == sTW || old_state == sCL ||
        old_state == sCW) {
      skip = true;  // tcp_can_early_drop()
      return true;
    }
    const LinuxTcp::Peer& rcv = c.peers[1 - d];
    const bool established = old_state == sES && c.assured;
    if ((rcv.flags & kMaxAckSet) && c.last_index != kSyn) {
      if (s.seq == 0 && !established) return true;
      if (before(s.seq, rcv.td_maxack)) return false;
      if (!established || s.seq == rcv.td_maxack) return true;
      if (c.last_index == kAck && c.last_dir == d && s.seq == c.last_end) return true;
      new_state = old_state;
    }
    if (((c.seen_reply && c.last_index == kSyn) || (!c.assured && c.last_index == kAck)) &&
        s.ack == c.last_end) {
      skip = true;
      return true;
    }
    if (old_state == sSS && c.last_index == kAck && c.last_dir == 1 && s.seq == c.last_ack) skip = true;
    return true;
  }

  int64_t pick_timeout(uint8_t state, uint8_t index) const {
    const TcpTimeouts& t = p.timeouts.tcp;
    const int64_t base = state_timeout(t, state);
    if (c.retrans >= kMaxRetrans && base > t.retrans.ns) return t.retrans.ns;
    if (index == kRst) return t.close.ns;
    if (((c.peers[0].flags | c.peers[1].flags) & kDataUnacked) && base > t.unacknowledged.ns) {
      return t.unacknowledged.ns;
    }
    if (c.last_win == 0 && base > t.retrans.ns) return t.retrans.ns;
    return base;
  }

  // nf_tcp_handle_invalid().
  void note_invalid(int d, uint8_t index) {
    if (!c.assured || (index != kRst && index != kFin)) return;
    if (c.last_dir != d && (c.last_index == kFin || c.last_index == kRst)) return;
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(d);
  }

  TcpVerdict track(const Segment& s, int d) {
    if (!valid_flags(s.flags)) return TcpVerdict::kInvalidFlags;
    const uint8_t index = index_of(s.flags);
    uint8_t old_state = c.state;
    uint8_t new_state = kTable[d][index][old_state];
    bool skip_window = false;
    switch (new_state) {
      case sSS:
        if (old_state < sTW) break;
        if (((c.peers[0].flags | c.peers[1].flags) & kCloseInit) ||
            (c.last_dir == d && c.last_index == kRst)) {
          return TcpVerdict::kRecycle;
        }
        [[fallthrough]];
      case sIG:
        if (index == kSynAck && c.last_index == kSyn && c.last_dir != d && s.ack == c.last_end) {
          resync_from_ignored_syn(d);
          old_state = sSS;
          new_state = sSR;
          break;
        }
        return ignore(s, d, index, old_state);
      case sIV:
        return TcpVerdict::kInvalidTransition;
      case sTW:
        if (old_state == sLA && index == kAck && c.last_dir != d && c.last_index == kSyn &&
            (c.last_flags & kChallengeAck)) {
          c.last_flags &= ~kChallengeAck;
          return TcpVerdict::kValid;
        }
        break;
      case sS2:
        c.last_flags |= kSimultaneousOpen;
        break;
      case sSR:
        if (d == 1 && index == kAck && (c.last_flags & kSimultaneousOpen)) new_state = sES;
        break;
      case sCL:
        if (index == kRst && !rst_ok(s, d, old_state, new_state, skip_window)) {
          return TcpVerdict::kBadRst;
        }
        break;
      default:
        break;
    }
    if (!skip_window) {
      switch (in_window(s, d, index)) {
        case Win::kAccept: break;
        case Win::kIgnore: return TcpVerdict::kValid;
        case Win::kInvalid:
          note_invalid(d, index);
          return TcpVerdict::kOutOfWindow;
      }
    }
    c.last_index = index;
    c.last_dir = static_cast<uint8_t>(d);
    c.state = new_state;
    if (old_state != new_state && new_state == sFW) c.peers[d].flags |= kCloseInit;
    const int64_t previous_timeout = c.timeout_ns;
    c.timeout_ns = pick_timeout(k.previous_state_timeout ? old_state : new_state, index);
    if (!c.seen_reply) {
      if (index == kRst) return TcpVerdict::kDelete;
      if (index == kSyn && old_state == sSS) {  // "do not renew timeout on SYN retransmit"
        c.timeout_ns = previous_timeout;
        return TcpVerdict::kValid;
      }
      const int64_t unacked = p.timeouts.tcp.unacknowledged.ns;
      if (new_state == sES && c.timeout_ns > unacked) c.timeout_ns = unacked;
    } else if (!c.assured && (old_state == sSR || old_state == sES) && new_state == sES) {
      c.assured = true;
    }
    return TcpVerdict::kValid;
  }
};

}  // namespace

TcpVerdict linux_check_new(const Segment& s, const Profile& profile) {
  if (!valid_flags(s.flags)) return TcpVerdict::kInvalidFlags;
  const uint8_t index = index_of(s.flags);
  const uint8_t state = kTable[0][index][sNO];
  if (state == sSS) return TcpVerdict::kValid;
  if (state == sES && profile.tcp_loose) return TcpVerdict::kValid;
  return TcpVerdict::kInvalidTransition;
}

void LinuxTcp::start(const Segment& s, const Profile& p, const TcpKnobs& k) {
  *this = LinuxTcp{};
  last_index = kNone;
  Peer& snd = peers[0];
  snd.td_end = seg_end(s);
  snd.td_maxwin = std::max<uint32_t>(s.window, 1);
  if (s.has(kSyn_)) {
    snd.td_maxend = snd.td_end;
    take_options(snd, s);
  } else {
    // Mid-stream pickup (nf_conntrack_tcp_loose): SACK and liberal both ways.
    snd.td_maxend = snd.td_end + snd.td_maxwin;
    peers[0].flags = peers[1].flags = kSackPerm | kBeLiberal;
  }
  (void)update(s, 0, p, k);  // the first packet is tracked like any other
}

TcpVerdict LinuxTcp::update(const Segment& s, int dir, const Profile& p, const TcpKnobs& k) {
  const TcpVerdict v = Tracker{*this, p, k}.track(s, dir);
  // nf_conntrack_in(): IPS_SEEN_REPLY after any reply the handler did not reject.
  if (dir == 1 && v != TcpVerdict::kInvalidFlags && v != TcpVerdict::kInvalidTransition &&
      v != TcpVerdict::kOutOfWindow && v != TcpVerdict::kBadRst) {
    seen_reply = true;
  }
  return v;
}

const char* LinuxTcp::state_name() const { return kNames[state]; }

}  // namespace ctc::builtin
