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

// tcp_options(): window scale and SACK-permitted from a SYN.
void take_options(Peer& p, const TcpSegment& s) {
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
    if (!valid_flags(s.flags)) return invalid(InvalidReason::kTcpInvalidFlags);
    const int d = dir == Direction::kOriginal ? 0 : 1;
    const Index index = packet_index(s.flags);
    const State old_state = state_;
    State new_state = kTable[d][index][old_state];
    switch (new_state) {
      case sSS:
        // A SYN on TIME_WAIT/CLOSE reopens the connection when this side
        // closed it or reset it last (RFC 1122 4.2.2.13); else it is ignored.
        if (old_state < sTW) break;
        if ((peers_[d].flags & kFlagCloseInit) || (last_dir_ == dir && last_index_ == kRstSet)) {
          return {TcpUpdateKind::kRecycle, InvalidReason::kNone};
        }
        return ignore(s, dir, index);
      case sIG:
        // "b) This SYN/ACK acknowledges a SYN that we earlier ignored as
        // invalid": restart tracking from it.
        if (index == kSynAckSet && last_index_ == kSynSet && last_dir_ != dir && s.ack == last_end_) {
          peers_[d] = Peer{};
          peers_[d].td_end = segment_end(s);
          peers_[d].td_maxend = peers_[d].td_end;
          peers_[d].td_maxwin = std::max<uint32_t>(s.window, 1);
          take_options(peers_[d], s);
          peers_[1 - d] = Peer{};
          peers_[1 - d].td_end = last_end_;
          peers_[1 - d].td_maxend = last_end_;
          peers_[1 - d].td_maxwin = std::max<uint32_t>(last_win_, 1);
          new_state = sSR;
          break;
        }
        return ignore(s, dir, index);
      case sIV:
        return invalid(InvalidReason::kTcpInvalidTransition);
      case sTW:
      case sCL:
      default:
        break;
    }

    bool skip_window = false;
    if (new_state == sCL && index == kRstSet) {
      const RstCheck check = check_rst(s, dir, old_state);
      if (check == RstCheck::kInvalid) return invalid(InvalidReason::kTcpBadRst);
      if (check == RstCheck::kKeepState) new_state = old_state;
      skip_window = check == RstCheck::kSkipWindow;
    }

    if (!skip_window && !in_window(s, dir, index)) return invalid(InvalidReason::kTcpOutOfWindow);

    last_index_ = index;
    last_dir_ = dir;
    state_ = new_state;
    if (old_state != new_state && new_state == sFW) peers_[d].flags |= kFlagCloseInit;
    timeout_ = pick_timeout(new_state, index);

    // IPS_SEEN_REPLY is set by the core after the first reply was processed,
    // so "seen reply" here means a reply before this packet.
    const bool seen_reply = seen_reply_;
    if (dir == Direction::kReply) seen_reply_ = true;
    if (!seen_reply) {
      // "If only reply is a RST, we can consider ourselves not to have an
      // established connection": deleted at once.
      if (index == kRstSet) return {TcpUpdateKind::kDelete, InvalidReason::kNone};
      // ESTABLISHED without a reply (pickup): no long ESTABLISHED timeout.
      if (new_state == sES && timeout_ > profile_.timeouts.tcp.unacknowledged) {
        timeout_ = profile_.timeouts.tcp.unacknowledged;
      }
    } else if (!assured_ && (old_state == sSR || old_state == sES) && new_state == sES) {
      assured_ = true;  // IPS_ASSURED
    }
    return {TcpUpdateKind::kValid, InvalidReason::kNone};
  }

  std::string state_name() const override { return kStateNames[state_]; }
  Duration timeout() const override { return timeout_; }
  bool established() const override { return assured_; }
  std::unique_ptr<TcpConnectionTracker> clone() const override {
    return std::make_unique<LinuxTcpTracker>(*this);
  }

 private:
  TcpUpdate invalid(InvalidReason reason) const { return {TcpUpdateKind::kInvalid, reason}; }

  // IGNORE: accepted (NF_ACCEPT) without a state change; remembered so that
  // a later SYN-ACK answering an ignored SYN can resynchronise.
  TcpUpdate ignore(const TcpSegment& s, Direction dir, Index index) {
    last_index_ = index;
    last_dir_ = dir;
    last_seq_ = s.seq;
    last_end_ = segment_end(s);
    last_win_ = s.window;
    return {TcpUpdateKind::kValid, InvalidReason::kNone};
  }

  enum class RstCheck { kClose, kKeepState, kSkipWindow, kInvalid };

  // The TCP_CONNTRACK_CLOSE case of nf_conntrack_tcp_packet() for an RST
  // (6.x "only close if RST matches exact sequence").
  RstCheck check_rst(const TcpSegment& s, Direction dir, State old_state) const {
    const int d = dir == Direction::kOriginal ? 0 : 1;
    const Peer& receiver = peers_[1 - d];
    if (receiver.flags & kFlagMaxAckSet) {
      if (seq_before(s.seq, receiver.td_maxack)) return RstCheck::kInvalid;
      const bool established = old_state == sES && assured_;
      const bool exact = s.seq == receiver.td_maxack;
      // An RST right after this side's data ("part of a train") closes too.
      const bool train = last_index_ == kAckSet && last_dir_ == dir && s.seq == last_end_;
      if (established && !exact && !train) return RstCheck::kKeepState;
    }
    // RST answering a SYN or ACK that was let through unchecked.
    if (((seen_reply_ && last_index_ == kSynSet) || (!assured_ && last_index_ == kAckSet)) &&
        s.ack == last_end_) {
      return RstCheck::kSkipWindow;
    }
    return RstCheck::kClose;
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
    return base;
  }

  // tcp_in_window().
  bool in_window(const TcpSegment& s, Direction dir, Index index) {
    const int d = dir == Direction::kOriginal ? 0 : 1;
    Peer& sender = peers_[d];
    Peer& receiver = peers_[1 - d];
    uint32_t seq = s.seq;
    uint32_t ack = s.ack;
    uint32_t win = s.window;
    uint32_t end = segment_end(s);

    if (sender.td_maxwin == 0) {
      if (s.has(tcp_flag::kSyn)) {
        // SYN-ACK in reply to a SYN, or a SYN from the reply side (simultaneous open).
        sender.td_end = sender.td_maxend = end;
        sender.td_maxwin = std::max<uint32_t>(win, 1);
        take_options(sender, s);
        // RFC 1323: scaling only when both sides sent the option.
        if (!((sender.flags & kFlagWindowScale) && (receiver.flags & kFlagWindowScale))) {
          sender.td_scale = receiver.td_scale = 0;
        }
        if (!s.has(tcp_flag::kAck)) return true;  // simultaneous open
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
    } else if (((state_ == sSS && dir == Direction::kOriginal) ||
                (state_ == sSR && dir == Direction::kReply)) &&
               seq_after(end, sender.td_end)) {
      // RFC 793: a reinitialised sender restarts with higher sequence numbers.
      sender.td_end = sender.td_maxend = end;
      sender.td_maxwin = std::max<uint32_t>(win, 1);
      take_options(sender, s);
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
    const bool in_recv_win =
        receiver.td_maxwin == 0 || seq_after(end, sender.td_end - receiver.td_maxwin - 1);
    const bool ok = seq_before(seq, sender.td_maxend + 1) && in_recv_win &&
                    seq_before(ack, receiver.td_end + 1) &&
                    seq_after(ack, receiver.td_end - max_ack_window - 1);
    if (!ok) {
      return (sender.flags & kFlagBeLiberal) || profile_.tcp_liberal;
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
    if (index == kAckSet) {
      if (last_dir_ == dir && last_seq_ == seq && last_ack_ == ack && last_end_ == end &&
          last_win_ == win) {
        ++retrans_;
      } else {
        last_seq_ = seq;
        last_ack_ = ack;
        last_end_ = end;
        last_win_ = win;
        retrans_ = 0;
      }
    }
    return true;
  }

  const Profile& profile_;
  State state_ = sNO;
  std::array<Peer, 2> peers_{};
  Index last_index_ = kNoneSet;
  Direction last_dir_ = Direction::kOriginal;
  uint32_t last_seq_ = 0, last_ack_ = 0, last_end_ = 0, last_win_ = 0;
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
