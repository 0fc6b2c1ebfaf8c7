#include "fuzz/diff_mutator.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "reference/packet/packet.h"

// libFuzzer's own byte mutator; weak so that the replay build (no libFuzzer)
// links too, and the structured edits alone are used there (tests).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size)
    __attribute__((weak));

namespace ctc::fuzz {
namespace {

template <class T>
T pick(Rng& rng, std::initializer_list<T> values) {
  return *(values.begin() + rng() % values.size());
}

bool chance(Rng& rng, unsigned one_in) { return rng() % one_in == 0; }

Op random_op(Rng& rng) {
  std::array<uint8_t, kOpSize> r;
  for (uint8_t& b : r) b = static_cast<uint8_t>(rng());
  return decode_op(r);
}

// Both directions of one TCP conversation, as far as ops [0, end) tell: what a
// tracker keeps per direction (nf_conntrack_proto_tcp.c struct ip_ct_tcp_state:
// td_end, td_maxend, td_maxwin, td_scale), approximated from what was sent.
struct Side {
  bool seen = false;
  uint32_t end = 0;     // highest seq + len sent (SYN and FIN count one)
  uint32_t ack = 0;     // last ack sent
  uint32_t window = 0;  // last window, scaled
  uint32_t max_window = 1;
  int wscale = -1;  // from its SYN, -1 if none
};

bool same_flow(const Op& a, const Op& b) {
  return a.ipv6 == b.ipv6 && a.src == b.src && a.dst == b.dst && a.sport == b.sport &&
         a.dport == b.dport;
}

Op reversed(const Op& op) {
  Op r = op;
  std::swap(r.src, r.dst);
  std::swap(r.sport, r.dport);
  r.to_port2 = !op.to_port2;
  return r;
}

// [0] the direction of ops[at], [1] the other one.
std::array<Side, 2> conversation(const std::vector<Op>& ops, size_t at) {
  std::array<Side, 2> sides{};
  const Op& me = ops[at];
  const Op peer = reversed(me);
  for (size_t i = 0; i < at; ++i) {
    const Op& op = ops[i];
    if (op.kind != OpKind::kTcp) continue;
    Side* s = same_flow(op, me) ? &sides[0] : same_flow(op, peer) ? &sides[1] : nullptr;
    if (s == nullptr) continue;
    const bool syn = op.flags & tcp_flag::kSyn;
    if (syn) s->wscale = op.wscale <= 14 ? op.wscale : -1;
    const uint32_t end =
        op.seq + op.payload + (syn ? 1 : 0) + ((op.flags & tcp_flag::kFin) ? 1 : 0);
    if (!s->seen || static_cast<int32_t>(end - s->end) > 0) s->end = end;
    if (op.flags & tcp_flag::kAck) s->ack = op.ack;
    s->window = op.window;
    s->seen = true;
  }
  // The scale applies only when both SYNs carried it (RFC 7323 2.2).
  const bool scaled = sides[0].wscale >= 0 && sides[1].wscale >= 0;
  for (Side& s : sides) {
    if (scaled) s.window <<= std::min(s.wscale, 14);
    s.max_window = std::max<uint32_t>(s.window, 1);
  }
  return sides;
}

// seq: where the receiver's window starts and ends, our own next byte, and
// one either side of each (tcp_in_window's before()/after() boundaries).
uint32_t edge_seq(const std::array<Side, 2>& c, const Op& op, Rng& rng) {
  const Side& me = c[0];
  const Side& peer = c[1];
  const int32_t delta = pick<int32_t>(rng, {-1, 0, 0, 1});
  uint32_t base = op.seq;
  switch (rng() % 5) {
    case 0:
      if (me.seen) base = me.end;
      break;
    case 1:
      if (peer.seen) base = peer.ack;
      break;
    case 2:
      if (peer.seen) base = peer.ack + peer.window - op.payload;
      break;  // last byte fits
    case 3:
      if (me.seen) base = me.end - peer.max_window;
      break;  // td_end - td_maxwin
    default: base = op.seq + pick<uint32_t>(rng, {0x80000000u, 0xffffffffu, 1u << 16}); break;
  }
  return base + static_cast<uint32_t>(delta);
}

// ack: the peer's next byte (what it sent so far), beyond it (ack of unsent
// data), or at the lower bound of what is still acceptable.
uint32_t edge_ack(const std::array<Side, 2>& c, const Op& op, Rng& rng) {
  const Side& me = c[0];
  const Side& peer = c[1];
  const int32_t delta = pick<int32_t>(rng, {-1, 0, 0, 1});
  uint32_t base = op.ack;
  switch (rng() % 4) {
    case 0:
      if (peer.seen) base = peer.end;
      break;
    case 1:
      if (peer.seen) base = peer.end - me.max_window;
      break;  // MAXACKWINDOW-ish
    case 2:
      if (me.seen) base = me.ack;
      break;
    default: base = op.ack + pick<uint32_t>(rng, {0x80000000u, 0xffffffffu, 1u << 16}); break;
  }
  return base + static_cast<uint32_t>(delta);
}

// The next packet of a conversation: the other side's answer or more from
// the same side, with the usual flags and numbers that fit.
Op follow_up(const std::vector<Op>& ops, size_t from, Rng& rng) {
  Op op = chance(rng, 2) ? reversed(ops[from]) : ops[from];
  std::vector<Op> tmp(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(from) + 1);
  tmp.push_back(op);
  const auto c = conversation(tmp, tmp.size() - 1);
  op.flags = pick<uint8_t>(rng, {tcp_flag::kSyn, tcp_flag::kSyn | tcp_flag::kAck, tcp_flag::kAck,
                                 tcp_flag::kPsh | tcp_flag::kAck, tcp_flag::kFin | tcp_flag::kAck,
                                 tcp_flag::kRst, tcp_flag::kRst | tcp_flag::kAck});
  op.payload = (op.flags & (tcp_flag::kSyn | tcp_flag::kRst))
                   ? 0
                   : pick<uint16_t>(rng, {0, 0, 1, 100, 1460});
  if (c[0].seen) op.seq = c[0].end;
  if (c[1].seen) op.ack = c[1].end;
  if (!(op.flags & tcp_flag::kAck)) op.ack = 0;
  if (!(op.flags & tcp_flag::kSyn)) {  // options that only a SYN carries
    op.wscale = 15;
    op.mss = false;
    op.sack_permitted = false;
  }
  return op;
}

std::optional<size_t> random_index_of(const std::vector<Op>& ops, OpKind kind, Rng& rng) {
  std::vector<size_t> found;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].kind == kind) found.push_back(i);
  }
  if (found.empty()) return std::nullopt;
  return found[rng() % found.size()];
}

void mutate_tcp(std::vector<Op>& ops, size_t i, Rng& rng) {
  Op& op = ops[i];
  switch (rng() % 6) {
    case 0: op.flags ^= static_cast<uint8_t>(1u << (rng() % 8)); break;  // one flag
    case 1: op.seq = edge_seq(conversation(ops, i), op, rng); break;
    case 2: op.ack = edge_ack(conversation(ops, i), op, rng); break;
    case 3: op.wscale = static_cast<uint8_t>(rng() % 16); break;  // 15: no option
    case 4:
      op.window = pick<uint16_t>(rng, {0, 1, 512, 2048, 65535, static_cast<uint16_t>(rng())});
      break;
    default: {
      const auto c = conversation(ops, i);
      // Exactly filling the peer's window is the interesting boundary.
      const uint32_t room = c[1].seen ? c[1].ack + c[1].window - op.seq : 0;
      op.payload =
          pick<uint16_t>(rng, {0, 1, 536, static_cast<uint16_t>(kMaxPayload),
                               static_cast<uint16_t>(std::min<uint32_t>(room, kMaxPayload)),
                               static_cast<uint16_t>(std::min<uint32_t>(room + 1, kMaxPayload))});
      break;
    }
  }
}

void mutate_advance(Op& op, Rng& rng) {
  op.advance_mode = AdvanceMode::kTimeout;  // timeout boundaries are where engines differ
  op.timeout_index = static_cast<uint8_t>(rng() % kTimeoutCount);
  op.nudge = static_cast<uint8_t>(rng() % kNudgeCount);
}

void mutate_error(Op& op, Rng& rng) {
  switch (rng() % 4) {
    case 0: op.quote_back = static_cast<uint8_t>(rng() % 4); break;
    case 1:
      op.corruption = static_cast<QuoteCorruption>(rng() % 4);
      op.corrupt_at = static_cast<uint8_t>(rng());
      op.corrupt_with = static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 2: op.error_kind = static_cast<IcmpErrorKind>(rng() % kIcmpErrorKindCount); break;
    default:
      op.to_quoted_source = !op.to_quoted_source;
      op.quote_output = chance(rng, 2);
      break;
  }
}

void mutate_header(Header& h, Rng& rng) {
  switch (rng() % 4) {
    case 0: h.pipeline = static_cast<PipelineKind>(rng() % 4); break;
    case 1:
      if (chance(rng, 2)) {
        h.ovs_profile = !h.ovs_profile;
      } else {
        h.mirrored = !h.mirrored;
      }
      break;
    case 2:
      h.zone_index = static_cast<uint8_t>(rng() % 8);
      h.second_zone_index = static_cast<uint8_t>(rng() % 8);
      break;
    default:
      h.nat_address = static_cast<uint8_t>(rng() % 4);
      h.nat_ports = static_cast<uint8_t>(rng() % 4);
      break;
  }
}

// LLVMFuzzerMutate on one record only: byte-level exploration that cannot
// shift the records after it.
void byte_mutate_op(Op& op) {
  auto r = encode_op(op);
  LLVMFuzzerMutate(r.data(), r.size(), r.size());
  op = decode_op(r);
}

}  // namespace

void mutate_input(Input& input, Rng& rng, size_t max_ops) {
  std::vector<Op>& ops = input.ops;
  const size_t n = ops.size();
  switch (rng() % 12) {
    case 0:
    case 1: {  // insert: a follow-up of some TCP packet, or anything
      if (n >= max_ops) break;
      const size_t at = rng() % (n + 1);
      auto tcp = random_index_of(ops, OpKind::kTcp, rng);
      Op op = tcp && *tcp < at && chance(rng, 2) ? follow_up(ops, *tcp, rng) : random_op(rng);
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at), op);
      break;
    }
    case 2:
      if (n > 0) ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(rng() % n));
      break;
    case 3:  // duplicate: a retransmission, or the same time step twice
      if (n > 0 && n < max_ops) {
        const size_t from = rng() % n;
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng() % (n + 1)), Op(ops[from]));
      }
      break;
    case 4:
      if (n > 1) std::swap(ops[rng() % n], ops[rng() % n]);
      break;
    case 5:
    case 6:
    case 7:
      if (auto i = random_index_of(ops, OpKind::kTcp, rng)) {
        mutate_tcp(ops, *i, rng);
      } else if (n < max_ops) {
        ops.push_back(random_op(rng));
      }
      break;
    case 8:
      if (auto i = random_index_of(ops, OpKind::kAdvance, rng)) {
        mutate_advance(ops[*i], rng);
      } else if (n < max_ops) {
        Op op{.kind = OpKind::kAdvance};
        mutate_advance(op, rng);
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng() % (n + 1)), op);
      }
      break;
    case 9:
      if (auto i = random_index_of(ops, OpKind::kIcmpError, rng)) {
        mutate_error(ops[*i], rng);
      } else if (n > 0 && n < max_ops) {  // an error about something already sent
        Op op{.kind = OpKind::kIcmpError, .to_port2 = chance(rng, 2), .src = 4,
              .to_quoted_source = true, .quote_output = chance(rng, 2)};
        ops.push_back(op);
      }
      break;
    case 10: mutate_header(input.header, rng); break;
    default:
      if (n > 0 && LLVMFuzzerMutate != nullptr) byte_mutate_op(ops[rng() % n]);
      break;
  }
  if (ops.size() > max_ops) ops.resize(max_ops);
}

size_t mutate(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  Rng rng(seed);
  // One time in eight, plain libFuzzer mutation of the whole input: it uses
  // the dictionary and comparison hints the structured edits do not know.
  if (LLVMFuzzerMutate != nullptr && (max_size < kHeaderSize + kOpSize || chance(rng, 8))) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (max_size < kHeaderSize) return size;
  Input input = decode({data, size});
  const size_t max_ops = std::min(kMaxOps, (max_size - kHeaderSize) / kOpSize);
  // A few edits at once now and then, as libFuzzer itself stacks mutations.
  const unsigned rounds = 1 + (chance(rng, 4) ? rng() % 4 : 0);
  for (unsigned i = 0; i < rounds; ++i) mutate_input(input, rng, max_ops);
  const std::vector<uint8_t> bytes = encode(input);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

size_t cross_over(std::span<const uint8_t> a, std::span<const uint8_t> b, uint8_t* out,
                  size_t max_out_size, unsigned int seed) {
  // A prefix of one run followed by a suffix of the other: mixes a set-up
  // conversation with a different ending, under the first input's pipeline.
  Rng rng(seed);
  if (max_out_size < kHeaderSize) return 0;
  Input x = decode(a);
  const Input y = decode(b);
  const size_t keep = x.ops.empty() ? 0 : rng() % (x.ops.size() + 1);
  const size_t from = y.ops.empty() ? 0 : rng() % (y.ops.size() + 1);
  x.ops.resize(keep);
  x.ops.insert(x.ops.end(), y.ops.begin() + static_cast<std::ptrdiff_t>(from), y.ops.end());
  x.ops.resize(std::min({x.ops.size(), kMaxOps, (max_out_size - kHeaderSize) / kOpSize}));
  const std::vector<uint8_t> bytes = encode(x);
  std::memcpy(out, bytes.data(), bytes.size());
  return bytes.size();
}

}  // namespace ctc::fuzz
