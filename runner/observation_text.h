// How observations read in reports and counterexamples: the runner, the
// property suite and the differential fuzz target all describe the two sides
// of a divergence with these, so a divergence reads the same wherever it was
// found.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "reference/conntrack/ct_types.h"

namespace ctc {

// One line per output frame: "port N: <packet>", "(bad checksum)" when a
// checksum is wrong, and the frame's bytes in hex when `with_bytes`; a packet
// that left nowhere reads "dropped (no output)".
std::string describe_outputs(const std::vector<OutputFrame>& outputs, bool with_bytes = true);

// "+trk+est" etc.; "(untracked)" when no ct() ran, "(not visible)" when the
// system cannot report it.
std::string describe_classification(const std::optional<CtState>& state);

// Normalised table rows (reference/scenario/table_format.h), sorted, so that
// two tables compare as lists of lines. `with_timeout`: include the time left.
std::vector<std::string> table_rows(const std::vector<ConnectionSnapshot>& table, bool with_timeout);

// The rows one per line; "(empty table)" when there are none.
std::string describe_table(const std::vector<std::string>& rows);

}  // namespace ctc
