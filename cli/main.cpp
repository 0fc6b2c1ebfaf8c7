// ctconform: run conformance suites against conntrack implementations.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

namespace {

void add_common(CLI::App* cmd, ctc::RunCommandOptions& o) {
  cmd->add_option("--adapter", o.adapter, "system under test (see list-adapters)");
  cmd->add_option("--profile", o.profile, "semantics profile: linux or ovs-userspace");
  cmd->add_option("--external-cmd", o.adapter_options.external_command,
                  "program for --adapter external (speaks the line protocol)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ctconform: a conformance suite for connection-tracking implementations"};
  app.require_subcommand(1);
  ctc::RunCommandOptions o;

  CLI::App* run = app.add_subcommand("run", "run a suite of scenarios against an adapter");
  add_common(run, o);
  run->add_option("--suite", o.suite, "scenario file or folder")->capture_default_str();
  run->add_option("--seed", o.seed, "seed, recorded in every report");
  run->add_option("--junit", o.junit_path, "write JUnit XML here");
  run->add_option("--json", o.json_path, "write the JSON report here");
  run->add_option("--report", o.report_path, "write the Markdown report (matrix) here");
  run->add_option("--artifacts", o.artifacts_dir,
                  "write each divergence's scenario, pcap and expected-vs-observed here");
  run->add_option("--known", o.known_path, "known-divergence list (default: SUITE/known-divergences.txt)");
  run->add_flag("-v,--verbose", o.verbose, "print every verdict");

  CLI::App* replay = app.add_subcommand("replay", "replay one scenario (or folder), failures in full");
  add_common(replay, o);
  replay->add_option("path", o.suite, "scenario file or folder")->required();
  replay->add_option("--known", o.known_path, "known-divergence list");

  CLI::App* explain = app.add_subcommand("explain", "show both sides' traces step by step");
  add_common(explain, o);
  explain->add_option("case", o.suite, "scenario file")->required();

  CLI::App* list = app.add_subcommand("list-adapters", "list the systems under test");

  ctc::PropCommandOptions prop_options;
  CLI::App* prop = app.add_subcommand("prop", "generated scenarios, differential, shrunk on failure");
  add_common(prop, o);
  prop->add_option("--seed", o.seed, "seed; the same seed gives the same scenarios");
  prop->add_option("--count", prop_options.count, "scenarios to generate")->capture_default_str();
  prop->add_option("--max-size", prop_options.max_size, "largest generation size")->capture_default_str();
  prop->add_option("--property", prop_options.property, "differential|metamorphic|invariants|all")
      ->capture_default_str();
  prop->add_option("--save", prop_options.save_dir, "folder for the minimal counterexample")
      ->capture_default_str();
  prop->add_option("--known", o.known_path,
                   "known-divergence list whose difference: symptoms count as known "
                   "(default: corpora/known-divergences.txt if present)");

  ctc::MatrixCommandOptions matrix_options;
  CLI::App* matrix = app.add_subcommand(
      "matrix", "put the JSON reports of several runs side by side in one Markdown matrix");
  matrix->add_option("reports", matrix_options.reports, "JSON reports written by run --json")
      ->required();
  matrix->add_option("-o,--output", matrix_options.output, "Markdown file (default: stdout)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help with exit 0 and usage errors with its own code; ours is 2.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ctc::kExitUsage;
  }
  if (*run) return ctc::run_command(o);
  if (*replay) return ctc::replay_command(o);
  if (*explain) return ctc::explain_command(o);
  if (*list) return ctc::list_adapters_command();
  if (*prop) return ctc::prop_command(o, prop_options);
  if (*matrix) return ctc::matrix_command(matrix_options);
  return ctc::kExitUsage;
}
