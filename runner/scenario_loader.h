// Scenario files on disk: NAME.scenario (text) with an optional NAME.pcap
// beside it; suites are folders searched recursively, in sorted order.
#pragma once

#include <string>
#include <vector>

#include "reference/common/result.h"
#include "reference/scenario/scenario.h"

namespace ctc {

Result<Scenario> load_scenario(const std::string& path);

// Every *.scenario under `path` (or `path` itself when it is a file), sorted
// by path; the first file that fails to load is the error.
Result<std::vector<Scenario>> load_suite(const std::string& path);

// Writes DIR/NAME.scenario and DIR/NAME.pcap (frames in step order); returns
// the scenario path.
Result<std::string> save_scenario(const Scenario& scenario, const std::string& dir);

}  // namespace ctc
