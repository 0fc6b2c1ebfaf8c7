// Generators for the cases the single-adapter properties check: relabelings
// (renumbering) and whole metamorphic cases.
#pragma once

#include <rapidcheck.h>

#include "properties/generators/traffic_gen.h"
#include "properties/metamorphic.h"
#include "properties/relabeling.h"

namespace ctc::gen {

// A renumbering: every field non-zero, so every address, every high port and
// every zone really changes (an identity renaming would prove nothing).
inline rc::Gen<Relabeling> renumbering() {
  return rc::gen::build<Relabeling>(
             rc::gen::set(&Relabeling::v4_octet_xor, uniform<uint8_t>(1, 255)),
             rc::gen::set(&Relabeling::v6_byte_xor, uniform<uint8_t>(1, 255)),
             rc::gen::set(&Relabeling::high_port_xor, uniform<uint16_t>(1, 32768)),
             rc::gen::set(&Relabeling::service_xor, uniform<uint8_t>(0, 4)),
             rc::gen::set(&Relabeling::zone_xor, uniform<uint16_t>(1, 65535)))
      .as("renumbering");
}

// Traffic that can never touch the main pool's connections: other hosts, no
// time passing (it would move the original connections' clocks), IPv4 only
// (it must fit any pipeline, NAT included).
inline rc::Gen<TrafficPlan> unrelated_traffic(const Profile& profile) {
  return traffic_for(PipelineSpec{}, profile,
                     {.pool = kUnrelatedPool, .with_time = false, .allow_v6 = false});
}

// A case for `relation`; the relation itself is not shrunk away.
inline rc::Gen<MetamorphicCase> metamorphic_case(Relation relation, const Profile& profile,
                                                 PipelineShape shape = {}) {
  return rc::gen::build<MetamorphicCase>(
             rc::gen::set(&MetamorphicCase::relation, rc::gen::just(relation)),
             rc::gen::set(&MetamorphicCase::plan, traffic_plan(profile, shape)),
             rc::gen::set(&MetamorphicCase::relabeling, renumbering()),
             rc::gen::set(&MetamorphicCase::flush_zone_only, rc::gen::arbitrary<bool>()),
             rc::gen::set(&MetamorphicCase::unrelated,
                          relation == Relation::kUnrelatedTraffic ? unrelated_traffic(profile)
                                                                  : rc::gen::just(TrafficPlan{})),
             rc::gen::set(&MetamorphicCase::merge,
                          rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>())))
      .as("metamorphic case");
}

}  // namespace ctc::gen
