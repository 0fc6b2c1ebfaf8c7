// RapidCheck generators for the pipeline family (programs.h) with generated
// parameters: zones, NAT addresses, NAT port ranges, the balancer's virtual
// IP, and the orientation of ports 1 and 2.
#pragma once

#include <rapidcheck.h>

#include <utility>

#include "properties/programs.h"

namespace ctc::gen {

struct PipelineShape {
  // NAT port ranges of more than one port. Which port such a range gives is
  // the implementation's choice: the oracle and the built-in engine take the
  // lowest free one, OVS hashes the tuple, the range and the zone with a
  // per-process random basis (lib/conntrack.c nat_range_hash(),
  // set_sport_range()), Linux picks at random. Only where the system under
  // test chooses as the oracle does can a scenario with one be compared.
  bool multi_port_nat_ranges = true;
  // Only the commit-all program (every IP packet committed in zone 0): all
  // that OVS's test-conntrack program runs (adapter ovs-conntrack-lib). Its
  // clock is real, so such plans also leave time alone.
  bool commit_all_only = false;
};

// NAT ports: mostly "keep the port" (0), sometimes a single port (every
// connection collides) or, when the shape allows, a small range.
inline rc::Gen<std::pair<uint16_t, uint16_t>> nat_ports(PipelineShape shape = {}) {
  if (!shape.multi_port_nat_ranges) {
    return rc::gen::weightedElement<std::pair<uint16_t, uint16_t>>(
               {{6, {0, 0}}, {1, {1024, 1024}}})
        .as("nat ports");
  }
  return rc::gen::weightedElement<std::pair<uint16_t, uint16_t>>(
             {{6, {0, 0}}, {1, {1024, 1024}}, {1, {5000, 5003}}})
      .as("nat ports");
}

inline rc::Gen<PipelineSpec> pipeline(PipelineShape shape = {}) {
  const rc::Gen<PipelineKind> kind =
      shape.commit_all_only ? rc::gen::just(PipelineKind::kCommitAll)
                            : rc::gen::weightedElement<PipelineKind>(
                                  {{4, PipelineKind::kFirewall},
                                   {1, PipelineKind::kZonePerPort},
                                   {2, PipelineKind::kSnatGateway},
                                   {2, PipelineKind::kDnatBalancer}});
  return rc::gen::mapcat(nat_ports(shape), [kind](std::pair<uint16_t, uint16_t> ports) {
           return rc::gen::build<PipelineSpec>(
               rc::gen::set(&PipelineSpec::kind, kind),
               rc::gen::set(&PipelineSpec::zone, rc::gen::element<uint16_t>(0, 1, 7, 65535)),
               rc::gen::set(&PipelineSpec::second_zone, rc::gen::element<uint16_t>(2, 9)),
               rc::gen::set(&PipelineSpec::nat_address,
                            rc::gen::element(IpAddress::v4(192, 0, 2, 1),
                                             IpAddress::v4(192, 0, 2, 77))),
               rc::gen::set(&PipelineSpec::nat_port_min, rc::gen::just(ports.first)),
               rc::gen::set(&PipelineSpec::nat_port_max, rc::gen::just(ports.second)),
               rc::gen::set(&PipelineSpec::virtual_ip,
                            rc::gen::element(IpAddress::v4(198, 51, 100, 10),
                                             IpAddress::v4(198, 51, 100, 11))),
               rc::gen::set(&PipelineSpec::mirrored,
                            rc::gen::weightedElement<bool>({{6, false}, {1, true}})));
         })
      .as("pipeline");
}

}  // namespace ctc::gen
