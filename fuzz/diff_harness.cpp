#include "fuzz/diff_harness.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "adapters/registry.h"
#include "fuzz/diff_frames.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/table_format.h"
#include "runner/observation_text.h"
#include "runner/runner.h"

namespace ctc::fuzz {
namespace {

std::vector<std::string> features_of(const Input& input, const PipelineSpec& spec) {
  std::vector<std::string> features = pipeline_features(spec);
  auto add = [&](const char* f) {
    if (std::find(features.begin(), features.end(), f) == features.end()) features.push_back(f);
  };
  for (const Op& op : input.ops) {
    if (op.kind == OpKind::kTcp) add("tcp");
    if (op.kind == OpKind::kUdp) add("udp");
    if (op.kind == OpKind::kIcmpEcho) add("icmp");
    if (op.kind == OpKind::kIcmpError) add("icmp-related");
    if (op.kind == OpKind::kAdvance) add("timeout");
    if (op.ipv6) add("ipv6");
  }
  return features;
}

}  // namespace

DiffHarness::DiffHarness(const std::string& sut_id, const AdapterOptions& options)
    : sut_id_(sut_id) {
  reference_ = make_adapter("reference", AdapterOptions{}).value();
  auto sut = make_adapter(sut_id, options);
  if (sut.ok()) {
    sut_ = std::move(sut).value();
  } else {
    std::fprintf(stderr,
                 "fuzz_differential: WARNING: %s; comparing the reference with itself "
                 "(crashes in the oracle are still found)\n",
                 sut.error().message.c_str());
    sut_ = make_adapter("reference", AdapterOptions{}).value();
    sut_id_ = "reference";
  }
  sut_caps_ = sut_->capabilities();
}

DiffHarness::DiffHarness(std::unique_ptr<Adapter> sut, std::string sut_id)
    : sut_(std::move(sut)), sut_id_(std::move(sut_id)) {
  reference_ = make_adapter("reference", AdapterOptions{}).value();
  sut_caps_ = sut_->capabilities();
}

DiffHarness::~DiffHarness() {
  reference_->shutdown();
  sut_->shutdown();
}

std::optional<DiffDivergence> DiffHarness::run(const Input& input, Scenario* record) {
  const PipelineSpec spec = pipeline_spec(input.header);
  const Profile& prof = profile(input.header);
  if (!sut_caps_.profiles.empty() && std::find(sut_caps_.profiles.begin(), sut_caps_.profiles.end(),
                                               prof.name) == sut_caps_.profiles.end()) {
    return std::nullopt;  // the system does not claim this profile's semantics
  }
  const ScenarioSetup& setup = setup_for(input.header, spec);
  if (record != nullptr) {
    record->name = input_name(input);
    record->description =
        std::string("fuzz_differential: ") + to_string(spec.kind) + " on " + prof.name;
    record->profiles = {prof.name};
    record->features = features_of(input, spec);
    record->ports = setup.ports;
    record->flows = setup.flows;
    record->origin = "fuzz_differential " + input_name(input);
    record->steps.clear();
  }
  const Status ref_load = reference_->load(setup);
  const Status sut_load = sut_->load(setup);
  if (ref_load.ok() != sut_load.ok()) {
    return DiffDivergence{0, "load", ref_load.ok() ? "loaded" : ref_load.error().message,
                          sut_load.ok() ? "loaded" : sut_load.error().message};
  }
  if (!ref_load.ok()) return std::nullopt;  // both refuse the program: nothing to compare

  const bool quotes = std::any_of(input.ops.begin(), input.ops.end(),
                                  [](const Op& op) { return op.kind == OpKind::kIcmpError; });
  const bool quotes_outputs =
      quotes && std::any_of(input.ops.begin(), input.ops.end(), [](const Op& op) {
        return op.kind == OpKind::kIcmpError && op.quote_output;
      });
  std::vector<SentFrame> history;
  if (quotes) history.reserve(input.ops.size());
  size_t step = 0;
  for (const Op& op : input.ops) {
    if (op.injects()) {
      std::optional<Packet> packet = build_packet(op, spec, history, std::move(spare_packet_));
      if (!packet) continue;
      std::vector<uint8_t>& frame = frame_;
      serialize_frame(*packet, frame);
      const Port port{static_cast<uint16_t>(op.to_port2 ? 2 : 1)};
      if (record != nullptr) {
        std::ostringstream source;
        source << *packet;
        record_step(record, InjectStep{.port = port, .frame = frame, .source = source.str()});
      }
      InjectResult& ref = ref_result_;
      InjectResult& sut = sut_result_;
      const Status ref_status = reference_->inject_into(port, frame, ref);
      const Status sut_status = sut_->inject_into(port, frame, sut);
      if (!ref_status.ok() || !sut_status.ok()) {
        if (ref_status.ok() != sut_status.ok()) {
          return DiffDivergence{step, "error",
                                ref_status.ok() ? "accepted" : ref_status.error().message,
                                sut_status.ok() ? "accepted" : sut_status.error().message};
        }
        // Both refuse the frame alike: the step stays in the recording (with
        // no expectation) and counts, so step numbers match the scenario.
        ++step;
        continue;
      }
      if (record != nullptr) {
        // The reference's answer becomes the scenario's expectation, so the
        // saved case reads like a hand-written one.
        InjectExpectation& expect = std::get<InjectStep>(record->steps.back()).expect;
        std::vector<Port> ports;
        for (const OutputFrame& f : ref.outputs) ports.push_back(f.port);
        expect.output_ports = ports;
        if (ref.classification) expect.ct_state = ref.classification;
      }
      if (ref.outputs != sut.outputs) {
        return DiffDivergence{step, "outputs", describe_outputs(ref.outputs),
                              describe_outputs(sut.outputs)};
      }
      if (sut_caps_.classification && ref.classification != sut.classification) {
        return DiffDivergence{step, "classification", describe_classification(ref.classification),
                              describe_classification(sut.classification)};
      }
      if (quotes) {  // only an ICMP error op reads the history
        SentFrame sent{.injected = std::move(*packet)};
        if (quotes_outputs && !ref.outputs.empty()) sent.emitted = ref.outputs.front().bytes;
        history.push_back(std::move(sent));
      } else {
        spare_packet_ = std::move(*packet);
      }
    } else if (op.kind == OpKind::kAdvance) {
      const Duration d = advance_duration(op, prof);
      record_step(record, AdvanceStep{d});
      const Status a = reference_->advance(d);
      const Status b = sut_->advance(d);
      if (a.ok() != b.ok()) {
        return DiffDivergence{step, "error", a.ok() ? "advanced" : a.error().message,
                              b.ok() ? "advanced" : b.error().message};
      }
    } else {
      std::optional<Zone> zone;
      if (op.kind == OpKind::kFlushZone) zone = Zone{op.second_zone ? spec.second_zone : spec.zone};
      record_step(record, FlushStep{zone});
      const Status a = reference_->flush(zone);
      const Status b = sut_->flush(zone);
      if (a.ok() != b.ok()) {
        return DiffDivergence{step, "error", a.ok() ? "flushed" : a.error().message,
                              b.ok() ? "flushed" : b.error().message};
      }
    }
    ++step;
  }

  record_step(record, CheckTableStep{});
  if (!sut_caps_.table_dump) return std::nullopt;
  auto ref_table = reference_->dump_table();
  auto sut_table = sut_->dump_table();
  if (ref_table.ok() != sut_table.ok()) {
    return DiffDivergence{step, "error", ref_table.ok() ? "dumped" : ref_table.error().message,
                          sut_table.ok() ? "dumped" : sut_table.error().message};
  }
  if (ref_table.ok() && *ref_table != *sut_table) {
    return DiffDivergence{step, "table", describe_table(table_rows(*ref_table, true)),
                          describe_table(table_rows(*sut_table, true))};
  }
  return std::nullopt;
}

const ScenarioSetup& DiffHarness::setup_for(const Header& header, const PipelineSpec& spec) {
  const uint32_t key = header_bits(header);
  if (auto it = setups_.find(key); it != setups_.end()) return it->second;
  ScenarioSetup setup{
      .ports = pipeline_ports(),
      .flows = pipeline_flows(spec),
      .profile = &profile(header),
      .want_trace = false};  // a divergence is described from outputs, states and tables
  return setups_.emplace(key, std::move(setup)).first->second;  // 2^14 headers at most
}

void DiffHarness::record_step(Scenario* record, Step step) {
  if (record == nullptr) return;
  record->steps.push_back(std::move(step));
  if (checkpoint_) checkpoint_(*record);
}

std::string input_name(const Input& input) {
  // FNV-1a over the canonical bytes: stable across runs and machines.
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : encode(input)) h = (h ^ b) * 0x100000001b3ULL;
  char buf[32];
  std::snprintf(buf, sizeof buf, "fuzz-%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string describe(const DiffDivergence& d, const Scenario& recorded, const std::string& sut_id) {
  std::ostringstream os;
  os << sut_id << " diverges from the reference (" << d.aspect << ") at step " << d.step + 1;
  if (d.step < recorded.steps.size()) os << ": " << describe_step(recorded.steps[d.step]);
  os << "\n--- reference\n" << d.reference << "\n--- " << sut_id << "\n" << d.observed << "\n";
  return os.str();
}

}  // namespace ctc::fuzz
