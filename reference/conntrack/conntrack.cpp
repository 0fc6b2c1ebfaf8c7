#include "reference/conntrack/conntrack.h"

#include <algorithm>
#include <ostream>
#include <unordered_map>

#include "reference/conntrack/nat.h"
#include "reference/conntrack/packet_tuple.h"
#include "reference/conntrack/tcp_tracker.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

// The pseudo-connection state of UDP and other protocols, OVS
// lib/conntrack-other.c (OTHERS_FIRST / OTHERS_MULTIPLE / OTHERS_BIDIR); Linux
// only distinguishes "reply seen" (IPS_SEEN_REPLY).
enum class OtherState : uint8_t { kFirst, kMultiple, kBidir };

}  // namespace

struct TrackedConnection {
  uint64_t id = 0;
  Zone zone;
  Tuple original;  // as the first packet had it
  Tuple reply;     // what a reply carries, after NAT
  Timestamp created;
  Timestamp expires;
  uint32_t mark = 0;
  CtLabel label;
  std::unique_ptr<TcpConnectionTracker> tcp;
  OtherState other_state = OtherState::kFirst;
  bool seen_reply = false;
  bool snat = false;
  bool dnat = false;
  // A DNAT that also had to move the source port (Profile::dnat_may_remap_source_port).
  bool source_port_remapped = false;

  bool expired_at(Timestamp now) const {
    // Both implementations expire at the deadline itself: Linux nf_ct_is_expired()
    // (timeout - now <= 0), OVS conn_expired() (now >= expiration).
    return now >= expires;
  }
  bool nat() const { return snat || dnat; }
};

namespace {

using Connection = TrackedConnection;

struct ConnKey {
  Zone zone;
  Tuple tuple;
  friend bool operator==(const ConnKey&, const ConnKey&) = default;
};

struct ConnKeyHash {
  size_t operator()(const ConnKey& k) const noexcept {
    return TupleHash{}(k.tuple) ^ (size_t{k.zone.value} * 0x9E3779B97F4A7C15ULL);
  }
};

struct IndexEntry {
  Connection* connection = nullptr;
  Direction direction = Direction::kOriginal;
};

bool is_icmp_protocol(uint8_t protocol) {
  return protocol == ip_proto::kIcmp || protocol == ip_proto::kIcmpv6;
}

// Query types that may open an ICMP "connection": Linux
// nf_conntrack_proto_icmp.c icmp_new() valid_new[], nf_conntrack_proto_icmpv6.c
// icmpv6_new(); OVS conntrack-icmp.c icmp_valid_new()/icmp6_valid_new().
bool icmp_may_open(const Tuple& t) {
  if (t.protocol == ip_proto::kIcmp) {
    return t.icmp_type == icmp_type::kEchoRequest || t.icmp_type == icmp_type::kTimestamp ||
           t.icmp_type == 15 /* information request */ || t.icmp_type == 17 /* address mask */;
  }
  return t.icmp_type == icmpv6_type::kEchoRequest;
}

}  // namespace

struct Conntrack::Impl {
  const Profile* profile;
  std::unique_ptr<TcpTrackerFactory> tcp_factory;
  std::unordered_map<uint64_t, Connection> connections;
  std::unordered_map<ConnKey, IndexEntry, ConnKeyHash> index;
  std::unordered_map<uint16_t, size_t> zone_limits;
  uint64_t next_id = 1;

  // No reserve(): clear() wipes the whole bucket array, so flush() and reset()
  // cost what the table has grown to, not a fixed large size.
  explicit Impl(const Profile* p) : profile(p), tcp_factory(make_tcp_tracker_factory(*p)) {}

  void erase(Connection& c) {
    index.erase(ConnKey{c.zone, c.original});
    index.erase(ConnKey{c.zone, c.reply});
    connections.erase(c.id);
  }

  // Takes `c` out of the table but hands it to the packet that caused it:
  // Linux nf_conntrack_tcp_packet() deletes an unreplied connection on a RST
  // with nf_ct_kill_acct() and returns NF_ACCEPT, and the packet keeps its
  // reference (skb->_nfct). Later ct() actions on that packet in the same
  // zone still find it and NAT it with its binding, as nftables' NAT hook
  // does (nf_nat_inet_fn() -> nf_nat_packet()); kernel OVS does not (known
  // divergence kernel-ovs-rst-before-reply-not-translated).
  std::shared_ptr<Connection> unlink(Connection& c) {
    index.erase(ConnKey{c.zone, c.original});
    index.erase(ConnKey{c.zone, c.reply});
    auto node = connections.extract(c.id);
    return std::make_shared<Connection>(std::move(node.mapped()));
  }

  // The connection a previous ct() in this zone attached to the packet: in
  // the table, or unlinked from it while the packet held it.
  Connection* attached(uint64_t id, const PacketCtMetadata& md) {
    if (auto it = connections.find(id); it != connections.end()) return &it->second;
    if (md.unlinked && md.unlinked->id == id) return md.unlinked.get();
    return nullptr;
  }

  // A live connection for (zone, tuple); an expired one is reaped on the way.
  const IndexEntry* lookup(Zone zone, const Tuple& tuple, Timestamp now) {
    auto it = index.find(ConnKey{zone, tuple});
    if (it == index.end()) return nullptr;
    if (it->second.connection->expired_at(now)) {
      erase(*it->second.connection);
      return nullptr;
    }
    return &it->second;
  }

  bool tuple_in_use(Zone zone, const Tuple& tuple, Timestamp now) {
    return lookup(zone, tuple, now) != nullptr;
  }

  size_t live_in_zone(Zone zone, Timestamp now) {
    size_t n = 0;
    for (auto& [id, c] : connections) {
      if (c.zone == zone && !c.expired_at(now)) ++n;
    }
    return n;
  }

  void reap(Timestamp now) {
    std::vector<Connection*> dead;
    for (auto& [id, c] : connections) {
      if (c.expired_at(now)) dead.push_back(&c);
    }
    for (Connection* c : dead) erase(*c);
  }

  Duration timeout_of(const Connection& c, Timestamp now) const {
    const Timeouts& t = profile->timeouts;
    if (c.tcp) return c.tcp->timeout();
    if (is_icmp_protocol(c.original.protocol)) {
      return c.seen_reply ? t.icmp_reply : t.icmp_first;
    }
    const bool udp = c.original.protocol == ip_proto::kUdp;
    if (!c.seen_reply) return udp ? t.udp_first : t.other_first;
    if (!udp) return t.other_replied;
    // Linux udp_packet(): "Still active after two seconds? Extend timeout."
    // (time_after(jiffies, stream_ts), stream_ts = creation + 2 s).
    if (now - c.created > t.udp_stream_after) return t.udp_stream;
    return t.udp_replied;
  }

  void refresh(Connection& c, Timestamp now) { c.expires = now + timeout_of(c, now); }

  // Applies the connection's NAT to the packet and returns the ct_state bits
  // to add. Kernel OVS follows a DNAT in the original direction with a null
  // SNAT binding, which reports +snat too (net/openvswitch/conntrack.c
  // ovs_ct_nat: "else if (CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL)
  // ovs_ct_nat_execute(..., NF_NAT_MANIP_SRC)"; seen on the 6.1 kernel).
  uint8_t translate(Packet& packet, const Connection& c, Direction dir, bool related) const {
    uint8_t bits = apply_nat(packet, c.original, c.reply, c.snat, c.dnat, dir, related);
    if (profile->dnat_original_reports_snat && c.dnat && !c.snat && dir == Direction::kOriginal) {
      bits |= CtState::kSnat;
    }
    // When that null binding had to move the source port the connection has
    // IPS_SRC_NAT as well, and a reply runs both manipulations (ovs_ct_nat():
    // "if (ct->status & IPS_SRC_NAT) ... the other maniptype"): +snat+dnat.
    if (profile->dnat_original_reports_snat && c.source_port_remapped && dir == Direction::kReply) {
      bits |= CtState::kDnat;
    }
    return bits;
  }

  // Whether `request` translates a packet of `c` that the lookup classified
  // as `state`. Kernel OVS reuses the connection's NAT only past IP_CT_NEW; a
  // +new packet is translated only by a ct() naming a range (Profile::
  // nat_lookup_skips_new_packets, net/openvswitch/conntrack.c ovs_ct_nat()).
  bool nat_applies(const CtRequest& request, const Connection& c, CtState state) const {
    if (!request.nat || !c.nat()) return false;
    return !(profile->nat_lookup_skips_new_packets && state.has(CtState::kNew) &&
             !request.nat_range);
  }

  void execute(Packet& packet, const CtRequest& request, Timestamp now, PacketCtMetadata& md);

 private:
  void finish_invalid(PacketCtMetadata& md, InvalidReason reason, const Connection* c);
  void execute_related(Packet& packet, const CtRequest& request, Timestamp now,
                       PacketCtMetadata& md);
  void execute_cached(Packet& packet, const CtRequest& request, Connection& c, Direction dir,
                      PacketCtMetadata& md);
  void start_connection(Packet& packet, const CtRequest& request, const Tuple& tuple,
                        const TcpSegment* segment, Timestamp now, PacketCtMetadata& md);
  void apply_commit_fields(Connection& c, const CtRequest& request);
  void fill_connection_md(const Connection& c, PacketCtMetadata& md);
};

void Conntrack::Impl::finish_invalid(PacketCtMetadata& md, InvalidReason reason,
                                     const Connection* c) {
  md.state = CtState(CtState::kTrk | CtState::kInv);
  md.invalid_reason = reason;
  md.connection_id = 0;
  md.original_tuple.reset();
  if (c != nullptr && profile->invalid_packet_keeps_connection) {
    md.mark = c->mark;
    md.label = c->label;
    md.original_tuple = c->original;
  } else {
    md.mark = 0;
    md.label = CtLabel{};
  }
}

void Conntrack::Impl::fill_connection_md(const Connection& c, PacketCtMetadata& md) {
  md.mark = c.mark;
  md.label = c.label;
  md.original_tuple = c.original;
  md.connection_id = c.id;
}

void Conntrack::Impl::apply_commit_fields(Connection& c, const CtRequest& request) {
  // exec(set_field:V/M->ct_mark): (old & ~M) | (V & M), as OVS set_mark() and
  // the kernel's ovs_ct_set_mark() both compute it.
  if (request.set_mark) {
    c.mark = (c.mark & ~request.mark_mask) | (*request.set_mark & request.mark_mask);
  }
  if (request.set_label) c.label = c.label.with(*request.set_label, request.label_mask);
}

// A second ct() in the same zone reuses the first lookup: the connection state
// is not advanced twice; commit, mark/label and NAT still apply.
void Conntrack::Impl::execute_cached(Packet& packet, const CtRequest& request, Connection& c,
                                     Direction dir, PacketCtMetadata& md) {
  if (request.commit) apply_commit_fields(c, request);
  if (nat_applies(request, c, md.state) && !md.state.has(CtState::kSnat) &&
      !md.state.has(CtState::kDnat)) {
    const bool related = md.state.has(CtState::kRel);
    md.state = md.state.with(translate(packet, c, dir, related));
  }
  fill_connection_md(c, md);
}

void Conntrack::Impl::start_connection(Packet& packet, const CtRequest& request, const Tuple& tuple,
                                       const TcpSegment* segment, Timestamp now,
                                       PacketCtMetadata& md) {
  md.state = CtState(CtState::kTrk | CtState::kNew);
  md.original_tuple = tuple;
  md.mark = 0;
  md.label = CtLabel{};
  md.connection_id = 0;
  if (!request.commit) return;  // a lookup without commit leaves no entry

  if (auto limit = zone_limits.find(request.zone.value); limit != zone_limits.end()) {
    if (live_in_zone(request.zone, now) >= limit->second) {
      md.invalid_reason = InvalidReason::kZoneLimit;
      md.drop_packet = profile->zone_limit_drops_packet;
      return;
    }
  }

  Connection c;
  c.id = next_id++;
  c.zone = request.zone;
  c.original = tuple;
  c.reply = tuple.reversed();
  c.created = now;
  if (request.nat && request.nat_range) {
    auto chosen = choose_nat_tuple(
        tuple, *request.nat_range,
        [&](const Tuple& reply) {
          return tuple_in_use(request.zone, reply, now) ||
                 tuple_in_use(request.zone, reply.reversed(), now);
        },
        NatChoiceOptions{.dnat_may_remap_source_port = profile->dnat_may_remap_source_port,
                         .remap_icmp_id = profile->nat_remaps_icmp_id});
    if (!chosen) {
      // No entry either way. Linux nf_nat_setup_info fails and the packet is
      // dropped; OVS conn_not_found() logs "Unable to NAT due to tuple space
      // exhaustion" and the packet goes on +new, untranslated.
      md.invalid_reason = InvalidReason::kNatExhausted;
      md.drop_packet = profile->nat_exhaustion_drops_packet;
      return;
    }
    c.reply = *chosen;
    c.snat = request.nat_range->kind == NatRange::Kind::kSrc;
    c.dnat = request.nat_range->kind == NatRange::Kind::kDst;
    c.source_port_remapped = c.dnat && c.reply.dst_port != tuple.src_port;
  } else if (tuple_in_use(request.zone, c.reply, now)) {
    md.state = CtState(CtState::kTrk | CtState::kInv);
    md.invalid_reason = InvalidReason::kCommitConflict;
    return;
  }
  if (segment != nullptr) c.tcp = tcp_factory->create(*segment);
  refresh(c, now);
  apply_commit_fields(c, request);

  auto [it, inserted] = connections.emplace(c.id, std::move(c));
  Connection& stored = it->second;
  index[ConnKey{stored.zone, stored.original}] = IndexEntry{&stored, Direction::kOriginal};
  index[ConnKey{stored.zone, stored.reply}] = IndexEntry{&stored, Direction::kReply};
  fill_connection_md(stored, md);
  if (request.nat && stored.nat()) {
    md.state = md.state.with(
        translate(packet, stored, Direction::kOriginal, false));
  }
}

void Conntrack::Impl::execute_related(Packet& packet, const CtRequest& request, Timestamp now,
                                      PacketCtMetadata& md) {
  auto quoted = parse_quoted_packet(packet);
  if (!quoted.ok() || !quoted->ip || quoted->is_icmp_error() || quoted->ip->is_fragment()) {
    return finish_invalid(md, InvalidReason::kIcmpErrorBadQuote, nullptr);
  }
  if (profile->icmp_error_checks_inner_source && quoted->ip->src != packet.ip->dst) {
    return finish_invalid(md, InvalidReason::kIcmpErrorBadQuote, nullptr);
  }
  Tuple inner;
  if (InvalidReason r = extract_tuple(*quoted, *profile, inner); r != InvalidReason::kNone) {
    return finish_invalid(md, InvalidReason::kIcmpErrorBadQuote, nullptr);
  }
  // OVS extract_l4_icmp()/extract_l4_icmp6(): a quote too short for the
  // profile's minimum is no quote at all (Profile::icmp_error_min_quoted_l4).
  if (quoted->quoted_l4_bytes < min_quoted_l4_bytes(*profile, quoted->ip->family, quoted->ip->protocol)) {
    return finish_invalid(md, InvalidReason::kIcmpErrorBadQuote, nullptr);
  }
  // The quoted packet travelled the other way: the error belongs to the
  // connection whose tuple is the quoted one reversed (OVS conn_key_reverse,
  // Linux nf_ct_invert_tuple in nf_conntrack_inet_error).
  const IndexEntry* entry = lookup(request.zone, inner.reversed(), now);
  if (entry == nullptr) return finish_invalid(md, InvalidReason::kIcmpErrorUnrelated, nullptr);
  Connection& c = *entry->connection;
  const Direction dir = entry->direction;
  md.state = CtState(CtState::kTrk | CtState::kRel);
  if (dir == Direction::kReply) md.state = md.state.with(CtState::kRpl);
  if (request.commit) apply_commit_fields(c, request);
  if (request.nat && c.nat()) {
    md.state = md.state.with(translate(packet, c, dir, true));
  }
  fill_connection_md(c, md);
}

void Conntrack::Impl::execute(Packet& packet, const CtRequest& request, Timestamp now,
                              PacketCtMetadata& md) {
  // Entering a different zone starts over (OVS process_one "Reset ct_state
  // whenever entering a new zone"; the kernel replaces a foreign-zone nfct).
  const bool same_zone = md.tracked && md.zone == request.zone;
  const uint64_t cached_id = same_zone ? md.connection_id : 0;
  const CtState previous = md.state;
  md.tracked = true;
  md.zone = request.zone;
  md.invalid_reason = InvalidReason::kNone;
  md.drop_packet = false;

  if (cached_id != 0 && !request.force) {
    if (Connection* c = attached(cached_id, md)) {
      const Direction dir =
          previous.has(CtState::kRpl) ? Direction::kReply : Direction::kOriginal;
      md.state = previous;
      return execute_cached(packet, request, *c, dir, md);
    }
  }
  md.state = CtState{};
  md.unlinked.reset();

  if (!packet.ip) return finish_invalid(md, InvalidReason::kNotIp, nullptr);
  if (packet.ip->is_fragment()) return finish_invalid(md, InvalidReason::kFragment, nullptr);
  if (profile->verify_checksums && !packet.ip_checksum_ok) {
    return finish_invalid(md, InvalidReason::kBadIpChecksum, nullptr);
  }
  if (profile->verify_checksums && !packet.l4_checksum_ok) {
    return finish_invalid(md, InvalidReason::kBadL4Checksum, nullptr);
  }
  if (packet.is_icmp_error()) return execute_related(packet, request, now, md);

  Tuple tuple;
  if (InvalidReason r = extract_tuple(packet, *profile, tuple); r != InvalidReason::kNone) {
    return finish_invalid(md, r, nullptr);
  }
  std::optional<TcpSegment> segment;
  if (const TcpHeader* tcp = packet.tcp()) {
    segment = TcpSegment::from(*tcp, static_cast<uint32_t>(packet.payload.size()));
  }

  const IndexEntry* entry = lookup(request.zone, tuple, now);
  // ct(force): a packet in the reply direction of an existing connection ends
  // it and starts a new one (OVS process_one "Delete found entry if in wrong
  // direction", kernel ovs_ct_execute/ovs_ct_lookup with info->force).
  if (entry != nullptr && request.force && entry->direction == Direction::kReply) {
    erase(*entry->connection);
    entry = nullptr;
  }

  if (entry != nullptr) {
    Connection& c = *entry->connection;
    const Direction dir = entry->direction;
    bool accepted = true;
    bool delete_after = false;
    bool report_new = false;
    bool refresh_timer = true;
    if (c.tcp) {
      const TcpUpdate update = c.tcp->update(*segment, dir);
      refresh_timer = update.refresh_timer;
      switch (update.kind) {
        case TcpUpdateKind::kValid: break;
        case TcpUpdateKind::kValidNew: report_new = true; break;
        case TcpUpdateKind::kInvalid:
          finish_invalid(md, update.reason, &c);
          // OVS lib/conntrack.c process_one(): handle_nat() runs after
          // conn_update_state() even when the update was CT_UPDATE_INVALID.
          if (profile->invalid_packet_is_translated && request.nat && c.nat()) {
            md.state = md.state.with(translate(packet, c, dir, false));
          }
          return;
        case TcpUpdateKind::kDelete: delete_after = true; break;
        case TcpUpdateKind::kRecycle:
          // Linux: TIME_WAIT/CLOSE + SYN kills the entry and the packet is looked
          // up again (-NF_REPEAT); OVS CT_UPDATE_NEW force-expires it. Both do it
          // whether or not this ct() commits.
          erase(c);
          accepted = false;
          break;
      }
    } else {
      // conntrack-other.c other_conn_update(): a reply makes it BIDIR; a second
      // original-direction packet makes FIRST into MULTIPLE.
      if (dir == Direction::kReply) c.other_state = OtherState::kBidir;
      else if (c.other_state == OtherState::kFirst) c.other_state = OtherState::kMultiple;
    }
    if (accepted) {
      const bool replied_before = c.seen_reply;
      if (dir == Direction::kReply && !report_new) c.seen_reply = true;
      if (refresh_timer) refresh(c, now);
      if (report_new) {
        // OVS conn_update_state: CT_UPDATE_VALID_NEW only adds +new; no +rpl
        // even in the reply direction.
        md.state = CtState(CtState::kTrk | CtState::kNew);
      } else if (dir == Direction::kReply) {
        md.state = CtState(CtState::kTrk | CtState::kEst | CtState::kRpl);
      } else if ((profile->est_requires_reply || !c.tcp) && !replied_before) {
        // Linux: IP_CT_NEW until a reply was seen (nf_conntrack_in ctinfo), which
        // net/openvswitch/conntrack.c ovs_ct_get_state() reports as +new. OVS
        // userspace agrees for UDP, ICMP and other protocols: their updates
        // return CT_UPDATE_VALID_NEW until a reply (conntrack-other.c
        // other_conn_update, conntrack-icmp.c icmp_conn_update); only its TCP
        // says +est from the second packet on.
        md.state = CtState(CtState::kTrk | CtState::kNew);
      } else {
        md.state = CtState(CtState::kTrk | CtState::kEst);
      }
      if (request.commit) apply_commit_fields(c, request);
      fill_connection_md(c, md);
      if (nat_applies(request, c, md.state)) {
        md.state = md.state.with(translate(packet, c, dir, false));
      }
      if (delete_after) md.unlinked = unlink(c);
      return;
    }
  }

  // No connection: may this packet open one?
  if (segment) {
    if (InvalidReason r = tcp_factory->check_new(*segment); r != InvalidReason::kNone) {
      return finish_invalid(md, r, nullptr);
    }
  } else if (is_icmp_protocol(tuple.protocol) && !icmp_may_open(tuple)) {
    return finish_invalid(md, InvalidReason::kIcmpNotTrackable, nullptr);
  }
  start_connection(packet, request, tuple, segment ? &*segment : nullptr, now, md);
}

Conntrack::Conntrack(ConntrackOptions options) : impl_(std::make_unique<Impl>(options.profile)) {}
Conntrack::~Conntrack() = default;
Conntrack::Conntrack(Conntrack&&) noexcept = default;
Conntrack& Conntrack::operator=(Conntrack&&) noexcept = default;

void Conntrack::execute(Packet& packet, const CtRequest& request, Timestamp now,
                        PacketCtMetadata& md) {
  impl_->execute(packet, request, now, md);
}

void Conntrack::flush() {
  impl_->index.clear();
  impl_->connections.clear();
}

void Conntrack::reset() {
  flush();
  impl_->zone_limits.clear();
  impl_->next_id = 1;
}

void Conntrack::flush_zone(Zone zone) {
  std::vector<Connection*> doomed;
  for (auto& [id, c] : impl_->connections) {
    if (c.zone == zone) doomed.push_back(&c);
  }
  for (Connection* c : doomed) impl_->erase(*c);
}

bool Conntrack::flush_tuple(Zone zone, const Tuple& tuple) {
  auto it = impl_->index.find(ConnKey{zone, tuple});
  if (it == impl_->index.end()) return false;
  impl_->erase(*it->second.connection);
  return true;
}

void Conntrack::set_zone_limit(Zone zone, std::optional<size_t> limit) {
  if (limit) {
    impl_->zone_limits[zone.value] = *limit;
  } else {
    impl_->zone_limits.erase(zone.value);
  }
}

std::vector<ConnectionSnapshot> Conntrack::dump(Timestamp now) {
  impl_->reap(now);
  std::vector<ConnectionSnapshot> rows;
  rows.reserve(impl_->connections.size());
  for (const auto& [id, c] : impl_->connections) {
    ConnectionSnapshot s;
    s.zone = c.zone;
    s.original = c.original;
    s.reply = c.reply;
    s.mark = c.mark;
    s.label = c.label;
    s.protocol_state = c.tcp ? c.tcp->state_name() : std::string();
    s.remaining = c.expires - now;
    // A moved source port is source NAT as far as the tuples show (OVS dumps
    // no NAT status; its table shows the reply tuple).
    s.snat = c.snat || c.source_port_remapped;
    s.dnat = c.dnat;
    s.seen_reply = c.seen_reply;
    rows.push_back(std::move(s));
  }
  std::sort(rows.begin(), rows.end(), [](const ConnectionSnapshot& a, const ConnectionSnapshot& b) {
    return std::tie(a.zone, a.original) < std::tie(b.zone, b.original);
  });
  return rows;
}

size_t Conntrack::size() const { return impl_->connections.size(); }

const Profile& Conntrack::profile() const { return *impl_->profile; }

std::ostream& operator<<(std::ostream& os, const ConnectionSnapshot& c) {
  os << c.zone << " orig=(" << c.original << ") reply=(" << c.reply << ")";
  if (c.mark != 0) os << " mark=" << c.mark;
  if (!c.label.is_zero()) os << " label=" << c.label;
  if (!c.protocol_state.empty()) os << " state=" << c.protocol_state;
  if (c.snat) os << " snat";
  if (c.dnat) os << " dnat";
  os << " timeout=" << c.remaining;
  return os;
}

}  // namespace ctc
