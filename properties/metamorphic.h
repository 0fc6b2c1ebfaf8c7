// Metamorphic relations, checked on one adapter alone (no oracle needed):
//   renumbering  addresses, ports and zones renamed consistently: the outputs
//                are renamed the same way and nothing else changes;
//   mirror       the other switch port (and, without NAT, the other host)
//                opens: the result is the mirror image;
//   flush-replay the scenario, a flush, and the scenario again: the second
//                run repeats the first, and the flush leaves nothing;
//   unrelated    traffic between other hosts interleaved (no time passing)
//                does not change what the original connections see.
#pragma once

#include <ostream>
#include <vector>

#include "properties/property_check.h"
#include "properties/relabeling.h"
#include "properties/traffic_plan.h"

namespace ctc {

enum class Relation : uint8_t { kRenumbering, kMirror, kFlushReplay, kUnrelatedTraffic };
inline constexpr Relation kAllRelations[] = {Relation::kRenumbering, Relation::kMirror,
                                             Relation::kFlushReplay, Relation::kUnrelatedTraffic};
const char* to_string(Relation relation);

struct MetamorphicCase {
  Relation relation = Relation::kRenumbering;
  TrafficPlan plan;
  Relabeling relabeling;        // kRenumbering
  bool flush_zone_only = false; // kFlushReplay: flush the pipeline's zone, not the whole table
  // kUnrelatedTraffic: traffic from the unrelated address pool (its pipeline
  // is the plan's), merged into the plan's steps: true takes its next step.
  TrafficPlan unrelated;
  std::vector<bool> merge;
  friend bool operator==(const MetamorphicCase&, const MetamorphicCase&) = default;
};

CheckResult check_metamorphic(const MetamorphicCase& c, const CheckContext& context);

std::ostream& operator<<(std::ostream& os, const MetamorphicCase& c);

}  // namespace ctc
