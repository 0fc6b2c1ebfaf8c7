// The reference connection tracker: the oracle every system under test is
// compared against. Obviously correct first, fast second. It never asserts on
// input: a packet it cannot track is classified +inv with a named reason.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference/conntrack/ct_types.h"
#include "reference/conntrack/invalid_reason.h"
#include "reference/conntrack/profile.h"
#include "reference/packet/packet.h"

namespace ctc {

// nat(src=...) / nat(dst=...) of the ct() action (ovs-actions(7)); ports 0 = keep.
struct NatRange {
  enum class Kind : uint8_t { kSrc, kDst };
  Kind kind = Kind::kSrc;
  IpAddress min_addr;
  IpAddress max_addr;
  uint16_t min_port = 0;
  uint16_t max_port = 0;
  bool persistent = false;
  bool random = false;  // otherwise hash-based choice, as OVS's default
  friend bool operator==(const NatRange&, const NatRange&) = default;
};

// One ct() action. Options struct; build with designated initialisers.
struct CtRequest {
  Zone zone;
  bool commit = false;
  bool force = false;  // ct(force): an original-direction mismatch ends the old connection
  // `nat` in ct(): apply the connection's NAT to this packet. With a range and
  // commit, a new connection gets that NAT set up.
  bool nat = false;
  std::optional<NatRange> nat_range;
  // exec(set_field:V/M->ct_mark / ct_label); only allowed with commit.
  std::optional<uint32_t> set_mark;
  uint32_t mark_mask = UINT32_MAX;
  std::optional<CtLabel> set_label;
  CtLabel label_mask{UINT64_MAX, UINT64_MAX};
};

struct TrackedConnection;  // conntrack.cpp

// Per-packet conntrack metadata, carried through recirculation (OVS
// pkt->md.ct_*, kernel skb->_nfct). A second ct() in the same zone on the same
// packet reuses the lookup instead of tracking the packet twice (lib/conntrack.c
// conntrack_execute: "conn already looked up"; net/openvswitch/conntrack.c
// skb_nfct_cached).
struct PacketCtMetadata {
  CtState state;
  Zone zone;
  uint32_t mark = 0;
  CtLabel label;
  // ct_nw_src/ct_tp_src...: the original-direction tuple of the connection.
  std::optional<Tuple> original_tuple;
  uint64_t connection_id = 0;  // 0: none; internal handle for the cache above
  // The connection, when this packet's own tracking deleted it from the table
  // (Linux: a RST before any reply): the packet still holds it, as an skb
  // holds its nf_conn, so a later ct() in the same zone finds and NATs it.
  std::shared_ptr<TrackedConnection> unlinked;
  bool tracked = false;
  InvalidReason invalid_reason = InvalidReason::kNone;  // why +inv, for reports
  // The ct() action failed in a way that drops the packet (see
  // Profile::zone_limit_drops_packet); the datapath stops processing it.
  bool drop_packet = false;
};

// One row of the conntrack table, normalised (DESIGN.md "connections").
struct ConnectionSnapshot {
  Zone zone;
  Tuple original;
  Tuple reply;  // after NAT
  uint32_t mark = 0;
  CtLabel label;
  std::string protocol_state;  // profile-normalised, e.g. "ESTABLISHED", "SYN_SENT"
  Duration remaining;          // time to expiry on the virtual clock
  bool snat = false;
  bool dnat = false;
  bool seen_reply = false;
  friend bool operator==(const ConnectionSnapshot&, const ConnectionSnapshot&) = default;
};

std::ostream& operator<<(std::ostream& os, const ConnectionSnapshot& c);

struct ConntrackOptions {
  const Profile* profile = nullptr;  // required; not owned, must outlive the tracker
};

class Conntrack {
 public:
  explicit Conntrack(ConntrackOptions options);
  ~Conntrack();
  Conntrack(Conntrack&&) noexcept;
  Conntrack& operator=(Conntrack&&) noexcept;

  // Runs one ct() action on `packet` at virtual time `now`: classifies it,
  // commits when asked, applies NAT (rewriting `packet`, including the packet
  // quoted by a RELATED ICMP error) and updates `md`. Expired connections are
  // reaped first.
  void execute(Packet& packet, const CtRequest& request, Timestamp now, PacketCtMetadata& md);

  // ct_clear: forget the packet's conntrack metadata.
  static void clear(PacketCtMetadata& md) { md = PacketCtMetadata{}; }

  void flush();
  // Back to the state of a new Conntrack with the same options (no
  // connections, no zone limits, ids from 1), keeping allocated memory.
  void reset();
  void flush_zone(Zone zone);
  // Removes the connection whose original or reply tuple is `tuple` in `zone`.
  bool flush_tuple(Zone zone, const Tuple& tuple);

  // Limit on committed connections in a zone (OVS dpctl/ct-set-limits); a
  // commit past it fails and the packet is +inv. nullopt removes the limit.
  void set_zone_limit(Zone zone, std::optional<size_t> limit);

  // Every live connection at `now`, sorted by (zone, original tuple).
  std::vector<ConnectionSnapshot> dump(Timestamp now);
  size_t size() const;

  const Profile& profile() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctc
