// Datapaths built for a (program, profile) pair, kept for the next load of
// the same pair. A fuzzing campaign or a property run loads a few dozen
// generated programs over and over; building the tables and the conntrack
// memory anew for every load costs more than the packets of a short
// scenario. A reused instance must be reset by the caller to the state of a
// new one, so that runs stay independent and reproducible.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

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
    for (Entry& e : entries_) {
      // The instance holds a reference to the profile: same object, and
      // unchanged since (a caller's profile variable may be reused).
      if (e.program == program && e.profile == &profile && e.profile_value == profile) {
        return {e.instance.get(), false};
      }
    }
    // Bounded: a campaign over many programs starts over instead of growing.
    if (entries_.size() >= kCapacity) entries_.clear();
    entries_.push_back(Entry{program, &profile, profile, build(profile, *program)});
    return {entries_.back().instance.get(), true};
  }

  void clear() { entries_.clear(); }

 private:
  static constexpr size_t kCapacity = 64;
  struct Entry {
    std::shared_ptr<const FlowProgram> program;
    const Profile* profile;
    Profile profile_value;
    std::unique_ptr<Datapath> instance;
  };
  std::vector<Entry> entries_;
};

}  // namespace ctc
