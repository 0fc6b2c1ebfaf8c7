// Parsed programs by their text. Fuzzing and property runs load a handful of
// generated pipelines thousands of times; parsing each load would cost more
// than running its packets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "reference/common/result.h"
#include "reference/flow/flow_program.h"

namespace ctc {

class FlowProgramCache {
 public:
  // The parsed program for `text`, parsed now if it is not cached. Parse
  // errors are not cached.
  Result<std::shared_ptr<const FlowProgram>> get(std::string_view text);

 private:
  // Bounded so that a long campaign over many generated programs cannot
  // grow it without end: when full it starts over. Room for the few hundred
  // pipelines of a fuzzing corpus, which would otherwise be parsed again and
  // again.
  static constexpr size_t kCapacity = 1024;
  // Transparent, so that a lookup hashes the caller's text without copying
  // it; eight bytes at a time, as every load hashes a text of kilobytes.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const;
  };
  std::unordered_map<std::string, std::shared_ptr<const FlowProgram>, TextHash, std::equal_to<>>
      programs_;
};

}  // namespace ctc
