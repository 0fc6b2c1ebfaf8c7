// A scenario is the unit of work (DESIGN.md): a topology, a program, a
// profile and steps. It is plain data, read from and written to disk by
// scenario_text.h (text header) and the runner's loader (pcap beside it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "reference/conntrack/conntrack.h"
#include "reference/conntrack/ct_types.h"

namespace ctc {

struct Port {
  uint16_t value = 0;
  friend auto operator<=>(const Port&, const Port&) = default;
};

struct PortDecl {
  Port port;
  std::string role;  // "vm", "uplink", ... free text for people and policy compilers
};

// What a hand-written scenario expects of one injected frame. Checked
// against the reference oracle (so a wrong oracle is caught) and, through the
// runner's comparison, against every system under test.
struct InjectExpectation {
  std::optional<std::vector<Port>> output_ports;  // empty vector: dropped
  std::optional<CtState> ct_state;                // the probe's classification
};

struct InjectStep {
  Port port;
  std::vector<uint8_t> frame;
  std::string source;  // how the frame was written ("tcp 10.0.0.1:1 > ...", "pcap:3", "hex")
  InjectExpectation expect;
};

struct AdvanceStep {
  Duration duration;
};

struct FlushStep {
  std::optional<Zone> zone;  // nullopt: the whole table
};

// Compare the conntrack tables; with `expected`, also against hand-written rows.
struct CheckTableStep {
  std::optional<std::vector<std::string>> expected;  // normalised rows, see table_format.h
};

using Step = std::variant<InjectStep, AdvanceStep, FlushStep, CheckTableStep>;

struct Scenario {
  std::string name;
  std::string description;
  // Which profiles the scenario is meant for; empty: every profile.
  std::vector<std::string> profiles;
  // Feature tags for the conformance matrix and for capability skips:
  // tcp, udp, icmp, icmp-related, ipv6, zones, mark, label, nat, timeout, ...
  std::vector<std::string> features;
  std::vector<PortDecl> ports;
  std::string flows;  // ovs-ofctl add-flows text
  std::vector<Step> steps;
  // Where the scenario came from ("hand-written", "prop seed=42", "fuzz crash-..."): no timestamps.
  std::string origin;
  std::string source_path;  // the file it was read from, for messages

  bool applies_to_profile(const std::string& profile) const;
  bool has_feature(const std::string& feature) const;
};

std::ostream& operator<<(std::ostream& os, const Port& p);

}  // namespace ctc
