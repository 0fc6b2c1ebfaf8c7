// Differential target: the built-in engine against the reference oracle.
// Input bytes decode (fuzz/diff_input.h) into a pipeline, a profile and up to
// 64 operations (inject a crafted frame, advance the clock, flush); both
// adapters run them in lock step and must agree on every output frame (bytes
// and port), every classification and the final conntrack table.
//
// On a divergence the run is saved as an ordinary scenario (NAME.scenario +
// NAME.pcap, runner/scenario_loader.h) plus the raw input (NAME.input) in
// $CTC_FUZZ_ARTIFACT_DIR (default ./fuzz-divergence), then the target aborts
// so libFuzzer keeps the crash input too. `scripts/fuzz.sh promote` turns
// either into a minimised regression case.
//
// Environment:
//   CTC_FUZZ_SUT           adapter to compare (default "builtin")
//   CTC_FUZZ_EXTERNAL_CMD  with CTC_FUZZ_SUT=external: the program to start
//                          (adapters/external/PROTOCOL.md)
//   CTC_FUZZ_FAULT         plant one of the builtin engine's deliberate bugs
//                          (adapters/builtin/fast_conntrack.h Fault, by name,
//                          e.g. no-window-check): shows the target finds it
//   CTC_FUZZ_ARTIFACT_DIR  where divergences go (default ./fuzz-divergence)
//   CTC_FUZZ_SCENARIO_OUT  if set, every input run is also saved there as a
//                          scenario, divergent or not (promote uses it for
//                          crashes, where the abort path never runs)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "adapters/builtin/builtin_adapter.h"
#include "fuzz/diff_harness.h"
#include "fuzz/diff_input.h"
#include "fuzz/diff_mutator.h"
#include "runner/scenario_loader.h"

namespace {

using ctc::fuzz::DiffHarness;

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::unique_ptr<DiffHarness> make_harness() {
  const std::string fault = env_or("CTC_FUZZ_FAULT", "");
  if (fault.empty()) {
    return std::make_unique<DiffHarness>(
        env_or("CTC_FUZZ_SUT", "builtin"),
        ctc::AdapterOptions{.external_command = env_or("CTC_FUZZ_EXTERNAL_CMD", "")});
  }
  for (auto f : {ctc::BuiltinFault::kReplyTupleNotSwapped, ctc::BuiltinFault::kNoWindowCheck,
                 ctc::BuiltinFault::kIcmpErrorsNeverRelated,
                 ctc::BuiltinFault::kTimeoutOffByOneState, ctc::BuiltinFault::kZoneIgnoredInKey}) {
    if (fault == ctc::builtin::to_string(f)) {
      return std::make_unique<DiffHarness>(ctc::make_builtin_adapter({.fault = f}),
                                           "builtin+" + fault);
    }
  }
  std::fprintf(stderr, "fuzz_differential: unknown CTC_FUZZ_FAULT '%s'\n", fault.c_str());
  std::exit(2);
}

// Adapters are made once: load() at the start of every run resets them, so
// runs stay independent (and reproducible) without paying for construction.
DiffHarness& harness() {
  static const std::unique_ptr<DiffHarness> h = make_harness();
  return *h;
}

std::string save(const ctc::Scenario& scenario, const ctc::fuzz::Input& input,
                 const std::string& dir) {
  auto path = ctc::save_scenario(scenario, dir);
  if (!path.ok()) {
    std::fprintf(stderr, "fuzz_differential: cannot save scenario: %s\n",
                 path.error().message.c_str());
    return "";
  }
  const std::vector<uint8_t> bytes = ctc::fuzz::encode(input);
  std::ofstream(dir + "/" + scenario.name + ".input", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return *path;
}

// The saved scenario's description line.
std::string summary(const ctc::fuzz::DiffDivergence& d) {
  return harness().sut_id() + " diverges from the reference (" + d.aspect + ") at step " +
         std::to_string(d.step + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ctc::fuzz::Input input = ctc::fuzz::decode({data, size});
  if (const char* out = std::getenv("CTC_FUZZ_SCENARIO_OUT")) {
    // Saved at every step, so that a crash inside an adapter leaves the
    // scenario up to the crashing step behind.
    const std::string dir = out;
    harness().set_checkpoint([&](const ctc::Scenario& s) { save(s, input, dir); });
    ctc::Scenario scenario;
    const auto divergence = harness().run(input, &scenario);
    harness().set_checkpoint(nullptr);
    if (divergence) scenario.description = summary(*divergence);
    save(scenario, input, dir);
  }
  if (!harness().run(input)) return 0;

  // Replay with recording on (runs are deterministic) to write the scenario.
  ctc::Scenario scenario;
  const auto divergence = harness().run(input, &scenario);
  if (!divergence) {
    std::fprintf(stderr, "fuzz_differential: divergence did not reproduce on replay\n");
    std::abort();
  }
  scenario.description = summary(*divergence);
  const std::string path =
      save(scenario, input, env_or("CTC_FUZZ_ARTIFACT_DIR", "./fuzz-divergence"));
  const ctc::Profile& profile = ctc::fuzz::profile(input.header);
  const std::string& id = harness().sut_id();
  const std::string adapter = id.substr(0, id.find('+'));  // a planted fault is not an adapter id
  std::fprintf(stderr,
               "fuzz_differential: %s\nscenario: %s\nreplay: ctconform replay %s --adapter %s "
               "--profile %s\n",
               ctc::fuzz::describe(*divergence, scenario, harness().sut_id()).c_str(), path.c_str(),
               path.c_str(), adapter.c_str(), profile.name.c_str());
  std::abort();
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  return ctc::fuzz::mutate(data, size, max_size, seed);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,
                                            const uint8_t* data2, size_t size2, uint8_t* out,
                                            size_t max_out_size, unsigned int seed) {
  return ctc::fuzz::cross_over({data1, size1}, {data2, size2}, out, max_out_size, seed);
}
