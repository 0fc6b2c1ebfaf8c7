#include <filesystem>
#include <fstream>

#include "reports/report_writers.h"
#include "runner/scenario_loader.h"

namespace ctc {

Status write_text_file(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return io_error(path + ": cannot write");
  return ok_status();
}

Status write_divergence_artifacts(const RunSummary& run, const std::string& dir) {
  for (const ScenarioVerdict& v : run.verdicts) {
    if (!v.divergence || !v.scenario_copy) continue;
    auto saved = save_scenario(*v.scenario_copy, dir);
    if (!saved.ok()) return saved.error();
    const Divergence& d = *v.divergence;
    std::string side = "scenario: " + v.scenario + "\nadapter: " + run.adapter +
                       "\nprofile: " + run.profile + "\nverdict: " + to_string(v.kind) +
                       "\nreplay: ctconform replay " + *saved + " --adapter " + run.adapter +
                       " --profile " + run.profile + "\nstep: " + std::to_string(d.step_index + 1) +
                       " (" + d.step + ")\naspect: " + d.aspect + "\n\n--- reference (expected)\n" +
                       d.expected + "\n--- " + run.adapter + " (observed)\n" + d.observed + "\n";
    if (auto st = write_text_file(dir + "/" + v.scenario + ".divergence.txt", side); !st.ok()) {
      return st;
    }
  }
  return ok_status();
}

}  // namespace ctc
