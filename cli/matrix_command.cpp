#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "reports/json_reader.h"
#include "reports/report_writers.h"

namespace ctc {

int matrix_command(const MatrixCommandOptions& options) {
  std::vector<RunSummary> runs;
  for (const std::string& path : options.reports) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "ctconform: cannot read " << path << "\n";
      return kExitUsage;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto run = parse_json_report(text.str());
    if (!run.ok()) {
      std::cerr << "ctconform: " << path << ": " << run.error().message << "\n";
      return kExitUsage;
    }
    runs.push_back(std::move(run).value());
  }
  const std::string report = markdown_report(runs);
  if (options.output.empty()) {
    std::cout << report;
    return kExitPass;
  }
  if (auto st = write_text_file(options.output, report); !st.ok()) {
    std::cerr << "ctconform: " << st.error().message << "\n";
    return kExitUsage;
  }
  return kExitPass;
}

}  // namespace ctc
