// Report back-ends. Each takes verdicts and writes one format; none knows
// how a verdict was reached. Output is deterministic: no timestamps, no
// timings, scenarios in run order.
#pragma once

#include <string>
#include <vector>

#include "reference/common/result.h"
#include "runner/verdict.h"

namespace ctc {

// JUnit XML: one testsuite per run, one testcase per scenario; divergences
// are <failure>, errors <error>, skips <skipped message=...>, known
// divergences pass with the reason in <system-out>.
std::string junit_xml(const RunSummary& run);

// The stable JSON document described in reports/README.md.
std::string json_report(const RunSummary& run);

// Markdown: a summary, then the matrix feature x adapter (pass / diverge /
// known / skip / error counts), then each failure in detail.
std::string markdown_report(const std::vector<RunSummary>& runs);

// For each divergence: DIR/NAME.scenario + DIR/NAME.pcap (replayable) and
// DIR/NAME.divergence.txt (expected vs observed).
Status write_divergence_artifacts(const RunSummary& run, const std::string& dir);

Status write_text_file(const std::string& path, const std::string& text);

}  // namespace ctc
