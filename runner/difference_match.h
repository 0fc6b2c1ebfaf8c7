// Does a known symptom (KnownDivergence::difference) explain every
// difference between what the reference and a system under test showed of
// one scenario? The corpus names its known divergences; a generated case has
// no meaningful name, so `ctconform prop` recognises a known divergence by
// what differs instead, and only when nothing else does.
//
// The input is complete: both sides' observations of every step, not only up
// to the first difference (the runner stops there). The comparison is the
// runner's: frames per port in the order they left, ct_state where the
// system reports it, normalised tables at `check` steps and at the end.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "reference/scenario/scenario.h"
#include "runner/known_divergences.h"

namespace ctc {

// One side's view of one step, as the runner compares it.
struct RecordedStep {
  std::vector<OutputFrame> outputs;                      // inject steps
  std::optional<CtState> classification;                 // inject steps
  std::optional<std::vector<ConnectionSnapshot>> table;  // where tables are compared
};

// One entry per scenario step, then one more holding the end-of-scenario table.
using RunRecord = std::vector<RecordedStep>;

// What the runner compares for this system (its capabilities).
struct CompareScope {
  bool classification = true;
  bool tables = true;
  bool exact_time = true;  // table rows with the time left (virtual-time systems)
};

struct DifferenceExplanation {
  bool explained = false;
  size_t differing = 0;  // frames and table rows that differ between the two sides
  // Where the runner would report the first divergence: the record index and
  // "outputs", "classification" or "table". Unset when nothing differs.
  std::optional<size_t> first_step;
  std::string first_aspect;
  // Explained: what explains it ("tcp 192.0.2.1 port 40001 -> 13690").
  // Otherwise: the first thing the symptom does not explain.
  std::string detail;
};

// nat-port-choice (see DifferenceKind) explains the records when
//  - both have the same steps, the same frames on the same ports, the same
//    ct_state everywhere, and tables with the same connections (keyed by zone
//    and original tuple);
//  - every frame that differs is the reference's frame with other TCP/UDP
//    ports (or ICMP echo identifier) in its outer header and the L4 checksum
//    those ports give (a frame whose checksum was wrong stays wrong); every
//    table row that differs, the reference's with other reply-tuple ports
//    (and, where a port moved, the snat/dnat flags those tuples imply);
//  - the ports, taken per (protocol, address), rename one to one across the
//    whole run: a port that differs between the sides, or that the
//    reference's NAT translated, is always renamed the same way, and no two
//    ports become the same one;
//  - no NAT port range of the program covers a renamed port's address
//    (nat(src=192.0.2.1:5000) configures ports on 192.0.2.1: there the port
//    is not a choice; a DNAT to a backend port does not configure the
//    client's source port), and at least one port differs.
DifferenceExplanation explain_difference(DifferenceKind kind, const Scenario& scenario,
                                         const RunRecord& reference, const RunRecord& sut,
                                         const CompareScope& scope);

}  // namespace ctc
