// Open-addressing hash index from Key to (connection slot, direction): linear
// probing, backward-shift deletion (no tombstones), power-of-two capacity,
// load factor at most 1/2. A slot is 8 bytes (32 hash bits and a reference),
// so eight share a cache line; keys and full hashes live in the connection
// pool, which a probe touches only when the 32 bits match.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "adapters/builtin/ct_key.h"

namespace ctc::builtin {

struct IndexRef {
  uint32_t conn = 0;
  uint8_t dir = 0;  // 0 original, 1 reply
};

// Pool: key(IndexRef) -> const Key&, hash(IndexRef) -> uint64_t (as stored).
template <class Pool>
class ConnIndex {
 public:
  explicit ConnIndex(Pool pool) : pool_(pool) { rebuild(1024); }

  size_t size() const { return count_; }
  size_t capacity() const { return slots_.size(); }

  std::optional<IndexRef> find(const Key& k, uint64_t h) const {
    const uint32_t tag = tag_of(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ref == 0) return std::nullopt;
      if (s.tag == tag && pool_.key(ref_of(s)) == k) return ref_of(s);
    }
  }

  // A hint for batches: the cache line where the search for `h` starts.
  const void* home(uint64_t h) const { return &slots_[h & mask_]; }
  // The connection the home slot names, if its tag matches (no key compare).
  std::optional<IndexRef> guess(uint64_t h) const {
    const Slot& s = slots_[h & mask_];
    if (s.ref == 0 || s.tag != tag_of(h)) return std::nullopt;
    return ref_of(s);
  }

  // index[k] = ref: inserts, or re-points an existing entry.
  void assign(const Key& k, uint64_t h, IndexRef ref) {
    if ((count_ + 1) * 2 > slots_.size()) rebuild(slots_.size() * 2);
    const uint32_t tag = tag_of(h);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.ref == 0) break;
      if (s.tag == tag && pool_.key(ref_of(s)) == k) {
        s.ref = encode(ref);
        return;
      }
    }
    slots_[i] = Slot{tag, encode(ref)};
    ++count_;
  }

  // Removes the entry for `k` if it points at connection `conn`.
  void erase(const Key& k, uint64_t h, uint32_t conn) {
    const uint32_t tag = tag_of(h);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.ref == 0) return;
      if (s.tag == tag && ref_of(s).conn == conn && pool_.key(ref_of(s)) == k) break;
    }
    // Backward shift: move later members of the probe run into the hole
    // unless their home lies cyclically in (hole, j].
    size_t hole = i;
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const Slot& s = slots_[j];
      if (s.ref == 0) break;
      const size_t home = pool_.hash(ref_of(s)) & mask_;
      const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        slots_[hole] = s;
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --count_;
  }

  void clear() {
    if (count_ == 0) return;  // every slot is empty already
    std::memset(static_cast<void*>(slots_.data()), 0, slots_.size() * sizeof(Slot));
    count_ = 0;
  }

 private:
  struct Slot {
    uint32_t tag = 0;
    uint32_t ref = 0;  // conn * 2 + dir + 1; 0: empty
  };

  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  static uint32_t encode(IndexRef r) { return r.conn * 2 + r.dir + 1; }
  static IndexRef ref_of(const Slot& s) {
    return IndexRef{(s.ref - 1) >> 1, static_cast<uint8_t>((s.ref - 1) & 1)};
  }

  void rebuild(size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.ref == 0) continue;
      size_t i = pool_.hash(ref_of(s)) & mask_;
      while (slots_[i].ref != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  Pool pool_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace ctc::builtin
