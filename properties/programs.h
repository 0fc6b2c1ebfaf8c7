// The family of realistic pipelines that generated (and many hand-written)
// scenarios run: each is ovs-ofctl add-flows text, with generated parameters.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "reference/packet/addresses.h"
#include "reference/scenario/scenario.h"

namespace ctc {

enum class PipelineKind : uint8_t {
  kFirewall,     // port 1 may open; port 2 may only answer; +inv goes to port 3
  kZonePerPort,  // as the firewall, but each port looks up in its own zone first
  kSnatGateway,  // port 1 (inside) opens, source-NATed to a public address towards port 2
  kDnatBalancer, // port 1 (clients) to a virtual IP, destination-NATed to a backend on port 2
  // Every IP packet committed in zone 0 and forwarded 1<->2 whatever its state:
  // the pipeline `ovstest test-conntrack pcap` hard-codes (tests/test-conntrack.c,
  // OVS 3.1.0), the only one adapter ovs-conntrack-lib runs. `zone` is ignored.
  kCommitAll,
};

struct PipelineSpec {
  PipelineKind kind = PipelineKind::kFirewall;
  uint16_t zone = 1;
  uint16_t second_zone = 2;            // kZonePerPort: the zone of port 2
  IpAddress nat_address = IpAddress::v4(192, 0, 2, 1);  // SNAT public / DNAT backend
  uint16_t nat_port_min = 0;           // 0: keep ports
  uint16_t nat_port_max = 0;
  IpAddress virtual_ip = IpAddress::v4(198, 51, 100, 10);  // kDnatBalancer: what clients address
  // Ports 1 and 2 exchange roles: the inside (opening) side is port 2. The
  // metamorphic "mirror" relation runs a plan through both orientations.
  bool mirrored = false;
  friend bool operator==(const PipelineSpec&, const PipelineSpec&) = default;
};

// The flows, the three ports (1 inside, 2 outside, 3 audit of +inv; 1 and 2
// exchanged when mirrored) and tags.
std::string pipeline_flows(const PipelineSpec& spec);
std::vector<PortDecl> pipeline_ports();
std::vector<std::string> pipeline_features(const PipelineSpec& spec);
const char* to_string(PipelineKind kind);
// The zone a packet arriving on `port` is looked up in (the first ct()).
Zone lookup_zone(const PipelineSpec& spec, Port port);
// The zone connections are committed in: the opening (inside) side's.
Zone commit_zone(const PipelineSpec& spec);
bool has_nat(const PipelineSpec& spec);
std::ostream& operator<<(std::ostream& os, const PipelineSpec& spec);

}  // namespace ctc
