#include "reference/flow/flow_program_cache.h"

namespace ctc {

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
