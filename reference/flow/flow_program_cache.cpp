#include "reference/flow/flow_program_cache.h"

#include <cstdint>
#include <cstring>

namespace ctc {

size_t FlowProgramCache::TextHash::operator()(std::string_view text) const {
  // A multiply and a shift per word, in four independent lanes so that the
  // multiplies of consecutive words overlap instead of waiting on each other
  // (every load of a fuzzing run hashes a text of kilobytes). Equal hashes
  // are told apart by the map's full comparison, so only the spread over
  // buckets matters.
  constexpr uint64_t kMul = 0xbf58476d1ce4e5b9ULL;
  uint64_t lane[4] = {0x9e3779b97f4a7c15ULL ^ text.size(), 0x6a09e667f3bcc909ULL,
                      0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL};
  size_t i = 0;
  for (; i + 32 <= text.size(); i += 32) {
    for (int l = 0; l < 4; ++l) {
      uint64_t word = 0;
      std::memcpy(&word, text.data() + i + 8 * l, sizeof word);
      lane[l] = (lane[l] ^ word) * kMul;
      lane[l] ^= lane[l] >> 29;
    }
  }
  uint64_t h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (i < text.size()) std::memcpy(&tail, text.data() + i, text.size() - i);
  h = (h ^ tail) * 0x94d049bb133111ebULL;
  return static_cast<size_t>(h ^ (h >> 31));
}

Result<std::shared_ptr<const FlowProgram>> FlowProgramCache::get(std::string_view text) {
  if (auto it = programs_.find(text); it != programs_.end()) return it->second;
  auto parsed = parse_flow_program(text);
  if (!parsed.ok()) return parsed.error();
  if (programs_.size() >= kCapacity) programs_.clear();
  auto program = std::make_shared<const FlowProgram>(std::move(parsed).value());
  programs_.emplace(std::string(text), program);
  return program;
}

}  // namespace ctc
