// The line protocol between the kernel-ovs adapter (host) and its agent
// (adapters/kernel_ovs/agent_main.cpp, inside the VM), over one virtio-serial
// port. Shared by both sides, so that the encoding is written once.
//
// Every message is one line of words separated by single spaces, ended by
// '\n'. A word is escaped: the bytes '%', <= 0x20 and >= 0x7f become %XX
// (two upper-case hex digits), and the empty word is a lone '%' (which no
// escaped byte string can be), so a word can carry any byte string. Frames
// travel as lower-case hex words.
//
// Requests (host -> agent) and their replies (agent -> host); every reply
// starts with OK or ERR, ERR is followed by one word, the reason:
//
//   HELLO                           OK <agent-version> <kernel-release> <manifest-key>
//   PORTS <ofport>...               OK             exactly these scenario ports
//                                                  (and the probe port) exist
//   RUN <argv0> <arg>...            OK <exit-code> <stdout> <stderr>
//   WRITE <path> <content>          OK             (a file or a /proc/sys knob)
//   INJECT <ofport> <hex> <min-rounds> <max-rounds>
//                                   OK <rounds> <ofport>:<hex>...
//                                   the frames that left any port before the
//                                   barrier (probe port included), in the
//                                   order the agent read them; markers are
//                                   not listed
//   QUIT                            OK, then the agent exits and the VM powers off
//
// The agent also sends one unsolicited line when it is ready:
//
//   READY <agent-version> <kernel-release> <boot-ms>   or   FAILED <reason>
//
// Barrier (why INJECT takes rounds). In the kernel datapath a packet that
// misses the flow cache is queued to ovs-vswitchd (an upcall), and each
// recirculation (every ct(table=T)) may miss again: a later stage of the
// test frame is queued behind whatever was queued meanwhile, so one marker
// sent after the frame can overtake it. The agent makes the order
// deterministic: the VM has one CPU, ovs-vswitchd one upcall handler (FIFO),
// and other_config:flow-limit=0, so no datapath flow is ever installed and
// every stage of every frame, markers included, is an upcall handled in
// order (the actions, ct() included, still run in the kernel datapath:
// OVS_PACKET_CMD_EXECUTE). The agent then sends marker rounds: round r's
// marker is sent after round r-1's came back, so stage r of the test frame
// has run when marker r returns. It stops when every recirculation started
// has been seen to run: the rewritten program outputs a "pre" copy on the
// probe port just before each probed ct(table=) (kPreProbeMac) and the probe
// table outputs a probe copy when the recirculated packet arrives
// (ovs_probe.h); equal counts mean nothing is in flight. Without the probe
// (classification unavailable) the agent runs max-rounds rounds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc::kernel_ovs {

inline constexpr const char* kAgentVersion = "1";
// eth_dst of the copies sent just before a probed ct(table=):
// 02:c7:c7:01:00:00. ovs_probe.h's probe copies are 02:c7:c7:00:TT:SS.
inline constexpr uint8_t kPreProbeMac[6] = {0x02, 0xc7, 0xc7, 0x01, 0x00, 0x00};

std::string escape_word(std::string_view raw);
Result<std::string> unescape_word(std::string_view word);

// One line (without its '\n') from words, and back.
std::string encode_line(const std::vector<std::string>& words);
Result<std::vector<std::string>> decode_line(std::string_view line);

std::string to_hex(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> from_hex(std::string_view hex);

struct PortFrame {
  uint16_t ofport = 0;
  std::vector<uint8_t> bytes;
  friend bool operator==(const PortFrame&, const PortFrame&) = default;
};
std::string encode_port_frame(const PortFrame& frame);  // "<ofport>:<hex>"
Result<PortFrame> decode_port_frame(std::string_view word);

struct InjectReply {
  int rounds = 0;
  std::vector<PortFrame> frames;
};
std::vector<std::string> encode_inject_reply(const InjectReply& reply);  // words after OK
Result<InjectReply> decode_inject_reply(std::span<const std::string> words);

// Frame kinds seen on the probe port.
bool is_pre_probe_frame(std::span<const uint8_t> frame);
bool is_probe_frame(std::span<const uint8_t> frame);

// The barrier rule above: after `rounds` marker rounds with these probe-port
// counts, is the injected frame done?
struct BarrierTally {
  int rounds = 0;
  int pre_copies = 0;
  int probe_copies = 0;
};
bool barrier_settled(const BarrierTally& tally, int min_rounds, int max_rounds);

// The flow program as loaded in the VM: ovs_probe.h's program with a pre copy
// before every probed ct(table=P) (see the barrier above). `probe_tables` are
// the P tables of the probe.
std::string add_barrier_copies(const std::string& probe_flows,
                               const std::vector<uint8_t>& probe_tables);

}  // namespace ctc::kernel_ovs
