#include "adapters/builtin/fast_conntrack.h"

#include <algorithm>

#include "reference/conntrack/packet_tuple.h"

namespace ctc::builtin {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;
enum : uint8_t { kOtherFirst, kOtherMultiple, kOtherBidir };

// Query types (Linux icmp_pkt_to_tuple / OVS extract_l4_icmp): echo,
// timestamp, information and address-mask requests and replies.
bool is_icmp_query(uint8_t proto, uint8_t type) {
  if (proto == 1) return type == 8 || type == 0 || (type >= 13 && type <= 18);
  return type == 128 || type == 129;
}

// Which queries may open a "connection" (Linux icmp_new valid_new[],
// icmpv6_new; OVS icmp_valid_new / icmp6_valid_new).
bool icmp_may_open(const Key& k) {
  const uint8_t type = k.icmp_type();
  if (k.proto() == 1) return type == 8 || type == 13 || type == 15 || type == 17;
  return type == 128;
}

bool is_icmp_error_type(uint8_t family, uint8_t type) {
  if (family == 4) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return type >= 1 && type <= 4;
}

// The tuple of an IP packet whose headers start at `ip` (family, protocol)
// and whose upper layer is `r` with `avail` bytes (extract_tuple()), in
// `zone`, as indexed (zone 0 when `drop_zone`), and its hash. The words are
// hashed while still in registers. Inlined into its callers (hot path: every
// ct() keys its packet; the call would pass eleven arguments).
[[gnu::always_inline]] inline const char* fill_key(const Profile& p, const uint8_t* ip,
                                                   uint8_t family, uint8_t proto, L4Kind kind,
                                                   const uint8_t* r, uint32_t avail, uint16_t zone,
                                                   bool drop_zone, Key& k, uint64_t& hash) {
  const size_t alen = family == 4 ? 4 : 16;
  uint64_t s0, s1, d0, d1;
  address_words(ip + (family == 4 ? 12 : 8), alen, s0, s1);
  address_words(ip + (family == 4 ? 16 : 24), alen, d0, d1);
  uint64_t w4 = drop_zone ? 0 : uint64_t{zone} << 48;
  uint64_t w5 = proto | (uint64_t{family} << 8) | (uint64_t{family} << 16);
  const char* reason = nullptr;
  switch (kind) {
    case L4Kind::kTcp:
    case L4Kind::kUdp: {
      const uint16_t sport = load16(r), dport = load16(r + 2);
      w4 |= sport | (uint32_t{dport} << 16);
      if (p.reject_port_zero && (sport == 0 || dport == 0)) reason = "port zero";
      break;
    }
    case L4Kind::kIcmp: {
      const uint8_t type = r[0], code = r[1];
      if (!is_icmp_query(proto, type)) return "ICMP type not trackable";
      if (p.icmp_query_requires_code_zero && code != 0) return "ICMP query with code";
      if (avail >= 8) w4 |= uint64_t{load16(r + 4)} << 32;
      w5 |= (uint64_t{type} << 24) | (uint64_t{code} << 32);
      break;
    }
    case L4Kind::kNone:
      // Generic protocols track by addresses; these have a header that is missing.
      if (proto == kTcp || proto == kUdp || proto == 1 || proto == 58) return "L4 header missing";
      break;
  }
  hash = hash_words(s0, s1, d0, d1, w4, w5);
  k.w[0] = s0;
  k.w[1] = s1;
  k.w[2] = d0;
  k.w[3] = d1;
  k.w[4] = w4;
  k.w[5] = w5;
  return reason;
}

// Filled in place: a Segment built elsewhere and copied in would be read back
// as a vector right after its narrow field stores.
void read_segment(const Frame& f, Segment& s) {
  const uint8_t* t = f.data() + f.l.l4;
  s.flags = t[13];
  s.seq = load32(t + 4);
  s.ack = load32(t + 8);
  s.window = load16(t + 14);
  s.payload_len = f.l.payload_len();
  s.has_wscale = f.l.has_wscale;
  s.wscale = f.l.wscale;
  s.sack_perm = f.l.sack_perm;
}

}  // namespace

const char* to_string(Fault fault) {
  switch (fault) {
    case Fault::kReplyTupleNotSwapped: return "reply-tuple-not-swapped";
    case Fault::kNoWindowCheck: return "no-window-check";
    case Fault::kIcmpErrorsNeverRelated: return "icmp-errors-never-related";
    case Fault::kTimeoutOffByOneState: return "timeout-off-by-one-state";
    case Fault::kZoneIgnoredInKey: return "zone-ignored-in-key";
  }
  return "?";
}

FastConntrack::FastConntrack(const Profile& profile, std::optional<Fault> fault)
    : profile_(profile), fault_(fault), index_(Pool{&conns_}) {
  knobs_.no_window_check = fault == Fault::kNoWindowCheck;
  knobs_.previous_state_timeout = fault == Fault::kTimeoutOffByOneState;
  conns_.reserve(1024);
}

Key FastConntrack::lookup_key(const Key& k) const {
  if (fault_ != Fault::kZoneIgnoredInKey) return k;
  Key z = k;
  z.set_zone(0);
  return z;
}

FastConntrack::Conn* FastConntrack::lookup(const Key& k, int64_t now, uint8_t& dir) {
  const Key key = lookup_key(k);
  return lookup_indexed(key, hash_key(key), now, dir);
}

FastConntrack::Conn* FastConntrack::lookup_indexed(const Key& key, uint64_t hash, int64_t now,
                                                   uint8_t& dir) {
  const auto r = index_.find(key, hash);
  if (!r) return nullptr;
  const uint32_t slot = r->conn;
  dir = r->dir;
  // Both implementations expire at the deadline itself (nf_ct_is_expired, conn_expired).
  if (now >= conns_[slot].expires) {
    erase(slot);
    return nullptr;
  }
  return &conns_[slot];
}

[[gnu::always_inline]] inline void FastConntrack::prepare(const Frame& f, uint16_t zone,
                                                         Prepared& p) const {
  p.ready = true;
  p.hash = 0;
  p.reason = nullptr;
  if (!f.is_ip() || f.l.frag != FragKind::kNone || f.is_icmp_error()) return;
  const uint8_t* d = f.data();
  p.reason = fill_key(profile_, d + f.l.l3, f.l.family, f.l.protocol, f.l.l4_kind, d + f.l.l4,
                      f.l.l4_len(), zone, fault_ == Fault::kZoneIgnoredInKey, p.key, p.hash);
}

void FastConntrack::erase(uint32_t slot) {
  Conn& c = conns_[slot];
  index_.erase(c.key[0], c.hash[0], slot);
  index_.erase(c.key[1], c.hash[1], slot);
  if (!zone_count_.empty()) --zone_count_[c.zone];
  --live_;
  c.id = 0;
  free_.push_back(slot);
}

uint32_t FastConntrack::unlink(uint32_t slot) {
  if (unlinked_.empty()) unlinked_.resize(kUnlinkedKept);
  const size_t at = next_unlinked_;
  next_unlinked_ = (next_unlinked_ + 1) % kUnlinkedKept;
  unlinked_[at] = conns_[slot];
  erase(slot);
  return kUnlinkedSlot | static_cast<uint32_t>(at);
}

FastConntrack::Conn* FastConntrack::attached(const CtMeta& md) {
  if (md.conn & kUnlinkedSlot) {
    const size_t at = md.conn & ~kUnlinkedSlot;
    return at < unlinked_.size() && unlinked_[at].id == md.conn_id ? &unlinked_[at] : nullptr;
  }
  return md.conn < conns_.size() && conns_[md.conn].id == md.conn_id ? &conns_[md.conn] : nullptr;
}

int64_t FastConntrack::timeout_of(const Conn& c, int64_t now) const {
  const Timeouts& t = profile_.timeouts;
  if (c.tcp) {
    return profile_.tcp_tracker == TcpTrackerKind::kLinux ? c.lx.timeout_ns : c.ovs.timeout_ns(profile_);
  }
  if (is_icmp_proto(c.key[0].proto())) return c.seen_reply ? t.icmp_reply.ns : t.icmp_first.ns;
  const bool udp = c.key[0].proto() == kUdp;
  if (!c.seen_reply) return udp ? t.udp_first.ns : t.other_first.ns;
  if (!udp) return t.other_replied.ns;
  // Linux udp_packet(): still active 2 s after the first packet: a stream.
  return now - c.created > t.udp_stream_after.ns ? t.udp_stream.ns : t.udp_replied.ns;
}

void FastConntrack::apply_commit_fields(Conn& c, const CtAction& a) {
  // (old & ~M) | (V & M): OVS set_mark() / kernel ovs_ct_set_mark().
  if (a.set_mark) c.mark = (c.mark & ~a.mark_mask) | (*a.set_mark & a.mark_mask);
  if (a.set_label) c.label = c.label.with(*a.set_label, a.label_mask);
}

void FastConntrack::fill(const Conn& c, uint32_t slot, CtMeta& md) {
  md.mark = c.mark;
  md.label = c.label;
  md.conn = slot;
  md.conn_id = c.id;
}

void FastConntrack::invalid(CtMeta& md, const char* reason, const Conn* c) {
  md.state = CtState(CtState::kTrk | CtState::kInv);
  md.reason = reason;
  md.conn_id = 0;
  // OVS userspace keeps the connection's mark/label on an invalid packet.
  if (c != nullptr && profile_.invalid_packet_keeps_connection) {
    md.mark = c->mark;
    md.label = c->label;
  } else {
    md.mark = 0;
    md.label = CtLabel{};
  }
}

void FastConntrack::execute(Frame& f, const CtAction& a, uint16_t zone, int64_t now, CtMeta& md) {
  Prepared p;
  execute_prepared(f, a, zone, now, md, p);
}

void FastConntrack::execute_prepared(Frame& f, const CtAction& a, uint16_t zone, int64_t now,
                                     CtMeta& md, Prepared& p) {
  // Entering another zone starts over (OVS process_one "Reset ct_state whenever
  // entering a new zone"); the same zone reuses the lookup ("conn already looked up").
  const bool same_zone = md.tracked && md.zone == zone;
  const uint64_t cached = same_zone ? md.conn_id : 0;
  const CtState previous = md.state;
  const bool commit = a.commit || a.force;
  md.tracked = true;
  md.zone = zone;
  md.reason = nullptr;
  md.drop = false;

  Conn* const held = cached != 0 && !a.force ? attached(md) : nullptr;
  if (held != nullptr) {
    Conn& c = *held;
    md.state = previous;
    if (commit) apply_commit_fields(c, a);
    if (nat_applies(a, c, previous) && !previous.has(CtState::kSnat) &&
        !previous.has(CtState::kDnat)) {
      const uint8_t dir = previous.has(CtState::kRpl) ? 1 : 0;
      md.state = md.state.with(apply_nat(f, c, dir, previous.has(CtState::kRel)));
    }
    return fill(c, md.conn, md);
  }
  md.state = CtState{};

  if (!f.is_ip()) return invalid(md, "not IP", nullptr);
  if (f.l.frag != FragKind::kNone) return invalid(md, "fragment", nullptr);
  f.verify();
  if (profile_.verify_checksums && !f.ip_ok) return invalid(md, "bad IP checksum", nullptr);
  if (profile_.verify_checksums && !f.l4_ok) return invalid(md, "bad L4 checksum", nullptr);
  if (f.is_icmp_error()) return execute_related(f, a, zone, now, md);

  if (!p.ready) prepare(f, zone, p);
  if (p.reason != nullptr) return invalid(md, p.reason, nullptr);
  const Key& k = p.key;  // as indexed
  Segment seg;
  const bool tcp = f.l.l4_kind == L4Kind::kTcp;
  if (tcp) read_segment(f, seg);

  uint8_t dir = 0;
  Conn* c = lookup_indexed(k, p.hash, now, dir);
  // ct(force): a reply-direction packet ends the connection and starts anew.
  if (c != nullptr && a.force && dir == 1) {
    erase(static_cast<uint32_t>(c - conns_.data()));
    c = nullptr;
  }
  if (c != nullptr) {
    const uint32_t slot = static_cast<uint32_t>(c - conns_.data());
    bool delete_after = false;
    bool recycled = false;
    bool report_new = false;
    bool keep_timer = false;
    if (c->tcp) {
      const TcpVerdict v = profile_.tcp_tracker == TcpTrackerKind::kLinux
                               ? c->lx.update(seg, dir, profile_, knobs_)
                               : c->ovs.update(seg, dir, profile_, knobs_);
      switch (v) {
        case TcpVerdict::kValid: break;
        case TcpVerdict::kValidKeepTimer: keep_timer = true; break;
        case TcpVerdict::kValidNew: report_new = true; break;
        case TcpVerdict::kDelete: delete_after = true; break;
        case TcpVerdict::kRecycle:
          // Linux TIME_WAIT/CLOSE + SYN (-NF_REPEAT), OVS CT_UPDATE_NEW.
          erase(slot);
          recycled = true;
          break;
        default:
          invalid(md, "TCP tracking", c);
          // OVS process_one(): handle_nat() runs on CT_UPDATE_INVALID too.
          if (profile_.invalid_packet_is_translated && a.nat && c->nat()) {
            md.state = md.state.with(apply_nat(f, *c, dir, false));
          }
          return;
      }
    } else if (dir == 1) {
      c->other_state = kOtherBidir;
    } else if (c->other_state == kOtherFirst) {
      c->other_state = kOtherMultiple;
    }
    if (!recycled) {
      const bool replied_before = c->seen_reply;
      if (dir == 1 && !report_new) c->seen_reply = true;
      if (!keep_timer) refresh(*c, now);
      if (report_new) {
        md.state = CtState(CtState::kTrk | CtState::kNew);  // no +rpl either way
      } else if (dir == 1) {
        md.state = CtState(CtState::kTrk | CtState::kEst | CtState::kRpl);
      } else if ((profile_.est_requires_reply || !c->tcp) && !replied_before) {
        // Linux IP_CT_NEW until a reply; OVS userspace too for UDP/ICMP/other
        // (CT_UPDATE_VALID_NEW), only its TCP says +est from the second packet.
        md.state = CtState(CtState::kTrk | CtState::kNew);
      } else {
        md.state = CtState(CtState::kTrk | CtState::kEst);
      }
      if (commit) apply_commit_fields(*c, a);
      fill(*c, slot, md);
      if (nat_applies(a, *c, md.state)) md.state = md.state.with(apply_nat(f, *c, dir, false));
      // Linux: an RST before any reply deletes the connection; the packet
      // keeps it for its later ct() actions (nf_ct_kill_acct(), skb->_nfct).
      if (delete_after) md.conn = unlink(slot);
      return;
    }
  }

  if (tcp) {
    const TcpVerdict v = profile_.tcp_tracker == TcpTrackerKind::kLinux
                             ? linux_check_new(seg, profile_)
                             : ovs_check_new(seg);
    if (v != TcpVerdict::kValid) return invalid(md, "TCP segment cannot open", nullptr);
  } else if (is_icmp_proto(k.proto()) && !icmp_may_open(k)) {
    return invalid(md, "ICMP type cannot open", nullptr);
  }
  start(f, a, zone, k, p.hash, tcp ? &seg : nullptr, now, md);
}

uint64_t FastConntrack::hint(const Frame& f, uint16_t zone) const {
  Prepared p;
  prepare(f, zone, p);
  return p.reason == nullptr ? p.hash : 0;
}

void FastConntrack::prefetch_index(uint64_t hash) const {
  if (hash != 0) __builtin_prefetch(index_.home(hash));
}

void FastConntrack::prefetch_connection(uint64_t hash) const {
  if (hash == 0) return;
  if (const auto r = index_.guess(hash)) {
    const char* c = reinterpret_cast<const char*>(&conns_[r->conn]);
    __builtin_prefetch(c);
    __builtin_prefetch(c + 64);
    __builtin_prefetch(c + 128);
    __builtin_prefetch(c + 192);
  }
}

void FastConntrack::execute_batch(std::span<Frame* const> frames, const CtAction& action,
                                  uint16_t zone, int64_t now, std::span<CtMeta> mds) {
  // Group prefetching, in chunks: key and hash every packet and prefetch its
  // index slot; then prefetch every connection those slots name; then run
  // the packets in order with the keys computed up front.
  constexpr size_t kChunk = 32;
  Prepared ready[kChunk];
  for (size_t base = 0; base < frames.size(); base += kChunk) {
    const size_t n = std::min(kChunk, frames.size() - base);
    for (size_t i = 0; i < n; ++i) {
      prepare(*frames[base + i], zone, ready[i]);
      if (ready[i].reason == nullptr) prefetch_index(ready[i].hash);
    }
    for (size_t i = 0; i < n; ++i) {
      if (ready[i].reason == nullptr) prefetch_connection(ready[i].hash);
    }
    for (size_t i = 0; i < n; ++i) {
      execute_prepared(*frames[base + i], action, zone, now, mds[base + i], ready[i]);
    }
  }
}

void FastConntrack::execute_related(Frame& f, const CtAction& a, uint16_t zone, int64_t now,
                                    CtMeta& md) {
  if (fault_ == Fault::kIcmpErrorsNeverRelated) return invalid(md, "ICMP error unrelated", nullptr);
  const uint8_t* d = f.data();
  const uint8_t* q = d + f.l.l4 + 8;
  const uint32_t qn = f.l.l4_len() - 8;
  const QuotedLayout ql = extract_quoted(q, qn);
  if (!ql.ok || ql.fragment) return invalid(md, "bad ICMP quote", nullptr);
  const uint8_t* qr = q + ql.l4;
  if (ql.l4_kind == L4Kind::kIcmp && is_icmp_error_type(ql.family, qr[0])) {
    return invalid(md, "ICMP error quoting an error", nullptr);
  }
  if (profile_.icmp_error_checks_inner_source) {
    // OVS extract_l4_icmp(): the quoted packet must come from the error's destination.
    const size_t alen = ql.family == 4 ? 4 : 16;
    const bool same = ql.family == f.l.family &&
                      std::memcmp(q + (ql.family == 4 ? 12 : 8), d + f.l.dst_at(), alen) == 0;
    if (!same) return invalid(md, "bad ICMP quote", nullptr);
  }
  // OVS extract_l4_icmp()/extract_l4_icmp6(): the profile's minimum quote.
  if (ql.l4_avail < min_quoted_l4_bytes(profile_, ql.family == 4 ? IpFamily::kV4 : IpFamily::kV6,
                                        ql.protocol)) {
    return invalid(md, "bad ICMP quote", nullptr);
  }
  Key inner;
  uint64_t unused_hash;
  if (fill_key(profile_, q, ql.family, ql.protocol, ql.l4_kind, qr, ql.l4_avail, zone, false, inner,
               unused_hash) != nullptr) {
    return invalid(md, "bad ICMP quote", nullptr);
  }
  // The quoted packet travelled the other way (OVS conn_key_reverse, Linux
  // nf_ct_invert_tuple in nf_conntrack_inet_error).
  uint8_t dir = 0;
  Conn* c = lookup(reversed(inner), now, dir);
  if (c == nullptr) return invalid(md, "ICMP error unrelated", nullptr);
  const uint32_t slot = static_cast<uint32_t>(c - conns_.data());
  md.state = CtState(CtState::kTrk | CtState::kRel | (dir == 1 ? CtState::kRpl : 0));
  if (a.commit || a.force) apply_commit_fields(*c, a);
  if (a.nat && c->nat()) md.state = md.state.with(apply_nat(f, *c, dir, true));
  fill(*c, slot, md);
}

void FastConntrack::start(Frame& f, const CtAction& a, uint16_t zone, const Key& k, uint64_t hash,
                          const Segment* seg, int64_t now, CtMeta& md) {
  md.state = CtState(CtState::kTrk | CtState::kNew);
  md.mark = 0;
  md.label = CtLabel{};
  md.conn_id = 0;
  if (!(a.commit || a.force)) return;  // a lookup without commit leaves no entry

  if (zone_full(zone, now)) {
    // Linux ovs_ct_check_limit drops; OVS conn_not_found leaves it +new uncommitted.
    md.reason = "zone limit";
    md.drop = profile_.zone_limit_drops_packet;
    return;
  }
  const Key& orig = k;  // as indexed
  Key reply = fault_ == Fault::kReplyTupleNotSwapped ? orig : reversed(orig);
  bool snat = false, dnat = false;
  if (a.nat && a.nat_range) {
    auto chosen = choose_nat(orig, *a.nat_range, now);
    if (!chosen) {
      // No entry. Linux drops; OVS conn_not_found() logs "Unable to NAT due
      // to tuple space exhaustion" and the packet goes on +new, untranslated.
      md.reason = "NAT exhausted";
      md.drop = profile_.nat_exhaustion_drops_packet;
      return;
    }
    reply = *chosen;
    snat = a.nat_range->kind == NatRange::Kind::kSrc;
    dnat = !snat;
  }
  // Reversing or NATing a key as indexed gives a key as indexed: no lookup_key().
  const uint64_t reply_hash = hash_key(reply);
  uint8_t unused_dir;
  if (!(a.nat && a.nat_range) && !(reply == orig) &&
      lookup_indexed(reply, reply_hash, now, unused_dir) != nullptr) {
    md.state = CtState(CtState::kTrk | CtState::kInv);
    md.reason = "commit conflict";
    return;
  }

  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  Conn& c = conns_[slot];
  c.key[0] = orig;
  c.key[1] = reply;
  c.hash[0] = hash;
  c.hash[1] = reply_hash;
  c.id = next_id_++;
  c.created = now;
  c.mark = 0;
  c.label = CtLabel{};
  c.zone = zone;
  c.other_state = kOtherFirst;
  c.seen_reply = false;
  c.snat = snat;
  c.dnat = dnat;
  c.tcp = seg != nullptr;
  if (c.tcp) {
    if (profile_.tcp_tracker == TcpTrackerKind::kLinux) {
      c.lx.start(*seg, profile_, knobs_);
    } else {
      c.ovs.start(*seg);
    }
  }
  refresh(c, now);
  apply_commit_fields(c, a);
  index_.assign(c.key[0], c.hash[0], IndexRef{slot, 0});
  if (!(c.key[1] == c.key[0]) || fault_ != Fault::kReplyTupleNotSwapped) {
    index_.assign(c.key[1], c.hash[1], IndexRef{slot, 1});
  }
  if (!zone_count_.empty()) ++zone_count_[zone];
  ++live_;
  fill(c, slot, md);
  if (a.nat && c.nat()) md.state = md.state.with(apply_nat(f, c, 0, false));
}

bool FastConntrack::zone_full(uint16_t zone, int64_t now) {
  auto it = std::find_if(zone_limits_.begin(), zone_limits_.end(),
                         [&](const auto& l) { return l.first == zone; });
  if (it == zone_limits_.end()) return false;
  if (zone_count_[zone] < it->second) return false;
  reap(now, zone);  // expired connections do not count
  return zone_count_[zone] >= it->second;
}

void FastConntrack::set_zone_limit(uint16_t zone, std::optional<size_t> limit) {
  std::erase_if(zone_limits_, [&](const auto& l) { return l.first == zone; });
  if (!limit) return;
  zone_limits_.emplace_back(zone, *limit);
  if (zone_count_.empty()) {
    // Counted only once some zone has a limit: a table of 64k counters
    // zeroed for every load would cost more than a short scenario.
    zone_count_.assign(65536, 0);
    for (const Conn& c : conns_) {
      if (c.id != 0) ++zone_count_[c.zone];
    }
  }
}

void FastConntrack::reap(int64_t now, std::optional<uint16_t> only_zone) {
  for (uint32_t slot = 0; slot < conns_.size(); ++slot) {
    const Conn& c = conns_[slot];
    if (c.id == 0 || (only_zone && c.zone != *only_zone)) continue;
    if (now >= c.expires) erase(slot);
  }
}

void FastConntrack::flush() {
  unlinked_.clear();
  next_unlinked_ = 0;
  // A few connections in a large index: removing their entries one by one
  // touches less than clearing every slot (hot path: every load resets).
  if (live_ * 16 < index_.capacity()) {
    for (uint32_t slot = 0; slot < conns_.size(); ++slot) {
      const Conn& c = conns_[slot];
      if (c.id == 0) continue;
      index_.erase(c.key[0], c.hash[0], slot);
      index_.erase(c.key[1], c.hash[1], slot);
    }
  }
  index_.clear();
  conns_.clear();
  free_.clear();
  std::fill(zone_count_.begin(), zone_count_.end(), 0);  // empty without zone limits
  live_ = 0;
}

void FastConntrack::reset() {
  flush();
  zone_limits_.clear();
  zone_count_.clear();
  next_id_ = 1;
}

void FastConntrack::flush_zone(uint16_t zone) {
  for (uint32_t slot = 0; slot < conns_.size(); ++slot) {
    if (conns_[slot].id != 0 && conns_[slot].zone == zone) erase(slot);
  }
}

std::vector<ConnectionSnapshot> FastConntrack::dump(int64_t now) {
  reap(now, std::nullopt);
  std::vector<ConnectionSnapshot> rows;
  rows.reserve(live_);
  for (const Conn& c : conns_) {
    if (c.id == 0) continue;
    ConnectionSnapshot s;
    s.zone = Zone{c.zone};
    s.original = to_tuple(c.key[0]);
    s.reply = to_tuple(c.key[1]);
    s.mark = c.mark;
    s.label = c.label;
    if (c.tcp) {
      s.protocol_state = profile_.tcp_tracker == TcpTrackerKind::kLinux ? c.lx.state_name()
                                                                        : c.ovs.state_name();
    }
    s.remaining = Duration{c.expires - now};
    // A DNAT that moved the source port is source NAT as the tuples show it.
    s.snat = c.snat || (c.dnat && c.key[1].dport() != c.key[0].sport());
    s.dnat = c.dnat;
    s.seen_reply = c.seen_reply;
    rows.push_back(std::move(s));
  }
  std::sort(rows.begin(), rows.end(), [](const ConnectionSnapshot& a, const ConnectionSnapshot& b) {
    return std::tie(a.zone, a.original) < std::tie(b.zone, b.original);
  });
  return rows;
}

}  // namespace ctc::builtin
