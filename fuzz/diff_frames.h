// Turns a decoded op (fuzz/diff_input.h) into a frame, with PacketBuilder
// only. ICMP errors quote an earlier frame of the same run, so the builder
// sees the run's history.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "fuzz/diff_input.h"
#include "reference/packet/packet.h"

namespace ctc::fuzz {

// A frame injected earlier in the run and what the reference made of it.
struct SentFrame {
  // The op that sent it (in the run's Input) and how many frames were sent
  // before it: enough to build the packet again when an ICMP error quotes
  // it. Most frames are never quoted, so the packet is built only then.
  const Op* op = nullptr;
  size_t earlier = 0;
  mutable std::optional<Packet> injected;  // built on the first quote
  // The reference's first output (after NAT), empty if it dropped the frame.
  // Kept as bytes and parsed only when an ICMP error quotes it.
  std::vector<uint8_t> emitted;
};

// The packet an injecting op describes; nullopt for an ICMP error when
// nothing was sent yet (the op is then skipped, by both sides alike).
std::optional<Packet> build_packet(const Op& op, const PipelineSpec& spec,
                                   std::span<const SentFrame> history);

// The frames of ops that quote nothing (every injecting op but ICMP errors)
// depend on the op and the header alone. They are built once and kept across
// runs: a mutated input shares most of its ops with the input it came from,
// so most frames of a fuzzing run are found here rather than built.
class FrameCache {
 public:
  explicit FrameCache(size_t capacity = 65536) : capacity_(capacity) {}

  // The frame of `op` (not an ICMP error) under `header`, whose pipeline
  // is `spec`. Valid until the next start_run().
  std::span<const uint8_t> frame(const Header& header, const PipelineSpec& spec, const Op& op);
  // Called before each run: a full cache is emptied here, never mid-run.
  void start_run() {
    if (frames_.size() >= capacity_) frames_.clear();
  }
  size_t size() const { return frames_.size(); }

 private:
  // The op's canonical record and the header's bits: equal keys, equal frames.
  using Key = std::array<uint8_t, kOpSize + 4>;
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  size_t capacity_;
  std::unordered_map<Key, std::vector<uint8_t>, KeyHash> frames_;
};

}  // namespace ctc::fuzz
