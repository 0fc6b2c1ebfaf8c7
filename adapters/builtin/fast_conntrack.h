// The built-in engine's connection tracker: written for speed, independent
// of reference/conntrack but with the same observable semantics (the ct_state
// of each packet, NAT rewrites, and the table as dump() shows it).
//
// Connections live in a pool (a vector with a free list); both directions are
// indexed by an open-addressing table (conn_index.h). Expiry is lazy on the
// virtual clock: a lookup that finds an expired connection removes it, and
// dump() reaps everything expired first.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "adapters/builtin/conn_index.h"
#include "adapters/builtin/ct_key.h"
#include "adapters/builtin/frame.h"
#include "adapters/builtin/tcp_track.h"
#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_program.h"

namespace ctc::builtin {

// Deliberate bugs, so that property tests can prove they find them.
enum class Fault : uint8_t {
  kReplyTupleNotSwapped,    // the reply tuple is stored as the original one
  kNoWindowCheck,           // TCP sequence/window checks always pass
  kIcmpErrorsNeverRelated,  // ICMP errors are never +rel, always +inv
  kTimeoutOffByOneState,    // TCP timeouts come from the state before the packet
  kZoneIgnoredInKey,        // all zones share one key space
};

const char* to_string(Fault fault);

// Per-packet conntrack metadata carried through the pipeline (OVS pkt->md.ct_*).
struct CtMeta {
  CtState state;
  uint16_t zone = 0;
  uint32_t mark = 0;
  CtLabel label;
  // Pool slot of the connection, valid when conn_id != 0; with kUnlinkedSlot
  // set, a place in FastConntrack's ring of unlinked connections instead.
  uint32_t conn = 0;
  uint64_t conn_id = 0;  // 0: no connection (the "already looked up" cache)
  bool tracked = false;
  bool drop = false;               // the ct() failed in a way that drops the packet
  const char* reason = nullptr;    // why +inv or dropped, for traces
};

class FastConntrack {
 public:
  FastConntrack(const Profile& profile, std::optional<Fault> fault);

  FastConntrack(const FastConntrack&) = delete;
  FastConntrack& operator=(const FastConntrack&) = delete;

  // One ct() action on `f` in `zone` at `now` (ns on the virtual clock).
  void execute(Frame& f, const CtAction& action, uint16_t zone, int64_t now, CtMeta& md);
  // The same action on a batch, in order; memory latency is overlapped by
  // prefetching the index and the connections ahead of the real lookups.
  void execute_batch(std::span<Frame* const> frames, const CtAction& action, uint16_t zone,
                     int64_t now, std::span<CtMeta> mds);

  // Prefetch hints (no effect on results): the hash `f` would be looked up
  // with in `zone` (0 when it would not be), then the index and connection.
  uint64_t hint(const Frame& f, uint16_t zone) const;
  void prefetch_index(uint64_t hash) const;
  void prefetch_connection(uint64_t hash) const;

  void flush();
  // Back to the state of a new FastConntrack with the same profile and
  // fault (no connections, no zone limits, ids from 1), keeping memory.
  void reset();
  void flush_zone(uint16_t zone);
  void set_zone_limit(uint16_t zone, std::optional<size_t> limit);
  std::vector<ConnectionSnapshot> dump(int64_t now);
  size_t size() const { return live_; }
  const Profile& profile() const { return profile_; }

 private:
  // Hot fields first: an established packet reads the first lines only.
  struct alignas(64) Conn {
    uint64_t id = 0;   // 0: free slot
    int64_t expires = 0;
    int64_t created = 0;
    uint32_t mark = 0;
    uint16_t zone = 0;
    uint8_t other_state = 0;  // conntrack-other.c FIRST / MULTIPLE / BIDIR
    bool seen_reply = false;
    bool snat = false;
    bool dnat = false;
    bool tcp = false;
    Key key[2];        // original, reply (after NAT)
    union {            // by the profile's tracker kind
      LinuxTcp lx;
      OvsTcp ovs;
    };
    uint64_t hash[2];
    CtLabel label;
    Conn() : lx{} {}
    bool nat() const { return snat || dnat; }
  };
  struct Pool {
    const std::vector<Conn>* conns;
    const Key& key(const IndexRef& r) const { return (*conns)[r.conn].key[r.dir]; }
    uint64_t hash(const IndexRef& r) const { return (*conns)[r.conn].hash[r.dir]; }
  };

  // A packet's key as indexed (the zone dropped by a fault) and its hash,
  // computed once; the batch computes it ahead of time.
  struct Prepared {
    Key key;
    uint64_t hash = 0;
    const char* reason = nullptr;  // the packet cannot be tracked
    bool ready = false;
  };
  void prepare(const Frame& f, uint16_t zone, Prepared& p) const;
  void execute_prepared(Frame& f, const CtAction& a, uint16_t zone, int64_t now, CtMeta& md,
                        Prepared& p);

  Key lookup_key(const Key& k) const;  // the key as indexed (zone dropped by a fault)
  Conn* lookup(const Key& k, int64_t now, uint8_t& dir);
  Conn* lookup_indexed(const Key& key, uint64_t hash, int64_t now, uint8_t& dir);
  bool in_use(const Key& k, int64_t now) {
    uint8_t dir;
    return lookup(k, now, dir) != nullptr;
  }
  void erase(uint32_t slot);
  // Takes the connection in `slot` out of the table but keeps a copy the
  // packet that caused it can still reach (Linux: an unreplied connection
  // deleted by its RST stays attached to that skb; see reference/conntrack
  // Conntrack::Impl::unlink). Returns the CtMeta::conn handle of the copy.
  uint32_t unlink(uint32_t slot);
  // The connection a previous ct() in the zone attached to the packet, or null.
  Conn* attached(const CtMeta& md);
  int64_t timeout_of(const Conn& c, int64_t now) const;
  void refresh(Conn& c, int64_t now) { c.expires = now + timeout_of(c, now); }
  void apply_commit_fields(Conn& c, const CtAction& a);
  void fill(const Conn& c, uint32_t slot, CtMeta& md);
  void invalid(CtMeta& md, const char* reason, const Conn* c);
  void execute_related(Frame& f, const CtAction& a, uint16_t zone, int64_t now, CtMeta& md);
  // `k` as indexed and its hash.
  void start(Frame& f, const CtAction& a, uint16_t zone, const Key& k, uint64_t hash,
             const Segment* seg, int64_t now, CtMeta& md);
  std::optional<Key> choose_nat(const Key& original, const NatRange& range, int64_t now);
  uint8_t apply_nat(Frame& f, const Conn& c, uint8_t dir, bool related);
  // Profile::nat_lookup_skips_new_packets: a +new packet of a NATed
  // connection is translated only by a ct() naming a range.
  bool nat_applies(const CtAction& a, const Conn& c, CtState state) const {
    if (!a.nat || !c.nat()) return false;
    return !(profile_.nat_lookup_skips_new_packets && state.has(CtState::kNew) && !a.nat_range);
  }
  bool zone_full(uint16_t zone, int64_t now);
  void reap(int64_t now, std::optional<uint16_t> only_zone);

  const Profile& profile_;
  std::optional<Fault> fault_;
  TcpKnobs knobs_;
  std::vector<Conn> conns_;
  std::vector<uint32_t> free_;
  ConnIndex<Pool> index_;
  // Stored (possibly expired) connections per zone; empty until a zone has a limit.
  std::vector<uint32_t> zone_count_;
  std::vector<std::pair<uint16_t, size_t>> zone_limits_;
  size_t live_ = 0;
  uint64_t next_id_ = 1;
  // Unlinked connections, oldest overwritten first. A packet needs its copy
  // only for the rest of its own pipeline, far fewer ct() actions than the
  // ring holds; a copy overwritten meanwhile has another id and is not found.
  static constexpr uint32_t kUnlinkedSlot = 0x80000000u;
  static constexpr size_t kUnlinkedKept = 16;
  std::vector<Conn> unlinked_;
  size_t next_unlinked_ = 0;
};

}  // namespace ctc::builtin
