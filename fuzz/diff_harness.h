// Runs one decoded input (fuzz/diff_input.h) on the reference oracle and on a
// system under test through the Adapter interface, in lock step, and says
// where they first disagree. On request it also records the run as a
// Scenario, so that a divergence is saved as an ordinary regression case.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/registry.h"
#include "fuzz/diff_input.h"
#include "reference/scenario/scenario.h"

namespace ctc::fuzz {

struct DiffDivergence {
  size_t step = 0;     // index in the recorded scenario's steps
  std::string aspect;  // "outputs", "classification", "table", "load", "error"
  std::string reference;
  std::string observed;
};

class DiffHarness {
 public:
  // `sut_id` is made with make_adapter(); when that fails (the engine is not
  // part of this build) the reference runs against itself and a warning is
  // printed once, so the target still fuzzes the oracle for crashes.
  explicit DiffHarness(const std::string& sut_id, const AdapterOptions& options = {});
  // A system under test made by the caller (e.g. the builtin engine with a
  // planted fault, to show the target catches it).
  DiffHarness(std::unique_ptr<Adapter> sut, std::string sut_id);
  ~DiffHarness();

  const std::string& sut_id() const { return sut_id_; }

  // nullopt when both sides agree at every step. With `record`, the run is
  // written into it as steps (ports, flows, profile and origin included).
  std::optional<DiffDivergence> run(const Input& input, Scenario* record = nullptr);

  // Called with the recorded scenario each time a step is recorded, before
  // the adapters run it: a crash inside an adapter then still leaves the
  // steps that led to it (the crashing step last, without expectations).
  void set_checkpoint(std::function<void(const Scenario&)> checkpoint) {
    checkpoint_ = std::move(checkpoint);
  }

 private:
  void record_step(Scenario* record, Step step);
  // The pipeline's ports, program text and profile, made once per header.
  const ScenarioSetup& setup_for(const Header& header, const PipelineSpec& spec);

  std::unordered_map<uint32_t, ScenarioSetup> setups_;  // by header_bits()

  std::function<void(const Scenario&)> checkpoint_;
  // The current packet's frame and each side's answer to it, kept so that
  // their storage is reused from packet to packet.
  std::vector<uint8_t> frame_;
  Packet spare_packet_;  // the last packet built, lending its storage to the next
  InjectResult ref_result_;
  InjectResult sut_result_;
  std::unique_ptr<Adapter> reference_;
  std::unique_ptr<Adapter> sut_;
  std::string sut_id_;
  Capabilities sut_caps_;
};

// "fuzz-<16 hex digits>": a stable name from the input's canonical bytes.
std::string input_name(const Input& input);

// Human-readable report of a divergence, naming the step as a scenario would.
std::string describe(const DiffDivergence& d, const Scenario& recorded, const std::string& sut_id);

}  // namespace ctc::fuzz
