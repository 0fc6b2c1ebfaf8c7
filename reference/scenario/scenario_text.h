// The on-disk scenario format, version 1: a text file a person can read and
// write by hand, packets inline (packet specs or hex) or in a pcap beside it.
//
//   ctconform-scenario 1
//   name: tcp-handshake
//   description: three-way handshake through a two-port stateful firewall
//   profiles: linux ovs-userspace          (optional; default: every profile)
//   features: tcp firewall
//   origin: hand-written
//   port 1 vm
//   port 2 uplink
//   flows:
//     table=0,priority=10,ip,ct_state=-trk,actions=ct(table=1,zone=1)
//     ...
//   end
//   steps:
//     inject 1 tcp 10.0.0.1:1234 > 10.0.0.2:80 S seq=100 -> 2 ct=+trk+new
//     inject 2 pcap 3 -> drop
//     inject 1 hex 0000000000020000... -> 2,3
//     advance 30s            (also 1500ms, 2m, 1h)
//     flush                  (or: flush zone=1)
//     check                  (compare tables; or "check:" with expected rows until "end")
//
// Expectations after "->" are optional: output ports ("drop" for none) and the
// ct_state classification: the packet's ct_state at its first output, "ct=-"
// for untracked (adapters/adapter.h InjectResult::classification).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "reference/common/result.h"
#include "reference/scenario/scenario.h"

namespace ctc {

inline constexpr std::string_view kScenarioMagic = "ctconform-scenario 1";

// Supplies the frame at index N (0-based) of the pcap beside the scenario.
using PcapFrameSource = std::function<Result<std::vector<uint8_t>>(size_t index)>;

// Errors name the file (scenario.source_path = `path`), the line and the problem.
Result<Scenario> parse_scenario_text(std::string_view text, const std::string& path,
                                     const PcapFrameSource& pcap_frames);

// The text form. With frames_in_pcap, injected frames are written as "pcap N"
// in step order (the caller writes the pcap with the same frames in that
// order); otherwise as hex. The packet's one-line summary goes in a comment.
std::string format_scenario_text(const Scenario& scenario, bool frames_in_pcap);

Result<Duration> parse_duration(std::string_view text);  // "30s", "1500ms", "2m", "1h", "250us"
std::string format_duration(Duration d);

}  // namespace ctc
