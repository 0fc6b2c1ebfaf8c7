// Turns a decoded op (fuzz/diff_input.h) into a frame, with PacketBuilder
// only. ICMP errors quote an earlier frame of the same run, so the builder
// sees the run's history.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fuzz/diff_input.h"
#include "reference/packet/packet.h"

namespace ctc::fuzz {

// A frame injected earlier in the run and what the reference made of it.
struct SentFrame {
  Packet injected;
  // The reference's first output (after NAT), empty if it dropped the frame.
  // Kept as bytes and parsed only when an ICMP error quotes it: most are never quoted.
  std::vector<uint8_t> emitted;
};

// The packet an injecting op describes; nullopt for an ICMP error when
// nothing was sent yet (the op is then skipped, by both sides alike).
// `spent`, a packet the caller is done with, lends its storage.
std::optional<Packet> build_packet(const Op& op, const PipelineSpec& spec,
                                   std::span<const SentFrame> history, Packet&& spent = {});

}  // namespace ctc::fuzz
