#include <iostream>
#include <string>

#include "cli/commands.h"
#include "properties/builtin_faults.h"
#include "properties/prop_runner.h"

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
  if (!outcome.failure) {
    if (outcome.skipped == outcome.scenarios_run) {
      std::cout << "prop " << prop << ": NOT CHECKED (every case was skipped)\n";
    } else {
      std::cout << "prop " << prop << ": holds over " << outcome.scenarios_run - outcome.skipped
                << " cases\n";
    }
    return;
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
                            .save_dir = p.save_dir};
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
