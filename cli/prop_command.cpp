#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <variant>

#include "cli/commands.h"
#include "properties/builtin_faults.h"
#include "properties/prop_runner.h"
#include "runner/known_divergences.h"

namespace ctc {
namespace {

// `--property` lives in PropCommandOptions::property once the option is
// declared (cli/main.cpp, cli/commands.h); until then every property runs.
template <class Options>
std::string property_selection(const Options& p) {
  if constexpr (requires { p.property; }) {
    return p.property.empty() ? std::string("all") : std::string(p.property);
  } else {
    return "all";
  }
}

// The known-divergence list: --known when given, else SUITE/known-divergences.txt
// (corpora/ by default) when it exists; prop has no scenario names to match,
// only the entries' `difference:` symptoms.
std::variant<std::optional<KnownDivergences>, int> load_known(const RunCommandOptions& o) {
  std::string path = o.known_path;
  if (path.empty()) {
    const auto candidate = std::filesystem::path(o.suite) / "known-divergences.txt";
    if (!std::filesystem::exists(candidate)) return std::optional<KnownDivergences>();
    path = candidate.string();
  }
  auto known = KnownDivergences::load(path);
  if (!known.ok()) {
    std::cerr << "ctconform: " << known.error().message << "\n";
    return kExitUsage;
  }
  return std::optional<KnownDivergences>(std::move(known).value());
}

// "12 known (linux-snat-port-choice 10, linux-dnat-clash-source-port-choice 2)"
std::string known_summary(const PropOutcome& outcome) {
  std::string text = std::to_string(outcome.known) + " known (";
  for (size_t i = 0; i < outcome.known_entries.size(); ++i) {
    const KnownTally& t = outcome.known_entries[i];
    text += (i == 0 ? "" : ", ") + t.id + " " + std::to_string(t.cases);
  }
  return text + ")";
}

void print_outcome(const PropOutcome& outcome, const std::string& sut_id, const Profile& profile,
                   const RunCommandOptions& o, const PropCommandOptions& p) {
  const char* prop = to_string(outcome.property);
  const double rate = outcome.seconds > 0 ? outcome.scenarios_run / outcome.seconds : 0;
  std::cout << "prop " << prop << ": " << sut_id << " (" << profile.name << "), seed " << o.seed
            << ": " << outcome.scenarios_run << " cases (" << outcome.executions
            << " scenario runs) in " << outcome.seconds << " s (" << rate << " cases/s)\n";
  if (outcome.skipped > 0) {
    std::cout << "prop " << prop << ": " << outcome.skipped << " of " << outcome.scenarios_run
              << " cases skipped: " << outcome.skip_reason << "\n";
  }
  for (const KnownTally& t : outcome.known_entries) {
    std::cout << "prop " << prop << ": known divergence " << t.id << " in " << t.cases
              << " case(s), first case " << t.first_case << ": " << t.first_detail << "\n";
  }
  if (!outcome.failure) {
    if (outcome.skipped == outcome.scenarios_run) {
      std::cout << "prop " << prop << ": NOT CHECKED (every case was skipped)\n";
    } else {
      std::cout << "prop " << prop << ": holds over "
                << outcome.scenarios_run - outcome.skipped - outcome.known << " cases";
      if (outcome.known > 0) std::cout << ", " << known_summary(outcome);
      std::cout << "\n";
    }
    return;
  }
  if (outcome.known > 0) {
    std::cout << "prop " << prop << ": before the failure, " << known_summary(outcome) << "\n";
  }
  const PropertyFailure& f = *outcome.failure;
  std::cout << "prop " << prop << ": " << (f.harness_error ? "harness error" : "FAILS") << " at case "
            << outcome.failing_case << " after " << outcome.seconds_to_find << " s; "
            << outcome.shrink_steps << " shrink steps; minimal case:\n"
            << outcome.case_text << "\n"
            << describe(f);
  for (const SavedScenario& s : outcome.saved) {
    std::cout << "saved: " << s.path;
    if (!s.replay.empty()) std::cout << " (replayed against the reference: " << s.replay << ")";
    std::cout << "\nreplay: ctconform replay " << s.path << " --adapter " << o.adapter
              << " --profile " << profile.name << "\n";
  }
  std::cout << "reproduce: ctconform prop --adapter " << o.adapter << " --profile " << profile.name
            << " --property " << prop << " --seed " << o.seed << " --count " << p.count
            << " --max-size " << p.max_size << "\n";
}

}  // namespace

int prop_command(const RunCommandOptions& o, const PropCommandOptions& p) {
  const Profile* profile = find_profile(o.profile);
  if (profile == nullptr) {
    std::cerr << "ctconform: unknown profile '" << o.profile << "'\n";
    return kExitUsage;
  }
  if (p.count <= 0 || p.max_size <= 0) {
    std::cerr << "ctconform: --count and --max-size must be positive\n";
    return kExitUsage;
  }
  auto selection = parse_properties(property_selection(p));
  if (!selection.ok()) {
    std::cerr << "ctconform: --property: " << selection.error().message << "\n";
    return kExitUsage;
  }
  auto known = load_known(o);
  if (auto* rc = std::get_if<int>(&known)) return *rc;
  const auto& known_list = std::get<std::optional<KnownDivergences>>(known);
  if (!known_list) {
    std::cout << "prop: no known-divergence list (" << o.suite
              << "/known-divergences.txt not found; --known PATH): every divergence is a failure\n";
  }
  auto ref = make_adapter("reference", o.adapter_options);
  auto sut = make_adapter(o.adapter, o.adapter_options);
  // The built-in engine straight from its library while the registry does
  // not list it yet.
  if (!sut.ok() && o.adapter == "builtin" && builtin_engine_available()) sut = make_builtin_engine();
  if (!ref.ok() || !sut.ok()) {
    std::cerr << "ctconform: " << (ref.ok() ? sut.error() : ref.error()).message << "\n";
    return kExitUsage;
  }
  const PropTarget target{.sut = sut->get(), .reference = ref->get(), .profile = profile};
  const PropOptions options{.seed = o.seed, .count = p.count, .max_size = p.max_size,
                            .save_dir = p.save_dir,
                            .known = known_list ? &*known_list : nullptr};
  int exit_code = kExitPass;
  for (PropertyKind kind : *selection) {
    const PropOutcome outcome = run_property(kind, target, options);
    print_outcome(outcome, (*sut)->id(), *profile, o, p);
    if (outcome.failure) {
      const int code = outcome.failure->harness_error ? kExitSutError : kExitDivergence;
      if (exit_code == kExitPass || exit_code == kExitNothingChecked || code == kExitSutError) {
        exit_code = code;
      }
    } else if (outcome.skipped == outcome.scenarios_run && exit_code == kExitPass) {
      exit_code = kExitNothingChecked;
    }
  }
  (*sut)->shutdown();
  (*ref)->shutdown();
  return exit_code;
}

}  // namespace ctc
