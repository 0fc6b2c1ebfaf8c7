#include "reference/conntrack/tcp_tracker_linux.h"

#include <algorithm>
#include <array>

#include "reference/conntrack/tcp_sequence.h"

namespace ctc {
namespace {

// nf_conntrack_proto_tcp.c enum tcp_conntrack, plus the table's IV and IG.
enum State : uint8_t { sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2, sIV, sIG };
// get_conntrack_index(): the packet class.
enum Index : uint8_t { kSynSet, kSynAckSet, kFinSet, kAckSet, kRstSet, kNoneSet };

constexpr const char* kStateNames[] = {"NONE",     "SYN_SENT",  "SYN_RECV", "ESTABLISHED",
                                       "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                       "CLOSE",    "SYN_SENT2"};

// tcp_conntracks[2][6][TCP_CONNTRACK_MAX], columns sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
constexpr State kTable[2][6][10] = {
    {
        /* ORIGINAL */
        /*syn*/ {sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2},
        /*synack*/ {sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR},
        /*fin*/ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        /*ack*/ {sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV},
        /*rst*/ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /*none*/ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    },
    {
        /* REPLY */
        /*syn*/ {sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2},
        /*synack*/ {sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR},
        /*fin*/ {sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV},
        /*ack*/ {sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG},
        /*rst*/ {sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL},
        /*none*/ {sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV},
    },
};

// ip_ct_tcp_state flags.
constexpr uint8_t kFlagWindowScale = 0x01;
constexpr uint8_t kFlagSackPerm = 0x02;
constexpr uint8_t kFlagCloseInit = 0x04;
constexpr uint8_t kFlagBeLiberal = 0x08;
constexpr uint8_t kFlagDataUnacknowledged = 0x10;
constexpr uint8_t kFlagMaxAckSet = 0x20;
// ip_ct_tcp last_flags bits (per connection, not per peer).
constexpr uint8_t kLastFlagChallengeAck = 0x40;      // IP_CT_EXP_CHALLENGE_ACK
constexpr uint8_t kLastFlagSimultaneousOpen = 0x80;  // IP_CT_TCP_SIMULTANEOUS_OPEN

// tcp_in_window(): MAXACKWINCONST.
constexpr uint32_t kMaxAckWinConst = 66000;
// nf_conntrack_tcp_max_retrans default.
constexpr uint8_t kMaxRetrans = 3;

Index packet_index(uint8_t flags) {
  if (flags & tcp_flag::kRst) return kRstSet;
  if (flags & tcp_flag::kSyn) return (flags & tcp_flag::kAck) ? kSynAckSet : kSynSet;
  if (flags & tcp_flag::kFin) return kFinSet;
  if (flags & tcp_flag::kAck) return kAckSet;
  return kNoneSet;
}

// tcp_error() / tcp_valid_flags[]: the combinations any state may see (PSH,
// ECE and CWR masked out first).
bool valid_flags(uint8_t flags) {
  const uint8_t f = flags & ~(tcp_flag::kEce | tcp_flag::kCwr | tcp_flag::kPsh);
  using namespace tcp_flag;
  switch (f) {
    case kSyn:
    case kSyn | kUrg:
    case kSyn | kAck:
    case kRst:
    case kRst | kAck:
    case kFin | kAck:
    case kFin | kAck | kUrg:
    case kAck:
    case kAck | kUrg:
      return true;
    default:
      return false;
  }
}

struct Peer {  // struct ip_ct_tcp_state
  uint32_t td_end = 0;
  uint32_t td_maxend = 0;
  uint32_t td_maxwin = 0;
  uint32_t td_maxack = 0;
  uint8_t td_scale = 0;
  uint8_t flags = 0;
};

// segment_seq_plus_len(): SYN and FIN occupy one sequence number each.
uint32_t segment_end(const TcpSegment& s) {
  return s.seq + s.payload_len + (s.has(tcp_flag::kSyn) ? 1 : 0) + (s.has(tcp_flag::kFin) ? 1 : 0);
}

// tcp_options(): window scale and SACK-permitted from a SYN. The kernel first
// clears td_scale and every flag but BE_LIBERAL (when the segment has any
// option at all; a SYN practically always carries MSS, so we always clear).
void take_options(Peer& p, const TcpSegment& s) {
  p.td_scale = 0;
  p.flags &= kFlagBeLiberal;
  if (s.window_scale) {
    p.flags |= kFlagWindowScale;
    p.td_scale = std::min<uint8_t>(*s.window_scale, 14);
  }
  if (s.sack_permitted) p.flags |= kFlagSackPerm;
}

class LinuxTcpTracker final : public TcpConnectionTracker {
 public:
  explicit LinuxTcpTracker(const Profile& profile) : profile_(profile) {}

  // tcp_new(): sets up the sender from the first packet and leaves the state
  // at NONE; "tcp_packet will set them": the caller then runs update() on the
  // same packet, exactly as nf_conntrack_tcp_packet() does.
  void start(const TcpSegment& s) {
    Peer& sender = peers_[0];
    sender.td_end = segment_end(s);
    sender.td_maxwin = std::max<uint32_t>(s.window, 1);
    if (s.has(tcp_flag::kSyn)) {
      sender.td_maxend = sender.td_end;
      take_options(sender, s);
    } else {
      // Mid-stream pickup (nf_conntrack_tcp_loose): SACK and liberal both ways.
      sender.td_maxend = sender.td_end + sender.td_maxwin;
      peers_[0].flags = peers_[1].flags = kFlagSackPerm | kFlagBeLiberal;
    }
    state_ = sNO;
    last_index_ = kNoneSet;
  }

  TcpUpdate update(const TcpSegment& s, Direction dir) override {
    const TcpUpdate result = track(s, dir);
    // nf_conntrack_in(): IPS_SEEN_REPLY is set after the protocol handler
    // accepted a reply-direction packet, ignored ones included.
    if (dir == Direction::kReply && result.kind != TcpUpdateKind::kInvalid) seen_reply_ = true;
    return result;
  }

  std::string state_name() const override { return kStateNames[state_]; }
  Duration timeout() const override { return timeout_; }
  bool established() const override { return assured_; }
  std::unique_ptr<TcpConnectionTracker> clone() const override {
    return std::make_unique<LinuxTcpTracker>(*this);
  }

 private:
  // nf_conntrack_tcp_packet().
  TcpUpdate track(const TcpSegment& s, Direction dir) {
    if (!valid_flags(s.flags)) return invalid(InvalidReason::kTcpInvalidFlags);
    const int d = dir == Direction::kOriginal ? 0 : 1;
    const Index index = packet_index(s.flags);
    State old_state = state_;
    State new_state = kTable[d][index][old_state];
    bool skip_window = false;
    switch (new_state) {
      case sSS:
        // A SYN on TIME_WAIT/CLOSE reopens the connection (RFC 1122 4.2.2.13)
        // when either side closed it actively (CLOSE_INIT on seen[dir] or
        // seen[!dir]) or this side reset it last; else it is ignored.
        if (old_state < sTW) break;
        if (((peers_[0].flags | peers_[1].flags) & kFlagCloseInit) ||
            (last_dir_ == dir && last_index_ == kRstSet)) {
          return {TcpUpdateKind::kRecycle, InvalidReason::kNone};
        }
        [[fallthrough]];
      case sIG:
        // "b) This SYN/ACK acknowledges a SYN that we earlier ignored as
        // invalid": get in sync from the annotated values, then check the
        // SYN/ACK as the first packet of its direction.
        if (index == kSynAckSet && last_index_ == kSynSet && last_dir_ != dir && s.ack == last_end_) {
          resync_from_ignored_syn(d);
          old_state = sSS;
          new_state = sSR;
          break;
        }
        return ignore(s, dir, index, old_state);
      case sIV:
        return invalid(InvalidReason::kTcpInvalidTransition);
      case sTW:
        // RFC 5961: an ACK answering a SYN seen in LAST_ACK is a challenge
        // ACK, not the last ACK: accepted without a state change.
        if (old_state == sLA && index == kAckSet && last_dir_ != dir && last_index_ == kSynSet &&
            (last_flags_ & kLastFlagChallengeAck)) {
          last_flags_ &= ~kLastFlagChallengeAck;
          return accepted();
        }
        break;
      case sS2:
        // "tcp_conntracks table is not smart enough to handle simultaneous open".
        last_flags_ |= kLastFlagSimultaneousOpen;
        break;
      case sSR:
        if (dir == Direction::kReply && index == kAckSet && (last_flags_ & kLastFlagSimultaneousOpen)) {
          new_state = sES;
        }
        break;
      case sCL:
        if (index == kRstSet && !check_rst(s, dir, old_state, new_state, skip_window)) {
          return invalid(InvalidReason::kTcpBadRst);
        }
        break;
      default:
        break;
    }

    if (!skip_window) {
      switch (in_window(s, dir, index)) {
        case WindowVerdict::kAccept:
          break;
        case WindowVerdict::kIgnore:
          return accepted();  // NF_ACCEPT, no state change
        case WindowVerdict::kInvalid:
          note_invalid(dir, index);
          return invalid(InvalidReason::kTcpOutOfWindow);
      }
    }

    last_index_ = index;
    last_dir_ = dir;
    state_ = new_state;
    if (old_state != new_state && new_state == sFW) peers_[d].flags |= kFlagCloseInit;
    const Duration previous_timeout = timeout_;
    timeout_ = pick_timeout(new_state, index);

    // IPS_SEEN_REPLY is set after the first accepted reply (see update()), so
    // "seen reply" here means a reply before this packet.
    if (!seen_reply_) {
      // "If only reply is a RST, we can consider ourselves not to have an
      // established connection": deleted at once.
      if (index == kRstSet) return {TcpUpdateKind::kDelete, InvalidReason::kNone};
      // "do not renew timeout on SYN retransmit".
      if (index == kSynSet && old_state == sSS) {
        timeout_ = previous_timeout;
        return accepted();
      }
      // ESTABLISHED without a reply (pickup): no long ESTABLISHED timeout.
      if (new_state == sES && timeout_ > profile_.timeouts.tcp.unacknowledged) {
        timeout_ = profile_.timeouts.tcp.unacknowledged;
      }
    } else if (!assured_ && (old_state == sSR || old_state == sES) && new_state == sES) {
      assured_ = true;  // IPS_ASSURED
    }
    return accepted();
  }

  static TcpUpdate invalid(InvalidReason reason) { return {TcpUpdateKind::kInvalid, reason}; }
  static TcpUpdate accepted() { return {TcpUpdateKind::kValid, InvalidReason::kNone}; }

  // IGNORE: accepted (NF_ACCEPT) without a state change; remembered so that
  // a later SYN-ACK answering an ignored SYN can resynchronise.
  TcpUpdate ignore(const TcpSegment& s, Direction dir, Index index, State old_state) {
    last_index_ = index;
    last_dir_ = dir;
    last_seq_ = s.seq;
    last_end_ = segment_end(s);
    last_win_ = s.window;
    // "a) This is a SYN in ORIGINAL": annotate its options for the resync,
    // and in LAST_ACK expect an RFC 5961 challenge ACK in answer.
    if (index == kSynSet && dir == Direction::kOriginal) {
      last_flags_ = 0;
      last_wscale_ = 0;
      if (s.window_scale) {
        last_flags_ |= kFlagWindowScale;
        last_wscale_ = std::min<uint8_t>(*s.window_scale, 14);
      }
      if (s.sack_permitted) last_flags_ |= kFlagSackPerm;
      if (old_state == sLA) last_flags_ |= kLastFlagChallengeAck;
    }
    // "possible challenge ack reply to syn".
    if (old_state == sSS && index == kAckSet && dir == Direction::kReply) last_ack_ = s.ack;
    return accepted();
  }

  // The resync branch of the IGNORE case in nf_conntrack_tcp_packet(): the
  // SYN sender is rebuilt from the ignored SYN, the SYN/ACK sender is cleared
  // (nf_ct_tcp_state_reset(), which keeps BE_LIBERAL) so that tcp_in_window()
  // initialises it from the SYN/ACK.
  void resync_from_ignored_syn(int synack_side) {
    Peer& syn_sender = peers_[1 - synack_side];
    syn_sender.td_end = syn_sender.td_maxend = last_end_;
    syn_sender.td_maxwin = std::max<uint32_t>(last_win_, 1);
    syn_sender.td_scale = last_wscale_;
    last_flags_ &= ~kLastFlagChallengeAck;
    syn_sender.flags = last_flags_;
    Peer& synack_sender = peers_[synack_side];
    const uint8_t liberal = synack_sender.flags & kFlagBeLiberal;
    synack_sender = Peer{};
    synack_sender.flags = liberal;
  }

  // The TCP_CONNTRACK_CLOSE case of nf_conntrack_tcp_packet() for an RST
  // (6.1.y). false: "invalid rst". May keep the old state (a challenge ACK is
  // expected) or skip the window check.
  bool check_rst(const TcpSegment& s, Direction dir, State old_state, State& new_state,
                 bool& skip_window) const {
    // tcp_can_early_drop(): already closing, the tuple may have been reused,
    // so the RST is not validated at all.
    if (old_state == sFW || old_state == sLA || old_state == sTW || old_state == sCL ||
        old_state == sCW) {
      skip_window = true;
      return true;
    }
    const int d = dir == Direction::kOriginal ? 0 : 1;
    const Peer& receiver = peers_[1 - d];
    const bool established = old_state == sES && assured_;  // nf_conntrack_tcp_established()
    // "td_maxack might be outdated if we let a SYN through earlier".
    if ((receiver.flags & kFlagMaxAckSet) && last_index_ != kSynSet) {
      // Not established and seq 0: most likely the answer to a SYN let through.
      if (s.seq == 0 && !established) return true;
      if (seq_before(s.seq, receiver.td_maxack)) return false;
      if (!established || s.seq == receiver.td_maxack) return true;
      // An RST right after this side's data ("part of a train") closes too.
      if (last_index_ == kAckSet && last_dir_ == dir && s.seq == last_end_) return true;
      new_state = old_state;
    }
    // RST answering a SYN or ACK that was let through unchecked.
    if (((seen_reply_ && last_index_ == kSynSet) || (!assured_ && last_index_ == kAckSet)) &&
        s.ack == last_end_) {
      skip_window = true;
      return true;
    }
    // "Reset in response to a challenge-ack we let through earlier".
    if (old_state == sSS && last_index_ == kAckSet && last_dir_ == Direction::kReply &&
        s.seq == last_ack_) {
      skip_window = true;
    }
    return true;
  }

  Duration pick_timeout(State state, Index index) const {
    const TcpTimeouts& t = profile_.timeouts.tcp;
    const Duration by_state[] = {t.close,     t.syn_sent,   t.syn_recv, t.established,
                                 t.fin_wait,  t.close_wait, t.last_ack, t.time_wait,
                                 t.close,     t.syn_sent2};
    const Duration base = by_state[state];
    if (retrans_ >= kMaxRetrans && base > t.retrans) return t.retrans;
    if (index == kRstSet) return t.close;
    if (((peers_[0].flags | peers_[1].flags) & kFlagDataUnacknowledged) && base > t.unacknowledged) {
      return t.unacknowledged;
    }
    // A zero window on the last ACK: the retransmission timeout.
    if (last_win_ == 0 && base > t.retrans) return t.retrans;
    return base;
  }

  // nf_tcp_handle_invalid(): an assured connection remembers an out-of-window
  // FIN or RST. (Its lowering of the remaining timeout to UNACK is not
  // modelled: the core does not refresh a connection on an invalid packet.)
  void note_invalid(Direction dir, Index index) {
    if (!assured_ || (index != kRstSet && index != kFinSet)) return;
    if (last_dir_ != dir && (last_index_ == kFinSet || last_index_ == kRstSet)) return;
    last_index_ = index;
    last_dir_ = dir;
  }

  // enum nf_ct_tcp_action: tcp_in_window()'s verdict.
  enum class WindowVerdict { kAccept, kIgnore, kInvalid };

  // nf_tcp_log_invalid(): a liberal sender (or nf_conntrack_tcp_be_liberal)
  // turns any failed check into an accept.
  WindowVerdict unless_liberal(const Peer& sender, WindowVerdict verdict) const {
    if ((sender.flags & kFlagBeLiberal) || profile_.tcp_liberal) return WindowVerdict::kAccept;
    return verdict;
  }

  // tcp_init_sender(): a SYN/ACK answering a SYN, a SYN from the reply side
  // (simultaneous open) or a reinitialised sender.
  static void init_sender(Peer& sender, Peer& receiver, const TcpSegment& s, uint32_t end,
                          Direction dir) {
    sender.td_end = sender.td_maxend = end;
    sender.td_maxwin = std::max<uint32_t>(s.window, 1);
    take_options(sender, s);
    // RFC 1323: scaling only when both sides sent the option.
    if (dir == Direction::kReply &&
        !((sender.flags & kFlagWindowScale) && (receiver.flags & kFlagWindowScale))) {
      sender.td_scale = receiver.td_scale = 0;
    }
  }

  // tcp_in_window() (6.1: accept, ignore or invalid).
  WindowVerdict in_window(const TcpSegment& s, Direction dir, Index index) {
    const int d = dir == Direction::kOriginal ? 0 : 1;
    Peer& sender = peers_[d];
    Peer& receiver = peers_[1 - d];
    uint32_t seq = s.seq;
    uint32_t ack = s.ack;
    uint32_t win = s.window;
    uint32_t end = segment_end(s);

    if (sender.td_maxwin == 0) {
      if (s.has(tcp_flag::kSyn)) {
        init_sender(sender, receiver, s, end, dir);
        if (!s.has(tcp_flag::kAck)) return WindowVerdict::kAccept;  // simultaneous open
      } else {
        // Mid-stream: use what this packet says.
        sender.td_end = end;
        const uint32_t swin = win << sender.td_scale;
        sender.td_maxwin = std::max<uint32_t>(swin, 1);
        sender.td_maxend = end + sender.td_maxwin;
        if (receiver.td_maxwin == 0) {
          receiver.td_end = receiver.td_maxend = ack;
        } else if (ack == receiver.td_end + 1) {
          receiver.td_end++;  // likely a reply to a keepalive
        }
      }
    } else if (s.has(tcp_flag::kSyn) && seq_after(end, sender.td_end) &&
               (state_ == sSS || state_ == sSR)) {
      // RFC 793: a reinitialised TCP "must only be sure to use sequence
      // numbers larger than those recently used": re-init this direction.
      init_sender(sender, receiver, s, end, dir);
      if (dir == Direction::kReply && !s.has(tcp_flag::kAck)) return WindowVerdict::kAccept;
    }

    if (!s.has(tcp_flag::kAck)) {
      ack = receiver.td_end;  // no ACK: pretend it acknowledges everything seen
    } else if (s.has(tcp_flag::kRst) && ack == 0) {
      ack = receiver.td_end;  // broken stacks: RST+ACK with ack 0
    }
    if (s.has(tcp_flag::kRst) && seq == 0 && state_ == sSS) {
      seq = end = sender.td_end;  // RST answering a SYN
    }

    const uint32_t max_ack_window = std::max(sender.td_maxwin, kMaxAckWinConst);
    if (!seq_before(seq, sender.td_maxend + 1)) {
      // "SEQ is over upper bound". A sender that overshot the receive window
      // by at most that window, with an otherwise good ACK, is only ignored,
      // and its td_end moves so that the peer's ACK of that data is accepted.
      const uint32_t overshot = end - sender.td_maxend + 1;
      const bool ack_ok = seq_after(ack, receiver.td_end - max_ack_window - 1);
      const bool in_recv_win =
          receiver.td_maxwin != 0 && seq_after(end, sender.td_end - receiver.td_maxwin - 1);
      if (in_recv_win && ack_ok && overshot <= receiver.td_maxwin &&
          seq_before(ack, receiver.td_end + 1)) {
        sender.td_end = end;
        sender.flags |= kFlagDataUnacknowledged;
        return unless_liberal(sender, WindowVerdict::kIgnore);
      }
      return unless_liberal(sender, WindowVerdict::kInvalid);
    }
    // "ACK is over upper bound (ACKed data not seen yet)".
    if (!seq_before(ack, receiver.td_end + 1)) return unless_liberal(sender, WindowVerdict::kInvalid);
    // "SEQ is under lower bound (already ACKed data retransmitted)": ignored.
    const bool in_recv_win =
        receiver.td_maxwin == 0 || seq_after(end, sender.td_end - receiver.td_maxwin - 1);
    if (!in_recv_win) return unless_liberal(sender, WindowVerdict::kIgnore);
    // "ignored ACK under lower bound (possible overly delayed)".
    if (!seq_after(ack, receiver.td_end - max_ack_window - 1)) {
      return unless_liberal(sender, WindowVerdict::kIgnore);
    }

    if (!s.has(tcp_flag::kSyn)) win <<= sender.td_scale;
    const uint32_t swin = win;  // no SACK beyond ack modelled: sack == ack
    if (sender.td_maxwin < swin) sender.td_maxwin = swin;
    if (seq_after(end, sender.td_end)) {
      sender.td_end = end;
      sender.flags |= kFlagDataUnacknowledged;
    }
    if (s.has(tcp_flag::kAck)) {
      if (!(sender.flags & kFlagMaxAckSet)) {
        sender.td_maxack = ack;
        sender.flags |= kFlagMaxAckSet;
      } else if (seq_after(ack, sender.td_maxack)) {
        sender.td_maxack = ack;
      }
    }
    if (receiver.td_maxwin != 0 && seq_after(end, sender.td_maxend)) {
      receiver.td_maxwin += end - sender.td_maxend;
    }
    if (seq_after(ack + win, receiver.td_maxend - 1)) {
      receiver.td_maxend = ack + win;
      if (win == 0) receiver.td_maxend++;
    }
    if (ack == receiver.td_end) receiver.flags &= ~kFlagDataUnacknowledged;
    // Retransmission count; the window compared and kept is the raw one.
    if (index == kAckSet) {
      if (last_dir_ == dir && last_seq_ == seq && last_ack_ == ack && last_end_ == end &&
          last_win_ == s.window) {
        ++retrans_;
      } else {
        last_dir_ = dir;
        last_seq_ = seq;
        last_ack_ = ack;
        last_end_ = end;
        last_win_ = s.window;
        retrans_ = 0;
      }
    }
    return WindowVerdict::kAccept;
  }

  const Profile& profile_;
  State state_ = sNO;
  std::array<Peer, 2> peers_{};
  Index last_index_ = kNoneSet;
  Direction last_dir_ = Direction::kOriginal;
  uint32_t last_seq_ = 0, last_ack_ = 0, last_end_ = 0, last_win_ = 0;
  uint8_t last_flags_ = 0;   // ip_ct_tcp last_flags
  uint8_t last_wscale_ = 0;  // window scale of the last ignored SYN
  uint8_t retrans_ = 0;
  bool seen_reply_ = false;
  bool assured_ = false;
  Duration timeout_;
};

class LinuxTcpTrackerFactory final : public TcpTrackerFactory {
 public:
  explicit LinuxTcpTrackerFactory(const Profile& profile) : profile_(profile) {}

  // tcp_new(): only what the ORIGINAL/NONE column allows may start a
  // connection: SYN, or (nf_conntrack_tcp_loose) an ACK for pickup.
  InvalidReason check_new(const TcpSegment& first) const override {
    if (!valid_flags(first.flags)) return InvalidReason::kTcpInvalidFlags;
    const Index index = packet_index(first.flags);
    const State s = kTable[0][index][sNO];
    if (s == sSS) return InvalidReason::kNone;
    if (s == sES && profile_.tcp_loose) return InvalidReason::kNone;
    return index == kSynAckSet ? InvalidReason::kTcpSynAckFirst : InvalidReason::kTcpNoSynFirst;
  }

  std::unique_ptr<TcpConnectionTracker> create(const TcpSegment& first) const override {
    auto tracker = std::make_unique<LinuxTcpTracker>(profile_);
    tracker->start(first);
    // The first packet is checked like any other (check_new vouched for it).
    (void)tracker->update(first, Direction::kOriginal);
    return tracker;
  }

 private:
  const Profile& profile_;
};

}  // namespace

std::unique_ptr<TcpTrackerFactory> make_linux_tcp_tracker_factory(const Profile& profile) {
  return std::make_unique<LinuxTcpTrackerFactory>(profile);
}

}  // namespace ctc
