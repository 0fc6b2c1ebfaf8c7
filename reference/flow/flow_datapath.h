// The reference flow datapath: runs a FlowProgram over frames the way Open
// vSwitch does, with the reference Conntrack behind ct(). Semantics, each
// from OVS (ovs-actions(7), ovs-fields(7), ofproto/ofproto-dpif-xlate.c):
//   - per table the highest-priority matching rule wins; a miss drops;
//   - ct(table=T) forks: the packet goes through conntrack and is
//     recirculated to table T with the new ct fields, while the rest of the
//     current action list continues with the packet as it was, untracked;
//   - after ct() without table= the ct fields read as cleared for matching
//     (compose_conntrack_action: flow_clear_conntrack);
//   - output to the input port is skipped (OpenFlow needs `in_port` for that);
//   - resubmit nests up to 64 deep; recirculation up to 6 deep (dpif-netdev
//     MAX_RECIRC_DEPTH); beyond that the packet is dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_program.h"

namespace ctc {

struct DatapathOutput {
  uint16_t port = 0;
  std::vector<uint8_t> frame;
  friend bool operator==(const DatapathOutput&, const DatapathOutput&) = default;
};

struct DatapathResult {
  std::vector<DatapathOutput> outputs;  // in the order they left
  // The ct_state the last ct(table=T) handed to table T; nullopt if none ran.
  std::optional<CtState> classification;
  std::string trace;  // filled when asked for
  // Buffers process() writes output frames into before allocating new ones:
  // it moves each output's frame here first. A caller that takes a frame by
  // swapping it with a spent buffer of its own (instead of moving it out)
  // gets that buffer refilled by a later packet.
  std::vector<std::vector<uint8_t>> spare_frames;
};

class FlowDatapath {
 public:
  // `profile` must outlive the datapath.
  FlowDatapath(const Profile& profile, FlowProgram program);
  ~FlowDatapath();
  FlowDatapath(FlowDatapath&&) noexcept;
  FlowDatapath& operator=(FlowDatapath&&) noexcept;

  // Ports that exist; output to any other port is dropped. Empty: all exist.
  void set_ports(std::vector<uint16_t> ports);

  DatapathResult process(uint16_t in_port, std::span<const uint8_t> frame, Timestamp now,
                         bool want_trace = false);
  // The same, filling `result` (cleared first) so that a caller processing
  // many packets reuses its storage.
  void process(uint16_t in_port, std::span<const uint8_t> frame, Timestamp now,
               DatapathResult& result, bool want_trace = false);

  Conntrack& conntrack();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctc
