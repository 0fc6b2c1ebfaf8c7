#include "adapters/ovs_conntrack_lib/ct_state_line.h"

#include <charconv>
#include <string>

namespace ctc::ovs_conntrack_lib {
namespace {

struct FlagName {
  std::string_view name;
  uint8_t bit;
};

// lib/packets.h CS_STATES (OVS 3.1.0).
constexpr FlagName kFlagNames[] = {
    {"new", CtState::kNew}, {"est", CtState::kEst}, {"rel", CtState::kRel},
    {"rpl", CtState::kRpl}, {"inv", CtState::kInv}, {"trk", CtState::kTrk},
    {"snat", CtState::kSnat}, {"dnat", CtState::kDnat},
};

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

Result<CtState> parse_ct_state_flags(std::string_view flags) {
  if (flags == "0") return CtState{};
  if (flags.empty()) return invalid_argument("empty ct_state flags");
  uint8_t bits = 0;
  size_t start = 0;
  for (;;) {
    const size_t bar = flags.find('|', start);
    const std::string_view item =
        flags.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    bool known = false;
    for (const FlagName& f : kFlagNames) {
      if (item == f.name) {
        if (bits & f.bit) return invalid_argument("ct_state flag " + quoted(item) + " twice in " + quoted(flags));
        bits |= f.bit;
        known = true;
        break;
      }
    }
    if (!known) {
      return invalid_argument("unknown ct_state flag " + quoted(item) + " in " + quoted(flags));
    }
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return CtState(bits);
}

Result<CtStateLine> parse_ct_state_line(std::string_view line) {
  const size_t colon = line.find(": ");
  if (colon == std::string_view::npos || colon == 0) {
    return invalid_argument("not a 'N: flags' line: " + quoted(line));
  }
  CtStateLine out;
  const char* first = line.data();
  const char* last = line.data() + colon;
  const auto [end, ec] = std::from_chars(first, last, out.packet_number);
  if (ec != std::errc() || end != last || out.packet_number == 0) {
    return invalid_argument("bad packet number in " + quoted(line));
  }
  auto state = parse_ct_state_flags(line.substr(colon + 2));
  if (!state.ok()) return state.error();
  out.state = *state;
  return out;
}

}  // namespace ctc::ovs_conntrack_lib
