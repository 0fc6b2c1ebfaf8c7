// Flow program parser: any text gives a program or an error naming a line,
// never a crash. Whatever parses must print back: every action's to_string()
// is ovs-ofctl syntax that, put in place of the rule's own action list,
// parses again to the same actions (the match part is kept as written, since
// some actions need it: ct() wants ip or ipv6, mod_tp_src a transport).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference/flow/flow_program.h"

namespace {

// Past this, inputs only make the fuzzer slower, not the parser deeper.
constexpr size_t kMaxInput = 8192;

// An empty action list and `drop` mean the same (ovs-actions(7)).
bool same_actions(const std::vector<ctc::FlowAction>& a, const std::vector<ctc::FlowAction>& b) {
  auto is_drop = [](const std::vector<ctc::FlowAction>& v) {
    return v.empty() || (v.size() == 1 && std::holds_alternative<ctc::DropAction>(v[0]));
  };
  return a == b || (is_drop(a) && is_drop(b));
}

void check_round_trip(const ctc::FlowRule& rule) {
  std::string printed;
  for (const ctc::FlowAction& action : rule.actions) {
    printed += (printed.empty() ? "" : ",") + ctc::to_string(action);
  }
  // `actions=` ends a rule in ovs-ofctl syntax; a rule written otherwise
  // (e.g. `actions:`) is only checked for printing without a crash.
  const size_t at = rule.text.find("actions=");
  if (at == std::string::npos) return;
  const std::string again_text =
      rule.text.substr(0, at) + "actions=" + (printed.empty() ? "drop" : printed);
  auto again = ctc::parse_flow_program(again_text);
  if (!again.ok() || again->rules.size() != 1 ||
      !same_actions(again->rules[0].actions, rule.actions)) {
    std::fprintf(stderr, "flow round trip failed\n  written: %s\n  printed: %s\n  %s\n",
                 rule.text.c_str(), again_text.c_str(),
                 again.ok() ? "actions differ" : again.error().message.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto program = ctc::parse_flow_program(text);
  if (!program.ok()) return 0;
  for (const ctc::FlowRule& rule : program->rules) check_round_trip(rule);
  return 0;
}
