// rc::Arbitrary for the generated domain types, so that properties can say
// `*rc::gen::arbitrary<TrafficPlan>()` or take them as RC_GTEST_PROP
// parameters. Plans use the Linux profile's timeouts; properties about
// another profile use the generators with that profile directly.
#pragma once

#include <rapidcheck.h>

#include "properties/generators/case_gen.h"
#include "properties/generators/pipeline_gen.h"
#include "properties/generators/traffic_gen.h"

namespace rc {

template <>
struct Arbitrary<ctc::PipelineSpec> {
  static Gen<ctc::PipelineSpec> arbitrary() { return ctc::gen::pipeline(); }
};

template <>
struct Arbitrary<ctc::Endpoints> {
  static Gen<ctc::Endpoints> arbitrary() { return ctc::gen::endpoints(true); }
};

template <>
struct Arbitrary<ctc::TcpPlan> {
  static Gen<ctc::TcpPlan> arbitrary() { return ctc::gen::tcp_plan(true, ctc::linux_profile()); }
};

template <>
struct Arbitrary<ctc::UdpPlan> {
  static Gen<ctc::UdpPlan> arbitrary() { return ctc::gen::udp_plan(true, ctc::linux_profile()); }
};

template <>
struct Arbitrary<ctc::IcmpPlan> {
  static Gen<ctc::IcmpPlan> arbitrary() { return ctc::gen::icmp_plan(true, ctc::linux_profile()); }
};

template <>
struct Arbitrary<ctc::TrafficPlan> {
  static Gen<ctc::TrafficPlan> arbitrary() { return ctc::gen::traffic_plan(ctc::linux_profile()); }
};

template <>
struct Arbitrary<ctc::Relabeling> {
  static Gen<ctc::Relabeling> arbitrary() { return ctc::gen::renumbering(); }
};

}  // namespace rc
