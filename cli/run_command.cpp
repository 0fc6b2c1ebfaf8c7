#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "reports/report_writers.h"
#include "runner/runner.h"
#include "runner/scenario_loader.h"

namespace ctc {
namespace {

void print_verdict(const ScenarioVerdict& v, bool verbose) {
  if (v.kind == VerdictKind::kPass && !verbose) return;
  std::cout << to_string(v.kind) << ": " << v.scenario;
  if (!v.reason.empty()) std::cout << ": " << v.reason;
  std::cout << "\n";
  if (v.divergence && v.kind == VerdictKind::kDiverge) {
    const Divergence& d = *v.divergence;
    std::cout << "  first divergence at step " << d.step_index + 1 << " (" << d.step << "), "
              << d.aspect << "\n  --- reference\n" << d.expected << "\n  --- system under test\n"
              << d.observed << "\n";
  }
}

struct Loaded {
  std::unique_ptr<Adapter> reference;
  std::unique_ptr<Adapter> sut;
  const Profile* profile = nullptr;
  std::vector<Scenario> scenarios;
  KnownDivergences known;
  bool has_known = false;
};

// Everything a run needs, or the exit code of the input error.
std::variant<Loaded, int> prepare(const RunCommandOptions& o) {
  Loaded l;
  l.profile = find_profile(o.profile);
  if (l.profile == nullptr) {
    std::string names;
    for (const std::string& n : profile_names()) names += " " + n;
    std::cerr << "ctconform: unknown profile '" << o.profile << "' (known:" << names << ")\n";
    return kExitUsage;
  }
  auto suite = load_suite(o.suite);
  if (!suite.ok()) {
    std::cerr << "ctconform: " << suite.error().message << "\n";
    return kExitUsage;
  }
  l.scenarios = std::move(suite).value();
  std::string known_path = o.known_path;
  if (known_path.empty() && std::filesystem::is_directory(o.suite)) {
    const auto candidate = std::filesystem::path(o.suite) / "known-divergences.txt";
    if (std::filesystem::exists(candidate)) known_path = candidate.string();
  }
  if (!known_path.empty()) {
    auto known = KnownDivergences::load(known_path);
    if (!known.ok()) {
      std::cerr << "ctconform: " << known.error().message << "\n";
      return kExitUsage;
    }
    l.known = std::move(known).value();
    l.has_known = true;
  }
  auto reference = make_adapter("reference", o.adapter_options);
  auto sut = make_adapter(o.adapter, o.adapter_options);
  if (!reference.ok() || !sut.ok()) {
    const Error& e = reference.ok() ? sut.error() : reference.error();
    std::cerr << "ctconform: " << e.message << "\n";
    return e.code == ErrorCode::kNotFound || e.code == ErrorCode::kUnsupported ||
                   e.code == ErrorCode::kInvalidArgument
               ? kExitUsage
               : kExitSutError;
  }
  l.reference = std::move(reference).value();
  l.sut = std::move(sut).value();
  return l;
}

int write_reports(const RunCommandOptions& o, const RunSummary& summary) {
  auto write = [](const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    if (auto st = write_text_file(path, text); !st.ok()) {
      std::cerr << "ctconform: " << st.error().message << "\n";
      return false;
    }
    return true;
  };
  bool ok = write(o.junit_path, junit_xml(summary)) && write(o.json_path, json_report(summary)) &&
            write(o.report_path, markdown_report({summary}));
  if (ok && !o.artifacts_dir.empty()) {
    if (auto st = write_divergence_artifacts(summary, o.artifacts_dir); !st.ok()) {
      std::cerr << "ctconform: " << st.error().message << "\n";
      ok = false;
    }
  }
  return ok ? kExitPass : kExitUsage;
}

int run_loaded(const RunCommandOptions& o, Loaded& l) {
  const bool tty = isatty(STDERR_FILENO) == 1;
  RunnerOptions ro{.profile = l.profile, .seed = o.seed, .known = l.has_known ? &l.known : nullptr};
  ro.on_verdict = [&](size_t done, size_t total, const ScenarioVerdict& v) {
    if (tty) std::fprintf(stderr, "\r[%zu/%zu] %-60.60s", done, total, v.scenario.c_str());
    if (tty && done == total) std::fputc('\n', stderr);
    print_verdict(v, o.verbose);
  };
  Runner runner(*l.reference, *l.sut, ro);
  RunSummary summary = runner.run_all(l.scenarios);
  l.sut->shutdown();
  l.reference->shutdown();
  std::cout << summary.adapter << " (" << summary.profile << "): " << summary.verdicts.size()
            << " scenarios: " << summary.count(VerdictKind::kPass) << " pass, "
            << summary.count(VerdictKind::kDiverge) << " diverge, "
            << summary.count(VerdictKind::kKnownDivergence) << " known divergence, "
            << summary.count(VerdictKind::kSkip) << " skip, " << summary.count(VerdictKind::kError)
            << " error\n";
  if (int rc = write_reports(o, summary); rc != kExitPass) return rc;
  return summary.exit_code();
}

}  // namespace

int run_command(const RunCommandOptions& options) {
  auto prepared = prepare(options);
  if (auto* rc = std::get_if<int>(&prepared)) return *rc;
  return run_loaded(options, std::get<Loaded>(prepared));
}

int replay_command(const RunCommandOptions& options) {
  RunCommandOptions o = options;
  o.verbose = true;
  return run_command(o);
}

int list_adapters_command() {
  for (const AdapterInfo& a : list_adapters()) {
    std::cout << a.id << "\t" << (a.available ? "available" : "unavailable") << "\t"
              << a.description;
    if (!a.available) std::cout << " (" << a.unavailable_reason << ")";
    std::cout << "\n";
  }
  return kExitPass;
}

}  // namespace ctc
