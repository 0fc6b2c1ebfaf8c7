#include "adapters/linux_netfilter/ovs_ct_state.h"

#include <sstream>
#include <vector>

namespace ctc::linux_netfilter {
namespace {

using Kind = LoggedCtState::Kind;

constexpr std::string_view kPrefixTag = "ctc";
constexpr std::string_view kInvalidWord = "inv";

const char *kind_word(Kind kind) {
  switch (kind) {
  case Kind::kNew:
    return "new";
  case Kind::kEstablished:
    return "est";
  case Kind::kRelated:
    return "rel";
  }
  return "?";
}

std::optional<Kind> parse_kind(std::string_view word) {
  if (word == "new")
    return Kind::kNew;
  if (word == "est")
    return Kind::kEstablished;
  if (word == "rel")
    return Kind::kRelated;
  return std::nullopt;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    if (space != 0)
      out.push_back(text.substr(0, space));
    if (space == std::string_view::npos)
      break;
    text.remove_prefix(space + 1);
  }
  return out;
}

// ovs_ct_get_state: the ctinfo's kind and direction.
uint8_t ctinfo_bits(const LoggedCtState &s) {
  uint8_t bits = CtState::kTrk;
  if (s.reply)
    bits |= CtState::kRpl;
  switch (s.kind) {
  case Kind::kNew:
    bits |= CtState::kNew;
    break;
  case Kind::kEstablished:
    bits |= CtState::kEst;
    break;
  case Kind::kRelated:
    bits |= CtState::kRel;
    break;
  }
  return bits;
}

// ovs_nat_update_key: the bit a manipulation of the source or destination adds.
uint8_t manip_bit(bool source) {
  return source ? CtState::kSnat : CtState::kDnat;
}

// ovs_ct_nat for a lookup carrying `nat` (no range): the manipulations it runs.
uint8_t lookup_nat_bits(const LoggedCtState &s) {
  // IP_CT_NEW is left alone and IP_CT_RELATED is NATed only on commit.
  if (s.kind == Kind::kNew || (s.kind == Kind::kRelated && !s.reply))
    return 0;
  if (!s.snat && !s.dnat)
    return 0;
  // "NAT an established or related connection like before": the source is
  // manipulated going out of an SNAT connection and coming back into a
  // DNAT-only one.
  const bool first_is_source = s.reply ? !s.snat : s.snat;
  uint8_t bits = manip_bit(first_is_source);
  if (s.dnat) {
    if (s.snat) {
      bits |= manip_bit(!first_is_source);
    } else if (!s.reply) {
      bits |= manip_bit(true); // the null SRC binding after a DNAT
    }
  }
  return bits;
}

} // namespace

std::string classify_log_prefix(const std::optional<LoggedCtState> &state) {
  std::ostringstream os;
  os << kPrefixTag << ' ';
  if (!state) {
    os << kInvalidWord;
    return os.str();
  }
  os << kind_word(state->kind) << (state->reply ? " rpl" : " orig");
  if (state->snat)
    os << " snat";
  if (state->dnat)
    os << " dnat";
  return os.str();
}

std::optional<std::optional<LoggedCtState>>
parse_classify_log_prefix(std::string_view prefix) {
  const std::vector<std::string_view> w = words(prefix);
  if (w.size() < 2 || w[0] != kPrefixTag)
    return std::nullopt;
  if (w[1] == kInvalidWord) {
    if (w.size() != 2)
      return std::nullopt;
    return std::optional<LoggedCtState>{};
  }
  const std::optional<Kind> kind = parse_kind(w[1]);
  if (!kind || w.size() < 3 || (w[2] != "orig" && w[2] != "rpl"))
    return std::nullopt;
  LoggedCtState s{.kind = *kind, .reply = w[2] == "rpl"};
  for (size_t i = 3; i < w.size(); ++i) {
    if (w[i] == "snat" && !s.snat && !s.dnat) {
      s.snat = true;
    } else if (w[i] == "dnat" && !s.dnat) {
      s.dnat = true;
    } else {
      return std::nullopt;
    }
  }
  return std::optional<LoggedCtState>(s);
}

CtState ovs_lookup_ct_state(const std::optional<LoggedCtState> &state,
                            bool nat_on_lookup) {
  if (!state)
    return CtState(CtState::kTrk | CtState::kInv);
  uint8_t bits = ctinfo_bits(*state);
  if (nat_on_lookup)
    bits |= lookup_nat_bits(*state);
  return CtState(bits);
}

} // namespace ctc::linux_netfilter
