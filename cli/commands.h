// The ctconform subcommands. Each returns the process exit code:
// 0 all pass, 1 divergence, 2 usage or input error, 3 SUT or harness error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/registry.h"

namespace ctc {

inline constexpr int kExitPass = 0;
inline constexpr int kExitDivergence = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitSutError = 3;
// prop: a property none of whose cases this system could run.
inline constexpr int kExitNothingChecked = 4;

struct RunCommandOptions {
  std::string adapter = "builtin";
  std::string suite = "corpora";
  std::string profile = "linux";
  uint64_t seed = 0;
  std::string junit_path;
  std::string json_path;
  std::string report_path;     // Markdown
  std::string artifacts_dir;   // divergence pcaps + side files
  std::string known_path;      // known-divergence list; empty: SUITE/known-divergences.txt if present
  AdapterOptions adapter_options;
  bool verbose = false;        // print every verdict, not only failures
};

int run_command(const RunCommandOptions& options);

// One scenario file (or folder) replayed, every failure printed in full.
int replay_command(const RunCommandOptions& options);

// Both sides' traces, step by step.
int explain_command(const RunCommandOptions& options);

int list_adapters_command();

struct PropCommandOptions {
  int count = 100;
  int max_size = 50;
  std::string save_dir = "out/counterexamples";
  std::string property = "all";  // differential|metamorphic|invariants|all, or a comma list
};

// Generated scenarios, differential against the reference, shrunk on failure.
int prop_command(const RunCommandOptions& options, const PropCommandOptions& prop);

struct MatrixCommandOptions {
  std::vector<std::string> reports;  // JSON reports (`run --json`), one column each
  std::string output;                // Markdown file; empty: standard output
};

// Several runs' JSON reports as one Markdown matrix, side by side.
int matrix_command(const MatrixCommandOptions& options);

}  // namespace ctc
