// A consistent renaming of everything that identifies traffic: addresses,
// ports (and ICMP echo identifiers), zones, which switch port is the inside,
// and which end of each packet is its source. The metamorphic relations
// (metamorphic.h) apply one to a scenario's input and to the observation of
// the original run, and expect the run of the renamed input to match.
//
// Every map here is a bijection (an involution, in fact) on its whole
// domain, so renaming never merges two things the original kept apart.
#pragma once

#include <cstdint>
#include <ostream>
#include <span>
#include <vector>

#include "adapters/adapter.h"
#include "properties/programs.h"
#include "reference/scenario/scenario.h"

namespace ctc {

struct Relabeling {
  uint8_t v4_octet_xor = 0;       // the third octet of every IPv4 address
  uint8_t v6_byte_xor = 0;        // byte 3 of every IPv6 address
  uint16_t high_port_xor = 0;     // ports >= 32768 (and echo identifiers); < 32768 to stay there
  uint8_t service_xor = 0;        // 22, 53, 80, 443 exchanged in pairs: index ^ service_xor (0-3)
  uint16_t zone_xor = 0;
  bool swap_switch_ports = false;  // ports 1 and 2 (and the pipeline's orientation) exchanged
  bool swap_direction = false;     // every packet's source and destination exchanged
  friend bool operator==(const Relabeling&, const Relabeling&) = default;

  IpAddress address(const IpAddress& a) const;
  uint16_t port(uint16_t p) const;
  Zone zone(Zone z) const;
  Port switch_port(Port p) const;
  // Addresses and ports renamed, then (swap_direction) source and destination exchanged.
  Tuple tuple(const Tuple& t) const;
  ConnectionSnapshot row(const ConnectionSnapshot& c) const;
  PipelineSpec pipeline(const PipelineSpec& spec) const;
  // The frame with its headers renamed, the packet an ICMP error quotes
  // included; checksums are updated incrementally (RFC 1624), so a wrong
  // checksum stays exactly as wrong. Bytes it cannot parse are left alone.
  std::vector<uint8_t> frame(std::span<const uint8_t> bytes) const;
  OutputFrame output(const OutputFrame& f) const;
  // Every step renamed; the flows come from `renamed_pipeline`.
  Scenario scenario(const Scenario& s, const PipelineSpec& renamed_pipeline) const;
};

// The relabeling the "mirror" relation uses: the other port opens, and for
// pipelines without NAT (where the translation is not symmetric) the
// opening host is the other one too.
Relabeling mirror_relabeling(const PipelineSpec& spec);

std::ostream& operator<<(std::ostream& os, const Relabeling& r);

}  // namespace ctc
