// The built-in engine: a FlowProgram compiled per table into priority-ordered
// rule lists, executed over raw frames with FastConntrack behind ct(). One
// engine is one datapath; process() and process_batch() reuse every buffer,
// so the established fast path allocates nothing.
//
// Pipeline semantics are OVS's (the same list as reference/flow/flow_datapath.h):
// highest priority wins, a miss drops; ct(table=T) forks a tracked copy that
// is recirculated to T after the current pass while the original goes on
// untracked; ct() without table leaves the ct fields unreadable
// (ofproto-dpif-xlate.c compose_conntrack_action); output to the input port
// is skipped; resubmit nests 64 deep; at most 6 recirculations per packet.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/builtin/fast_conntrack.h"
#include "adapters/builtin/frame.h"
#include "reference/flow/flow_program.h"

namespace ctc::builtin {

struct EngineOutput {
  uint16_t port = 0;
  uint32_t packet = 0;  // index of the input frame in a batch
  uint32_t offset = 0;  // into the result's byte arena
  uint32_t size = 0;
};

// Results of a batch, in flat arrays reused from call to call.
struct BatchResult {
  std::vector<EngineOutput> outputs;  // in the order they left, packet by packet
  std::vector<uint8_t> bytes;         // the output frames, back to back
  std::vector<std::optional<CtState>> classification;  // per input frame
  std::string trace;                  // when asked for

  void clear() {
    outputs.clear();
    bytes.clear();
    classification.clear();
    trace.clear();
  }
  std::span<const uint8_t> frame(const EngineOutput& o) const {
    return std::span<const uint8_t>(bytes).subspan(o.offset, o.size);
  }
};

struct BatchFrame {
  uint16_t in_port = 0;
  std::span<const uint8_t> frame;
};

class BuiltinEngine {
 public:
  BuiltinEngine(const Profile& profile, const FlowProgram& program, std::optional<Fault> fault = {});
  ~BuiltinEngine();
  BuiltinEngine(const BuiltinEngine&) = delete;
  BuiltinEngine& operator=(const BuiltinEngine&) = delete;

  // Ports that exist; output elsewhere is dropped. Empty: all exist.
  void set_ports(const std::vector<uint16_t>& ports);

  // Appends one frame's outputs and classification to `out`.
  void process(uint16_t in_port, std::span<const uint8_t> frame, int64_t now, BatchResult& out,
               bool want_trace = false);
  // Clears `out` and processes `frames` in order, all at time `now`.
  void process_batch(std::span<const BatchFrame> frames, int64_t now, BatchResult& out);

  FastConntrack& conntrack();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctc::builtin
