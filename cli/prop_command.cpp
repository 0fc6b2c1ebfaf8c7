#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "properties/prop_runner.h"

namespace ctc {

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
  auto ref = make_adapter("reference", o.adapter_options);
  auto sut = make_adapter(o.adapter, o.adapter_options);
  if (!ref.ok() || !sut.ok()) {
    std::cerr << "ctconform: " << (ref.ok() ? sut.error() : ref.error()).message << "\n";
    return kExitUsage;
  }
  Runner runner(**ref, **sut, RunnerOptions{.profile = profile, .seed = o.seed});
  PropOptions options{.seed = o.seed, .count = p.count, .max_size = p.max_size,
                      .save_dir = p.save_dir};
  const auto start = std::chrono::steady_clock::now();
  const PropOutcome outcome = run_differential_property(runner, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (*sut)->shutdown();
  (*ref)->shutdown();
  std::cout << "prop: " << (*sut)->id() << " (" << profile->name << "), seed " << o.seed << ": "
            << outcome.scenarios_run << " scenarios in " << seconds << " s ("
            << (seconds > 0 ? outcome.scenarios_run / seconds : 0) << " scenarios/s)\n";
  if (!outcome.failure) {
    std::cout << "prop: no divergence\n";
    return kExitPass;
  }
  const ScenarioVerdict& v = *outcome.failure;
  std::cout << "prop: " << to_string(v.kind) << " after " << outcome.shrink_steps
            << " shrink steps; minimal plan:\n" << outcome.plan_text << "\n";
  if (!v.reason.empty()) std::cout << v.reason << "\n";
  if (v.divergence) {
    std::cout << "first divergence at step " << v.divergence->step_index + 1 << " ("
              << v.divergence->step << "), " << v.divergence->aspect << "\n--- reference\n"
              << v.divergence->expected << "\n--- " << (*sut)->id() << "\n"
              << v.divergence->observed << "\n";
  }
  if (!outcome.saved_path.empty()) {
    std::cout << "saved: " << outcome.saved_path << "\nreplay: ctconform replay "
              << outcome.saved_path << " --adapter " << o.adapter << " --profile "
              << profile->name << "\n";
  }
  std::cout << "reproduce: ctconform prop --adapter " << o.adapter << " --profile "
            << profile->name << " --seed " << o.seed << " --count " << p.count
            << " --max-size " << p.max_size << "\n";
  return v.kind == VerdictKind::kError ? kExitSutError : kExitDivergence;
}

}  // namespace ctc
