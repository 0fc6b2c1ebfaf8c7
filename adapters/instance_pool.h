// Datapaths built for a (program, profile) pair, kept for the next load of
// the same pair. A fuzzing campaign or a property run loads a few dozen to a
// few hundred generated programs over and over; building the tables and the conntrack
// memory anew for every load costs more than the packets of a short
// scenario. A reused instance must be reset by the caller to the state of a
// new one, so that runs stay independent and reproducible.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>

#include "reference/conntrack/profile.h"
#include "reference/flow/flow_program.h"

namespace ctc {

template <typename Datapath>
class InstancePool {
 public:
  using Build = std::function<std::unique_ptr<Datapath>(const Profile&, const FlowProgram&)>;

  // The instance for (program, profile) and whether it was built just now
  // (false: it ran before and needs a reset). `program` is kept alive by the
  // pool as long as its instance.
  std::pair<Datapath*, bool> get(const std::shared_ptr<const FlowProgram>& program,
                                 const Profile& profile, const Build& build) {
    const Key key{program.get(), &profile};
    if (auto it = entries_.find(key); it != entries_.end()) {
      // The instance holds a reference to the profile: same object, and
      // unchanged since (a caller's profile variable may be reused).
      if (it->second.profile_value == profile) return {it->second.instance.get(), false};
      entries_.erase(it);
    }
    // Bounded: a campaign over many programs starts over instead of growing.
    // A fuzzing campaign's corpus holds a few hundred pipelines (one per
    // input header in use); fewer places than that would rebuild on most loads.
    if (entries_.size() >= kCapacity) entries_.clear();
    const auto added = entries_.emplace(key, Entry{program, profile, build(profile, *program)}).first;
    return {added->second.instance.get(), true};
  }

  void clear() { entries_.clear(); }

 private:
  static constexpr size_t kCapacity = 1024;
  struct Key {
    const FlowProgram* program;
    const Profile* profile;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<const void*>{}(k.program) * 31 + std::hash<const void*>{}(k.profile);
    }
  };
  struct Entry {
    std::shared_ptr<const FlowProgram> program;  // keeps the key's program alive
    Profile profile_value;
    std::unique_ptr<Datapath> instance;
  };
  std::unordered_map<Key, Entry, KeyHash> entries_;
};

}  // namespace ctc
