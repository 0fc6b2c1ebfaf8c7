// Open-addressing hash index from Key to (connection slot, direction): linear
// probing, backward-shift deletion (no tombstones), power-of-two capacity,
// load factor at most 1/2. Keys live in the connection pool; a slot keeps the
// full hash, so a probe touches the pool only on a (near certain) hit.
#pragma once

#include <cstdint>
#include <vector>

#include "adapters/builtin/ct_key.h"

namespace ctc::builtin {

struct IndexRef {
  uint32_t conn = 0;
  uint8_t dir = 0;  // 0 original, 1 reply
};

template <class KeyOf>  // KeyOf(const IndexRef&) -> const Key&
class ConnIndex {
 public:
  explicit ConnIndex(KeyOf key_of) : key_of_(key_of) { rebuild(1024); }

  size_t size() const { return count_; }

  const IndexRef* find(const Key& k, uint64_t h) const {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.hash == h && key_of_(s.ref) == k) return &s.ref;
    }
  }

  // index[k] = ref: inserts, or re-points an existing entry.
  void assign(const Key& k, uint64_t h, IndexRef ref) {
    if ((count_ + 1) * 2 > slots_.size()) rebuild(slots_.size() * 2);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) break;
      if (s.hash == h && key_of_(s.ref) == k) {
        s.ref = ref;
        return;
      }
    }
    slots_[i] = Slot{h, ref, true};
    ++count_;
  }

  // Removes the entry for `k` if it points at connection `conn`.
  void erase(const Key& k, uint64_t h, uint32_t conn) {
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used) return;
      if (s.hash == h && s.ref.conn == conn && key_of_(s.ref) == k) break;
    }
    // Backward shift: move later members of the probe run into the hole
    // when their home position does not lie cyclically in (hole, j].
    size_t hole = i;
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const Slot& s = slots_[j];
      if (!s.used) break;
      const size_t home = s.hash & mask_;
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
    for (Slot& s : slots_) s = Slot{};
    count_ = 0;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    IndexRef ref;
    bool used = false;
  };

  void rebuild(size_t capacity) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (!s.used) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].used) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }

  KeyOf key_of_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace ctc::builtin
