// Reads a JSON report (version 1, reports/README.md) back into a RunSummary,
// so that runs of several adapters, made separately (one of them in a VM,
// another on another machine), can be put side by side in one matrix.
#pragma once

#include <string_view>

#include "reference/common/result.h"
#include "runner/verdict.h"

namespace ctc {

Result<RunSummary> parse_json_report(std::string_view text);

}  // namespace ctc
