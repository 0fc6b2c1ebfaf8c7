// Parser for the `ovs-ofctl add-flows` subset described in flow_program.h.
//
// Sources for the accepted syntax and the rules enforced:
//  - ovs-ofctl(8) "Flow Syntax": rules are comma- or space-separated
//    key=value matches followed by actions=...; '#' starts a comment.
//  - ovs-fields(7): field names, widths, maskability and prerequisites.
//  - ovs-actions(7): action syntax, ct() options, nat() ranges.
// Whatever OVS itself would reject (prerequisites, exec without commit, ...)
// is rejected here too, so a program that parses here also loads into OVS.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "reference/flow/flow_program.h"
#include "reference/packet/addresses.h"

namespace ctc {
namespace {

using u128 = unsigned __int128;

// ---------------------------------------------------------------------------
// Failure reporting

// Rules nest deeply (rule -> ct() -> nat() -> range), so a failure deep inside
// travels to parse_flow_program() as an internal exception and is turned into
// an Error there. Nothing is thrown across the module boundary. `at` points
// into the line being parsed, which gives the column for free.
struct ParseFailure {
  const char* at;
  Error error;
};

[[noreturn]] void fail(std::string_view at, std::string message) {
  throw ParseFailure{at.data(), invalid_argument(std::move(message))};
}

// Well-formed OVS syntax that this suite deliberately does not model.
[[noreturn]] void fail_out_of_scope(std::string_view at, std::string message) {
  throw ParseFailure{at.data(), unsupported(std::move(message))};
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// ---------------------------------------------------------------------------
// Text helpers. Every piece stays a view into the original line.

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Splits at commas (and, if `on_space`, white space) that are not inside
// parentheses; empty pieces are dropped, as ovs-ofctl skips repeated
// delimiters. Unbalanced parentheses are an error.
std::vector<std::string_view> split_top_level(std::string_view s, bool on_space) {
  std::vector<std::string_view> out;
  std::vector<size_t> open;  // positions of unclosed '('
  size_t start = 0;
  auto flush = [&](size_t end) {
    std::string_view piece = trim(s.substr(start, end - start));
    if (!piece.empty()) out.push_back(piece);
    start = end + 1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(') {
      open.push_back(i);
    } else if (c == ')') {
      if (open.empty()) fail(s.substr(i), "unbalanced parentheses: ')' without matching '('");
      open.pop_back();
    } else if (open.empty() && (c == ',' || (on_space && is_space(c)))) {
      flush(i);
    }
  }
  if (!open.empty()) fail(s.substr(open.back()), "unbalanced parentheses: '(' is never closed");
  flush(s.size());
  return out;
}

// "key=value" -> (key, value); no '=' gives an empty value view positioned
// after the key, and `has_value` false.
struct KeyValue {
  std::string_view key;
  std::string_view value;
  bool has_value = false;
};
KeyValue split_key_value(std::string_view token, char separator) {
  const size_t eq = token.find(separator);
  if (eq == std::string_view::npos) return {token, token.substr(token.size()), false};
  return {token.substr(0, eq), token.substr(eq + 1), true};
}

// "name(args)": the name and the text between the outer parentheses.
struct Call {
  std::string_view name;
  std::string_view args;
};
std::optional<Call> split_call(std::string_view token) {
  const size_t open = token.find('(');
  if (open == std::string_view::npos) return std::nullopt;
  if (token.back() != ')') fail(token.substr(token.size() - 1), "expected ')' at the end of " + quoted(token));
  return Call{token.substr(0, open), token.substr(open + 1, token.size() - open - 2)};
}

// ---------------------------------------------------------------------------
// Numbers and 128-bit values

u128 to_u128(const U128& v) { return (u128{v.hi} << 64) | v.lo; }
U128 from_u128(u128 v) { return {static_cast<uint64_t>(v >> 64), static_cast<uint64_t>(v)}; }
u128 ones(unsigned bits) { return bits >= 128 ? ~u128{0} : (u128{1} << bits) - 1; }

std::string hex(u128 v) {
  std::string digits;
  do {
    digits.insert(digits.begin(), "0123456789abcdef"[static_cast<unsigned>(v & 0xf)]);
    v >>= 4;
  } while (v != 0);
  return "0x" + digits;
}

std::string decimal(u128 v) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<unsigned>(v % 10)));
    v /= 10;
  } while (v != 0);
  return digits;
}

// Decimal or 0x-prefixed hexadecimal, the integer forms ovs-ofctl accepts.
// nullopt when malformed or wider than 128 bits.
std::optional<u128> parse_number(std::string_view text) {
  u128 value = 0;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    if (text.empty() || text.size() > 32) return std::nullopt;
    for (char c : text) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      const unsigned d = std::isdigit(static_cast<unsigned char>(c))
                             ? static_cast<unsigned>(c - '0')
                             : static_cast<unsigned>(std::tolower(c) - 'a' + 10);
      value = (value << 4) | d;
    }
    return value;
  }
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    const u128 next = value * 10 + static_cast<unsigned>(c - '0');
    if (next / 10 != value) return std::nullopt;  // overflow
    value = next;
  }
  return value;
}

// A number that must fit in `bits` bits; `what` names it in errors.
u128 number_of_width(std::string_view text, unsigned bits, std::string_view what) {
  const std::optional<u128> value = parse_number(text);
  if (!value) fail(text, std::string(what) + ": " + quoted(text) + " is not a number");
  if (*value > ones(bits)) {
    fail(text, std::string(what) + ": " + quoted(text) + " does not fit in " +
                   std::to_string(bits) + " bits");
  }
  return *value;
}

uint8_t table_number(std::string_view text, std::string_view what) {
  // Table 255 is OFPTT_ALL, not a real table (ovs-ofctl(8) "table=").
  const u128 t = number_of_width(text, 8, what);
  if (t == 255) fail(text, std::string(what) + ": table 255 is reserved");
  return static_cast<uint8_t>(t);
}

// ---------------------------------------------------------------------------
// Per-field knowledge the parser needs beyond FieldInfo

// ovs-fields(7) "Maskable:" lines.
bool is_maskable(FlowField f) {
  switch (f) {
    case FlowField::kDlSrc: case FlowField::kDlDst: case FlowField::kNwSrc:
    case FlowField::kNwDst: case FlowField::kIpv6Src: case FlowField::kIpv6Dst:
    case FlowField::kTpSrc: case FlowField::kTpDst: case FlowField::kTcpFlags:
    case FlowField::kCtState: case FlowField::kCtMark: case FlowField::kCtLabel:
    case FlowField::kReg0: case FlowField::kReg1: case FlowField::kReg2:
    case FlowField::kReg3: case FlowField::kReg4: case FlowField::kReg5:
    case FlowField::kReg6: case FlowField::kReg7: case FlowField::kMetadata:
      return true;
    default:
      return false;
  }
}

// The mask of an exact match or a whole-field write. nw_tos only ever covers
// the DSCP bits: OVS neither matches nor sets ECN through nw_tos.
u128 full_mask(FlowField f) {
  if (f == FlowField::kNwTos) return 0xfc;
  return ones(field_info(f).bits);
}

// NXM/OXM names are subfield syntax only: ovs-ofctl looks match keys and
// set_field targets up by ovs-fields(7) name (mf_from_name), load/move
// subfields by either.
bool is_nxm_name(std::string_view name) {
  return name.starts_with("NXM_") || name.starts_with("OXM_");
}

enum class Prereq { kNone, kIpv4, kIpv6, kIpAny, kTcpOrUdp, kTcp, kUdp, kIcmpV4, kIcmpV6 };

// ovs-fields(7) "Prerequisites:". Several names share one FlowField but not
// one prerequisite (tcp_src vs udp_src, icmp_type vs icmpv6_type), so the
// name as written decides.
Prereq prereq_of(FlowField f, std::string_view name) {
  const bool v6_name = name.find("icmpv6") != std::string_view::npos ||
                       name.find("ICMPV6") != std::string_view::npos;
  switch (f) {
    case FlowField::kNwSrc: case FlowField::kNwDst: return Prereq::kIpv4;
    case FlowField::kIpv6Src: case FlowField::kIpv6Dst: return Prereq::kIpv6;
    case FlowField::kNwProto: case FlowField::kNwTos: case FlowField::kIpDscp:
    case FlowField::kNwTtl:
      return Prereq::kIpAny;
    case FlowField::kTpSrc: case FlowField::kTpDst:
      // tp_src/tp_dst follow nw_proto (ovs-ofctl(8)); the others are specific.
      if (name.find("tcp") != std::string_view::npos || name.find("TCP") != std::string_view::npos) {
        return Prereq::kTcp;
      }
      if (name.find("udp") != std::string_view::npos || name.find("UDP") != std::string_view::npos) {
        return Prereq::kUdp;
      }
      return Prereq::kTcpOrUdp;
    case FlowField::kIcmpType: case FlowField::kIcmpCode:
      return v6_name ? Prereq::kIcmpV6 : Prereq::kIcmpV4;
    case FlowField::kTcpFlags: return Prereq::kTcp;
    default: return Prereq::kNone;
  }
}

const char* describe(Prereq p) {
  switch (p) {
    case Prereq::kNone: return "nothing";
    case Prereq::kIpv4: return "ip (dl_type=0x0800)";
    case Prereq::kIpv6: return "ipv6 (dl_type=0x86dd)";
    case Prereq::kIpAny: return "ip or ipv6";
    case Prereq::kTcpOrUdp: return "tcp or udp (nw_proto=6 or 17)";
    case Prereq::kTcp: return "tcp (nw_proto=6)";
    case Prereq::kUdp: return "udp (nw_proto=17)";
    case Prereq::kIcmpV4: return "icmp (dl_type=0x0800, nw_proto=1)";
    case Prereq::kIcmpV6: return "icmp6 (dl_type=0x86dd, nw_proto=58)";
  }
  return "?";
}

constexpr uint16_t kEthIp = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;
constexpr uint16_t kEthArp = 0x0806;

// The exactly matched value of `f`, if the rule matches it exactly.
std::optional<u128> exact_value(const std::vector<FieldMatch>& matches, FlowField f) {
  for (const FieldMatch& m : matches) {
    if (m.field == f && to_u128(m.mask) == full_mask(f)) return to_u128(m.value);
  }
  return std::nullopt;
}

bool prereq_met(Prereq p, const std::vector<FieldMatch>& matches) {
  const std::optional<u128> dl_type = exact_value(matches, FlowField::kDlType);
  const std::optional<u128> proto = exact_value(matches, FlowField::kNwProto);
  const bool ip4 = dl_type == kEthIp;
  const bool ip6 = dl_type == kEthIpv6;
  switch (p) {
    case Prereq::kNone: return true;
    case Prereq::kIpv4: return ip4;
    case Prereq::kIpv6: return ip6;
    case Prereq::kIpAny: return ip4 || ip6;
    case Prereq::kTcpOrUdp: return (ip4 || ip6) && (proto == 6 || proto == 17);
    case Prereq::kTcp: return (ip4 || ip6) && proto == 6;
    case Prereq::kUdp: return (ip4 || ip6) && proto == 17;
    case Prereq::kIcmpV4: return ip4 && proto == 1;
    case Prereq::kIcmpV6: return ip6 && proto == 58;
  }
  return false;
}

void require_prereqs(FlowField f, std::string_view name, const std::vector<FieldMatch>& matches,
                     std::string_view at) {
  const Prereq p = prereq_of(f, name);
  if (!prereq_met(p, matches)) {
    fail(at, std::string(name) + " prerequisites not met: the match needs " + describe(p));
  }
}

// ---------------------------------------------------------------------------
// Field values: addresses, flags and integers, each with an optional /mask

struct Masked {
  u128 value = 0;
  u128 mask = 0;
};

u128 mac_bits(const MacAddress& mac) {
  u128 v = 0;
  for (uint8_t b : mac.bytes) v = (v << 8) | b;
  return v;
}

u128 ip_bits(const IpAddress& ip) {
  u128 v = 0;
  for (size_t i = 0; i < ip.size(); ++i) v = (v << 8) | ip.bytes[i];
  return v;
}

IpAddress ip_from_bits(u128 v, IpFamily family) {
  if (family == IpFamily::kV4) return IpAddress::v4(static_cast<uint32_t>(v));
  std::array<uint8_t, 16> bytes{};
  for (int i = 15; i >= 0; --i, v >>= 8) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  return IpAddress::v6(bytes);
}

MacAddress mac_from_bits(u128 v) {
  MacAddress mac;
  for (int i = 5; i >= 0; --i, v >>= 8) mac.bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  return mac;
}

// `text` split at the first '/', the mask view empty when there is none.
std::pair<std::string_view, std::optional<std::string_view>> split_mask(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return {text, std::nullopt};
  return {text.substr(0, slash), text.substr(slash + 1)};
}

MacAddress parse_mac(std::string_view text) {
  Result<MacAddress> mac = MacAddress::parse(text);
  if (!mac) fail(text, mac.error().message);
  return *mac;
}

IpAddress parse_ip(std::string_view text, IpFamily family) {
  Result<IpAddress> ip = IpAddress::parse(text);
  if (!ip) fail(text, ip.error().message);
  if (ip->family != family) {
    fail(text, quoted(text) + " is not an " + (family == IpFamily::kV4 ? "IPv4" : "IPv6") +
                   " address");
  }
  return *ip;
}

// ADDR, ADDR/PREFIXLEN or ADDR/MASKADDR (ovs-fields(7) allows arbitrary masks).
Masked parse_ip_masked(std::string_view text, IpFamily family) {
  const unsigned width = family == IpFamily::kV4 ? 32 : 128;
  auto [addr_text, mask_text] = split_mask(text);
  const u128 addr = ip_bits(parse_ip(addr_text, family));
  u128 mask = ones(width);
  if (mask_text) {
    const bool is_prefix = std::all_of(mask_text->begin(), mask_text->end(),
                                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (is_prefix && !mask_text->empty()) {
      const u128 len = number_of_width(*mask_text, 16, "prefix length");
      if (len > width) fail(*mask_text, "prefix length " + std::string(*mask_text) + " exceeds " + std::to_string(width));
      mask = len == 0 ? 0 : ones(width) & ~ones(width - static_cast<unsigned>(len));
    } else {
      mask = ip_bits(parse_ip(*mask_text, family));
    }
  }
  return {addr & mask, mask};
}

struct FlagName {
  std::string_view name;
  unsigned bit;
};
constexpr FlagName kCtStateFlags[] = {
    {"new", CtState::kNew}, {"est", CtState::kEst}, {"rel", CtState::kRel},
    {"rpl", CtState::kRpl}, {"inv", CtState::kInv}, {"trk", CtState::kTrk},
    {"snat", CtState::kSnat}, {"dnat", CtState::kDnat},
};
constexpr FlagName kTcpFlags[] = {
    {"fin", 0x001}, {"syn", 0x002}, {"rst", 0x004}, {"psh", 0x008}, {"ack", 0x010},
    {"urg", 0x020}, {"ece", 0x040}, {"cwr", 0x080}, {"ns", 0x100},
};

// "+trk+est-new": '+' requires a flag set, '-' requires it clear, unnamed
// flags are wildcards (ovs-fields(7) "Flag fields"). Every name needs a sign.
template <size_t N>
Masked parse_flags(std::string_view text, const FlagName (&names)[N], std::string_view field) {
  Masked m;
  size_t at = 0;
  while (at < text.size()) {
    const char sign = text[at];
    if (sign != '+' && sign != '-') {
      fail(text.substr(at), std::string(field) + ": each flag must be preceded by '+' (set) or '-' (clear)");
    }
    size_t end = text.find_first_of("+-", at + 1);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view name = text.substr(at + 1, end - at - 1);
    const auto it = std::find_if(std::begin(names), std::end(names),
                                 [&](const FlagName& f) { return f.name == name; });
    if (it == std::end(names)) fail(name, std::string(field) + ": unknown flag " + quoted(name));
    if ((m.mask & it->bit) != 0) fail(name, std::string(field) + ": flag " + quoted(name) + " given twice");
    m.mask |= it->bit;
    if (sign == '+') m.value |= it->bit;
    at = end;
  }
  return m;
}

CtLabel parse_label(std::string_view text) {
  Result<CtLabel> label = CtLabel::parse(text);
  if (!label) fail(text, label.error().message);
  return *label;
}

// The value of field `f` as written after `field=` in a match or after
// `set_field:`. `name` is the field as the user spelled it.
Masked parse_field_value(FlowField f, std::string_view text, std::string_view name, bool in_match) {
  const FieldInfo& info = field_info(f);
  if (text.empty()) fail(text, std::string(name) + ": missing value");
  auto [value_text, mask_text] = split_mask(text);
  if (mask_text && !is_maskable(f)) {
    fail(text.substr(value_text.size()), std::string(name) + " does not support masking (ovs-fields(7))");
  }
  Masked m;
  switch (f) {
    case FlowField::kDlSrc:
    case FlowField::kDlDst:
      m.value = mac_bits(parse_mac(value_text));
      m.mask = mask_text ? mac_bits(parse_mac(*mask_text)) : ones(48);
      break;
    case FlowField::kNwSrc:
    case FlowField::kNwDst:
      return parse_ip_masked(text, IpFamily::kV4);
    case FlowField::kIpv6Src:
    case FlowField::kIpv6Dst:
      return parse_ip_masked(text, IpFamily::kV6);
    case FlowField::kCtState:
    case FlowField::kTcpFlags:
      // Flag form ("+trk-new") or a number with an optional numeric mask.
      if (!std::isdigit(static_cast<unsigned char>(text.front()))) {
        return f == FlowField::kCtState ? parse_flags(text, kCtStateFlags, name)
                                        : parse_flags(text, kTcpFlags, name);
      }
      m.value = number_of_width(value_text, info.bits, name);
      m.mask = mask_text ? number_of_width(*mask_text, info.bits, name) : ones(info.bits);
      break;
    case FlowField::kCtLabel: {
      const CtLabel value = parse_label(value_text);
      m.value = to_u128(U128{value.hi, value.lo});
      m.mask = ones(128);
      if (mask_text) {
        const CtLabel mask = parse_label(*mask_text);
        m.mask = to_u128(U128{mask.hi, mask.lo});
      }
      break;
    }
    case FlowField::kDlVlan: {
      // ovs-fields(7) dl_vlan: 0xffff matches packets without an 802.1Q tag.
      const u128 vid = number_of_width(value_text, 16, name);
      if (vid == 0xffff && in_match) return {0xffff, 0xffff};
      if (vid > 0xfff) fail(value_text, std::string(name) + ": VLAN id " + std::string(value_text) + " exceeds 4095");
      m = {vid, 0xfff};
      break;
    }
    case FlowField::kNwTos:
      // nw_tos carries DSCP<<2; OVS rejects values touching the ECN bits.
      m.value = number_of_width(value_text, 8, name);
      if ((m.value & 0x3) != 0) fail(value_text, std::string(name) + ": the low 2 (ECN) bits must be zero");
      m.mask = 0xfc;
      break;
    case FlowField::kInPort: {
      const u128 port = number_of_width(value_text, 16, name);
      // Above OFPP_MAX (0xff00) lie the reserved ports: LOCAL, IN_PORT, ...
      if (port >= 0xff00) fail_out_of_scope(value_text, "reserved port " + std::string(value_text) + " is out of scope");
      m = {port, ones(16)};
      break;
    }
    default:
      m.value = number_of_width(value_text, info.bits, name);
      m.mask = mask_text ? number_of_width(*mask_text, info.bits, name) : ones(info.bits);
      break;
  }
  m.value &= m.mask;
  return m;
}

// How a value of `f` reads in ovs-ofctl syntax.
std::string format_value(FlowField f, u128 v) {
  switch (f) {
    case FlowField::kDlSrc: case FlowField::kDlDst: return mac_from_bits(v).to_string();
    case FlowField::kNwSrc: case FlowField::kNwDst: return ip_from_bits(v, IpFamily::kV4).to_string();
    case FlowField::kIpv6Src: case FlowField::kIpv6Dst: return ip_from_bits(v, IpFamily::kV6).to_string();
    case FlowField::kInPort: case FlowField::kDlVlan: case FlowField::kNwTos: case FlowField::kIpDscp:
    case FlowField::kNwTtl: case FlowField::kTpSrc: case FlowField::kTpDst: case FlowField::kIcmpType:
    case FlowField::kIcmpCode:
      return decimal(v);
    default:
      return hex(v);
  }
}

// ---------------------------------------------------------------------------
// Subfields: FIELD, FIELD[], FIELD[bit], FIELD[start..end]

struct ParsedRef {
  FieldRef ref;
  std::string_view name;  // as written, for prerequisite messages
};

ParsedRef parse_field_ref(std::string_view text) {
  const size_t open = text.find('[');
  const std::string_view name = text.substr(0, open);
  const std::optional<FlowField> field = field_by_name(name);
  if (!field) fail(name, "unknown field " + quoted(name));
  const unsigned width = field_info(*field).bits;
  ParsedRef out{{*field, 0, width}, name};
  if (open == std::string_view::npos) return out;
  if (text.back() != ']') fail(text.substr(open), "expected ']' to close the bit range of " + quoted(name));
  const std::string_view range = text.substr(open + 1, text.size() - open - 2);
  if (range.empty()) return out;
  const size_t dots = range.find("..");
  const std::string_view first = range.substr(0, dots);
  const std::string_view last = dots == std::string_view::npos ? first : range.substr(dots + 2);
  const u128 start = number_of_width(first, 16, "bit index");
  const u128 end = number_of_width(last, 16, "bit index");
  if (start > end) fail(range, "bit range " + quoted(range) + " runs backwards");
  if (end >= width) {
    fail(range, "bit range " + quoted(range) + " exceeds " + quoted(name) + "'s " +
                    std::to_string(width) + " bits");
  }
  out.ref.offset = static_cast<unsigned>(start);
  out.ref.n_bits = static_cast<unsigned>(end - start + 1);
  return out;
}

std::string format_ref(const FieldRef& r) {
  const FieldInfo& info = field_info(r.field);
  std::string out = info.name;
  if (r.offset == 0 && r.n_bits == info.bits) return out + "[]";
  return out + "[" + std::to_string(r.offset) + ".." + std::to_string(r.offset + r.n_bits - 1) + "]";
}

// ---------------------------------------------------------------------------
// One rule

struct Shorthand {
  std::string_view name;
  uint16_t dl_type;
  uint8_t nw_proto;  // 0: none
};
// ovs-fields(7) "Protocol shorthands" (the subset modelled).
constexpr Shorthand kShorthands[] = {
    {"ip", kEthIp, 0},     {"ipv6", kEthIpv6, 0}, {"tcp", kEthIp, 6},   {"tcp6", kEthIpv6, 6},
    {"udp", kEthIp, 17},   {"udp6", kEthIpv6, 17}, {"icmp", kEthIp, 1}, {"icmp6", kEthIpv6, 58},
    {"arp", kEthArp, 0},
};

// Actions ovs-actions(7) defines that this suite does not model: naming one
// is an "out of scope" error rather than "unknown action".
constexpr std::string_view kOutOfScopeActions[] = {
    "normal", "flood", "all", "controller", "local", "in_port", "learn", "group", "meter",
    "enqueue", "bundle", "bundle_load", "multipath", "clone", "sample", "note", "push_vlan",
    "pop_vlan", "strip_vlan", "mod_vlan_vid", "mod_vlan_pcp", "push_mpls", "pop_mpls",
    "set_tunnel", "set_tunnel64", "set_queue", "pop_queue", "dec_mpls_ttl", "check_pkt_larger",
    "conjunction", "fin_timeout", "write_metadata", "write_actions", "clear_actions", "exit",
    "encap", "decap", "mod_nw_ecn", "mod_nw_ttl", "output_trunc", "stack_push", "stack_pop",
    "push", "pop", "debug_recirc", "debug_slow",
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_out_of_scope_action(std::string_view name) {
  return std::any_of(std::begin(kOutOfScopeActions), std::end(kOutOfScopeActions),
                     [&](std::string_view n) { return iequals(n, name); });
}

// OpenFlow reserved port names (ovs-ofctl(8) "output:port"); none is modelled.
bool is_reserved_port_name(std::string_view name) {
  constexpr std::string_view kNames[] = {"in_port", "table", "normal", "flood", "all",
                                         "controller", "local", "none", "any"};
  return std::any_of(std::begin(kNames), std::end(kNames), [&](std::string_view n) { return iequals(n, name); });
}

class RuleParser {
 public:
  RuleParser(std::string_view rule, size_t line) {
    rule_.line = line;
    rule_.text = std::string(rule);
    text_ = rule;
  }

  FlowRule parse() {
    const size_t actions_at = find_actions_keyword();
    if (actions_at == std::string_view::npos) {
      fail(text_.substr(text_.size()), "missing actions=... (ovs-ofctl(8): every flow needs actions)");
    }
    parse_matches(text_.substr(0, actions_at));
    check_match_prerequisites();
    const size_t eq = text_.find('=', actions_at);
    parse_actions(text_.substr(eq + 1));
    return std::move(rule_);
  }

 private:
  // Where "actions=" (or "action=") starts a token; everything after it is
  // the action list (ovs-ofctl(8): actions must come last).
  size_t find_actions_keyword() {
    for (std::string_view word : {"actions=", "action="}) {
      for (size_t at = text_.find(word); at != std::string_view::npos; at = text_.find(word, at + 1)) {
        if (at == 0 || text_[at - 1] == ',' || is_space(text_[at - 1])) return at;
      }
    }
    return std::string_view::npos;
  }

  // ---- matches ----------------------------------------------------------

  void parse_matches(std::string_view text) {
    for (std::string_view token : split_top_level(text, /*on_space=*/true)) {
      const KeyValue kv = split_key_value(token, '=');
      if (!kv.has_value) {
        parse_shorthand(token);
      } else if (kv.key == "table") {
        once(seen_table_, kv.key);
        rule_.table = table_number(kv.value, "table");
      } else if (kv.key == "priority") {
        once(seen_priority_, kv.key);
        rule_.priority = static_cast<uint16_t>(number_of_width(kv.value, 16, "priority"));
      } else if (kv.key == "cookie") {
        once(seen_cookie_, kv.key);
        if (kv.value.find('/') != std::string_view::npos) {
          fail_out_of_scope(kv.value, "cookie=value/mask only selects flows to modify; out of scope in add-flows");
        }
        rule_.cookie = static_cast<uint64_t>(number_of_width(kv.value, 64, "cookie"));
      } else if (kv.key == "idle_timeout" || kv.key == "hard_timeout") {
        // Flows never expire in this suite; 0 (OVS's default) is harmless.
        if (number_of_width(kv.value, 16, kv.key) != 0) {
          fail_out_of_scope(kv.value, std::string(kv.key) + " is out of scope (flows never expire here)");
        }
      } else {
        parse_field_match(kv);
      }
    }
  }

  void once(bool& seen, std::string_view key) {
    if (seen) fail(key, "duplicate " + quoted(key));
    seen = true;
  }

  void parse_shorthand(std::string_view token) {
    const auto it = std::find_if(std::begin(kShorthands), std::end(kShorthands),
                                 [&](const Shorthand& s) { return s.name == token; });
    if (it == std::end(kShorthands)) fail(token, "unknown match keyword " + quoted(token));
    add_match(FlowField::kDlType, {it->dl_type, ones(16)}, token, true);
    if (it->nw_proto != 0) add_match(FlowField::kNwProto, {it->nw_proto, ones(8)}, token, true);
  }

  void parse_field_match(const KeyValue& kv) {
    const std::optional<FlowField> field = field_by_name(kv.key);
    if (!field) fail(kv.key, "unknown match field " + quoted(kv.key));
    if (is_nxm_name(kv.key)) {
      fail(kv.key, "match on " + quoted(kv.key) + ": NXM/OXM names are only for load/move subfields; write " +
                       field_info(*field).name);
    }
    add_match(*field, parse_field_value(*field, kv.value, kv.key, /*in_match=*/true), kv.key, false);
  }

  // One match per field. A shorthand may restate what another shorthand or
  // an explicit match already says ("ip,tcp"), but never contradict it.
  void add_match(FlowField field, Masked m, std::string_view key, bool from_shorthand) {
    for (size_t i = 0; i < rule_.matches.size(); ++i) {
      if (rule_.matches[i].field != field) continue;
      const bool same = to_u128(rule_.matches[i].value) == m.value && to_u128(rule_.matches[i].mask) == m.mask;
      if (same && (from_shorthand || origins_[i].from_shorthand)) return;
      fail(key, "duplicate match on " + std::string(field_info(field).name) + " (already set by " +
                    quoted(origins_[i].key) + ")");
    }
    rule_.matches.push_back({field, from_u128(m.value), from_u128(m.mask)});
    origins_.push_back({key, from_shorthand});
  }

  // OVS checks prerequisites once the whole match is known, so "tp_dst=80,tcp"
  // is as valid as "tcp,tp_dst=80".
  void check_match_prerequisites() {
    for (size_t i = 0; i < rule_.matches.size(); ++i) {
      if (origins_[i].from_shorthand) continue;
      require_prereqs(rule_.matches[i].field, origins_[i].key, rule_.matches, origins_[i].key);
    }
  }

  bool matches_ip_family(uint16_t dl_type) const {
    return exact_value(rule_.matches, FlowField::kDlType) == dl_type;
  }

  // ---- actions ----------------------------------------------------------

  void parse_actions(std::string_view text) {
    std::optional<std::string_view> drop_at, goto_at;
    for (std::string_view token : split_top_level(text, /*on_space=*/true)) {
      if (goto_at) {
        // goto_table is an instruction that follows the action list (OpenFlow 1.1+).
        fail(token, "no action may follow goto_table");
      }
      FlowAction action = parse_action(token);
      if (std::holds_alternative<DropAction>(action)) drop_at = token;
      if (std::holds_alternative<GotoTableAction>(action)) goto_at = token;
      rule_.actions.push_back(std::move(action));
    }
    if (drop_at && rule_.actions.size() > 1) {
      fail(*drop_at, "'drop' must be the only action (ovs-actions(7))");
    }
  }

  FlowAction parse_action(std::string_view token) {
    if (std::isdigit(static_cast<unsigned char>(token.front()))) return OutputAction{parse_port(token)};
    if (std::optional<Call> call = split_call(token)) return parse_call_action(token, *call);
    const KeyValue kv = split_key_value(token, ':');
    const std::string_view name = kv.key;
    if (!kv.has_value) {
      if (name == "drop") return DropAction{};
      if (name == "ct_clear") return CtClearAction{};
      if (name == "dec_ttl") return DecTtlAction{};
      if (name == "ct") return parse_ct(token, token.substr(token.size()));
    } else {
      const std::string_view arg = kv.value;
      if (name == "output") return OutputAction{parse_port(arg)};
      if (name == "resubmit") return ResubmitAction{parse_resubmit_port(arg), std::nullopt};
      if (name == "goto_table") return parse_goto_table(arg);
      if (name == "set_field") return parse_set_field(arg);
      if (name == "load") return parse_load(arg);
      if (name == "move") return parse_move(arg);
      if (name == "mod_dl_src") return set_whole(FlowField::kDlSrc, mac_bits(parse_mac(arg)));
      if (name == "mod_dl_dst") return set_whole(FlowField::kDlDst, mac_bits(parse_mac(arg)));
      if (name == "mod_nw_src") return parse_mod_nw(FlowField::kNwSrc, token, arg);
      if (name == "mod_nw_dst") return parse_mod_nw(FlowField::kNwDst, token, arg);
      if (name == "mod_tp_src") return parse_mod_tp(FlowField::kTpSrc, token, arg);
      if (name == "mod_tp_dst") return parse_mod_tp(FlowField::kTpDst, token, arg);
      if (name == "mod_nw_tos") return parse_mod_nw_tos(token, arg);
      if (name == "group") fail_out_of_scope(token, "action 'group' is out of scope");
    }
    if (is_out_of_scope_action(name)) fail_out_of_scope(token, "action " + quoted(name) + " is out of scope");
    fail(token, "unknown action " + quoted(token));
  }

  FlowAction parse_call_action(std::string_view token, const Call& call) {
    if (call.name == "ct") return parse_ct(token, call.args);
    if (call.name == "resubmit") return parse_resubmit(call.args);
    if (call.name == "dec_ttl") {
      fail_out_of_scope(call.args, "dec_ttl(controller ids) is out of scope; write plain dec_ttl");
    }
    if (is_out_of_scope_action(call.name)) {
      fail_out_of_scope(token, "action " + quoted(call.name) + " is out of scope");
    }
    fail(call.name, "unknown action " + quoted(call.name));
  }

  // OpenFlow port numbers only: names and reserved ports are not modelled.
  uint16_t parse_port(std::string_view text) {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) {
      if (is_reserved_port_name(text)) fail_out_of_scope(text, "port " + quoted(text) + " is out of scope");
      fail(text, "expected an OpenFlow port number, got " + quoted(text));
    }
    const u128 port = number_of_width(text, 16, "port");
    if (port >= 0xff00) fail_out_of_scope(text, "reserved port " + std::string(text) + " is out of scope");
    return static_cast<uint16_t>(port);
  }

  // "in_port" (OFPP_IN_PORT) is what an omitted port means, so it maps to nullopt.
  std::optional<uint16_t> parse_resubmit_port(std::string_view text) {
    if (text.empty() || text == "in_port") return std::nullopt;
    return parse_port(text);
  }

  // resubmit([port],[table]) (ovs-actions(7)). The third, "ct" argument is not modelled.
  FlowAction parse_resubmit(std::string_view args) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t comma = args.find(','); ; comma = args.find(',', start)) {
      parts.push_back(trim(args.substr(start, comma == std::string_view::npos ? args.npos : comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (parts.size() > 2) fail_out_of_scope(parts[2], "resubmit's third argument is out of scope");
    ResubmitAction r;
    r.in_port = parse_resubmit_port(parts[0]);
    if (parts.size() == 2 && !parts[1].empty()) r.table = table_number(parts[1], "resubmit table");
    if (parts[0].empty() && !r.table) fail(args, "resubmit needs a port, a table or both");
    return r;
  }

  FlowAction parse_goto_table(std::string_view arg) {
    const uint8_t table = table_number(arg, "goto_table");
    // OpenFlow 1.1+: a rule may only jump forward (OVS reports OFPBRC_BAD_TABLE_ID).
    if (table <= rule_.table) {
      fail(arg, "goto_table:" + std::to_string(table) + " must name a table after this rule's table " +
                    std::to_string(rule_.table));
    }
    return GotoTableAction{table};
  }

  // A write to `field`, checked as OVS checks set_field/load/move targets:
  // writable, and the rule's match meets the field's prerequisites.
  void check_writable(FlowField field, std::string_view name, std::string_view at) {
    const FieldInfo& info = field_info(field);
    if (field == FlowField::kCtMark || field == FlowField::kCtLabel) {
      fail(at, std::string(info.name) + " can only be set inside ct(commit,exec(...)) (ovs-actions(7))");
    }
    if (!info.writable) fail(at, std::string(name) + " is read-only");
    require_prereqs(field, name, rule_.matches, at);
  }

  static SetFieldAction make_set(FlowField field, u128 value, u128 mask) {
    if (field == FlowField::kNwTos) mask &= full_mask(field);  // never the ECN bits
    return {field, from_u128(value & mask), from_u128(mask)};
  }

  SetFieldAction set_whole(FlowField field, u128 value) { return make_set(field, value, full_mask(field)); }

  // "V[/M]->FIELD" for set_field, split at the arrow.
  struct Assignment {
    std::string_view value;
    std::string_view target;
  };
  static Assignment split_arrow(std::string_view arg, std::string_view action) {
    const size_t arrow = arg.find("->");
    if (arrow == std::string_view::npos) fail(arg, std::string(action) + ": expected VALUE->FIELD");
    return {arg.substr(0, arrow), arg.substr(arrow + 2)};
  }

  // set_field names its target by ovs-fields(7) name, never by NXM name.
  FlowField set_field_target(std::string_view target) {
    const std::optional<FlowField> field = field_by_name(target);
    if (!field) fail(target, "set_field: unknown field " + quoted(target));
    if (is_nxm_name(target)) {
      fail(target, "set_field: write " + std::string(field_info(*field).name) + ", not " + quoted(target) +
                       " (NXM/OXM names are for load/move)");
    }
    return *field;
  }

  FlowAction parse_set_field(std::string_view arg) {
    const Assignment a = split_arrow(arg, "set_field");
    const FlowField field = set_field_target(a.target);
    check_writable(field, a.target, a.target);
    const Masked m = parse_field_value(field, a.value, a.target, /*in_match=*/false);
    return make_set(field, m.value, m.mask);
  }

  // load:V->FIELD[a..b]: V must fit the bit range (ovs-actions(7) "load").
  Masked parse_load_value(std::string_view arg, ParsedRef& dst) {
    const Assignment a = split_arrow(arg, "load");
    dst = parse_field_ref(a.target);
    const u128 v = number_of_width(a.value, dst.ref.n_bits, "load value");
    const u128 mask = ones(dst.ref.n_bits) << dst.ref.offset;
    if (dst.ref.field == FlowField::kNwTos && ((v << dst.ref.offset) & 0x3) != 0) {
      fail(a.value, "load: nw_tos's low 2 (ECN) bits cannot be set");
    }
    return {v << dst.ref.offset, mask};
  }

  FlowAction parse_load(std::string_view arg) {
    ParsedRef dst;
    const Masked m = parse_load_value(arg, dst);
    check_writable(dst.ref.field, dst.name, dst.name);
    return make_set(dst.ref.field, m.value, m.mask);
  }

  FlowAction parse_move(std::string_view arg) {
    const size_t arrow = arg.find("->");
    if (arrow == std::string_view::npos) fail(arg, "move: expected SRC[a..b]->DST[c..d]");
    const ParsedRef src = parse_field_ref(arg.substr(0, arrow));
    const ParsedRef dst = parse_field_ref(arg.substr(arrow + 2));
    if (src.ref.n_bits != dst.ref.n_bits) {
      fail(arg, "move: source and destination widths differ (" + std::to_string(src.ref.n_bits) + " vs " +
                    std::to_string(dst.ref.n_bits) + " bits)");
    }
    require_prereqs(src.ref.field, src.name, rule_.matches, src.name);
    check_writable(dst.ref.field, dst.name, dst.name);
    return MoveAction{src.ref, dst.ref};
  }

  // mod_nw_src/mod_nw_dst rewrite IPv4 addresses only (ovs-actions(7)).
  FlowAction parse_mod_nw(FlowField field, std::string_view token, std::string_view arg) {
    const IpAddress ip = parse_ip(arg, IpFamily::kV4);
    require_prereqs(field, token.substr(0, token.find(':')), rule_.matches, token);
    return set_whole(field, ip_bits(ip));
  }

  FlowAction parse_mod_tp(FlowField field, std::string_view token, std::string_view arg) {
    const u128 port = number_of_width(arg, 16, "port");
    require_prereqs(field, token.substr(0, token.find(':')), rule_.matches, token);
    return set_whole(field, port);
  }

  FlowAction parse_mod_nw_tos(std::string_view token, std::string_view arg) {
    const Masked m = parse_field_value(FlowField::kNwTos, arg, "mod_nw_tos", /*in_match=*/false);
    require_prereqs(FlowField::kNwTos, "mod_nw_tos", rule_.matches, token);
    return make_set(FlowField::kNwTos, m.value, m.mask);
  }

  // ---- ct(...) ------------------------------------------------------------

  // ct([commit][,force][,zone=Z][,table=T][,nat[(...)]][,exec(...)])
  // (ovs-actions(7) "The ct action").
  FlowAction parse_ct(std::string_view token, std::string_view args) {
    // ovs-actions(7): conntrack only tracks IP; OVS rejects ct() on a rule
    // whose match does not pin dl_type to IPv4 or IPv6.
    if (!matches_ip_family(kEthIp) && !matches_ip_family(kEthIpv6)) {
      fail(token, "ct action requires IP match (add ip or ipv6 to the match)");
    }
    CtAction ct;
    std::optional<std::string_view> exec_at, force_at, zone_at, table_at, nat_at;
    for (std::string_view arg : split_top_level(args, /*on_space=*/true)) {
      if (std::optional<Call> call = split_call(arg)) {
        if (call->name == "nat") {
          seen_once(nat_at, arg, "nat");
          ct.nat = true;
          ct.nat_range = parse_nat(call->args, arg);
        } else if (call->name == "exec") {
          seen_once(exec_at, arg, "exec");
          parse_exec(call->args, ct);
        } else {
          fail(call->name, "ct: unknown option " + quoted(call->name));
        }
        continue;
      }
      const KeyValue kv = split_key_value(arg, '=');
      if (kv.key == "commit" && !kv.has_value) {
        ct.commit = true;
      } else if (kv.key == "force" && !kv.has_value) {
        seen_once(force_at, arg, "force");
        ct.force = true;
      } else if (kv.key == "nat" && !kv.has_value) {
        seen_once(nat_at, arg, "nat");
        ct.nat = true;
      } else if (kv.key == "zone" && kv.has_value) {
        seen_once(zone_at, arg, "zone");
        parse_ct_zone(kv.value, ct);
      } else if (kv.key == "table" && kv.has_value) {
        seen_once(table_at, arg, "table");
        ct.table = table_number(kv.value, "ct table");
      } else if (kv.key == "alg") {
        fail_out_of_scope(arg, "ct(alg=...) is out of scope");
      } else {
        fail(arg, "ct: unknown option " + quoted(arg));
      }
    }
    // OVS: "force" requires "commit"; exec() only runs on commit.
    if (force_at && !ct.commit) fail(*force_at, "ct: force requires commit");
    if (exec_at && !ct.commit) fail(*exec_at, "ct: exec requires commit");
    if (ct.nat_range) check_nat_family(*ct.nat_range, *nat_at);
    return ct;
  }

  static void seen_once(std::optional<std::string_view>& seen, std::string_view at, std::string_view what) {
    if (seen) fail(at, "ct: " + std::string(what) + " given twice");
    seen = at;
  }

  // zone=N or zone=FIELD[a..b]; a subfield must be 16 bits wide (ovs-actions(7)).
  void parse_ct_zone(std::string_view value, CtAction& ct) {
    if (!value.empty() && std::isdigit(static_cast<unsigned char>(value.front()))) {
      ct.zone = static_cast<uint16_t>(number_of_width(value, 16, "ct zone"));
      return;
    }
    const ParsedRef src = parse_field_ref(value);
    if (src.ref.n_bits != 16) {
      fail(value, "ct: zone subfield " + quoted(value) + " must be 16 bits wide, not " +
                      std::to_string(src.ref.n_bits));
    }
    require_prereqs(src.ref.field, src.name, rule_.matches, value);
    ct.zone_source = src.ref;
  }

  // exec(...) may only set ct_mark and ct_label; several writes combine.
  void parse_exec(std::string_view args, CtAction& ct) {
    for (std::string_view token : split_top_level(args, /*on_space=*/true)) {
      const KeyValue kv = split_key_value(token, ':');
      FlowField field;
      Masked m;
      if (kv.key == "set_field" && kv.has_value) {
        const Assignment a = split_arrow(kv.value, "set_field");
        field = set_field_target(a.target);
        if (field != FlowField::kCtMark && field != FlowField::kCtLabel) {
          fail(a.target, "ct(exec(...)) may only set ct_mark and ct_label (ovs-actions(7))");
        }
        m = parse_field_value(field, a.value, a.target, /*in_match=*/false);
      } else if (kv.key == "load" && kv.has_value) {
        ParsedRef dst;
        m = parse_load_value(kv.value, dst);
        field = dst.ref.field;
        if (field != FlowField::kCtMark && field != FlowField::kCtLabel) {
          fail(dst.name, "ct(exec(...)) may only set ct_mark and ct_label (ovs-actions(7))");
        }
      } else {
        fail(token, "ct(exec(...)) only accepts set_field or load of ct_mark/ct_label, not " + quoted(token));
      }
      merge_exec_write(ct, field, m);
    }
  }

  static void merge_exec_write(CtAction& ct, FlowField field, const Masked& m) {
    if (field == FlowField::kCtMark) {
      const uint32_t value = static_cast<uint32_t>(m.value);
      const uint32_t mask = static_cast<uint32_t>(m.mask);
      if (!ct.set_mark) {
        ct.set_mark = value;
        ct.mark_mask = mask;
      } else {
        ct.set_mark = (*ct.set_mark & ~mask) | value;
        ct.mark_mask |= mask;
      }
      return;
    }
    const U128 value = from_u128(m.value);
    const U128 mask = from_u128(m.mask);
    const CtLabel v{value.hi, value.lo}, k{mask.hi, mask.lo};
    if (!ct.set_label) {
      ct.set_label = v;
      ct.label_mask = k;
    } else {
      ct.set_label = ct.set_label->with(v, k);
      ct.label_mask = {ct.label_mask.hi | k.hi, ct.label_mask.lo | k.lo};
    }
  }

  // nat(src=RANGE | dst=RANGE [,persistent] [,random | ,hash]); rules as
  // ovs-actions(7) "nat" states them.
  std::optional<NatRange> parse_nat(std::string_view args, std::string_view at) {
    std::optional<NatRange> range;
    bool persistent = false, random = false, hash = false;
    for (std::string_view arg : split_top_level(args, /*on_space=*/true)) {
      const KeyValue kv = split_key_value(arg, '=');
      if (kv.key == "src" || kv.key == "dst") {
        if (range) fail(arg, "nat: may only specify one of src or dst");
        if (!kv.has_value || kv.value.empty()) {
          fail_out_of_scope(arg, "nat(" + std::string(kv.key) + ") without an address range is out of scope");
        }
        range = parse_nat_range(kv.value);
        range->kind = kv.key == "src" ? NatRange::Kind::kSrc : NatRange::Kind::kDst;
      } else if (arg == "persistent") {
        persistent = true;
      } else if (arg == "random") {
        random = true;
      } else if (arg == "hash") {
        hash = true;
      } else {
        fail(arg, "nat: unknown option " + quoted(arg));
      }
    }
    if (random && hash) fail(at, "nat: random and hash exclude each other");
    if (!range && (persistent || random || hash)) fail(at, "nat: flags are only allowed with src or dst");
    if (range) {
      range->persistent = persistent;
      range->random = random;
    }
    return range;
  }

  // ADDR[-ADDR][:PORT[-PORT]]; IPv6 addresses go in brackets when ports
  // follow ("[fd00::1]-[fd00::2]:100-200").
  static NatRange parse_nat_range(std::string_view text) {
    std::string_view rest = text;
    // Bare IPv6 (two or more colons, no brackets) cannot carry ports.
    const bool bare_v6 = text.find('[') == std::string_view::npos &&
                         std::count(text.begin(), text.end(), ':') >= 2;
    NatRange r;
    r.min_addr = take_nat_address(rest, bare_v6);
    r.max_addr = r.min_addr;
    if (rest.starts_with('-')) {
      rest.remove_prefix(1);
      r.max_addr = take_nat_address(rest, bare_v6);
    }
    if (r.max_addr.family != r.min_addr.family) fail(text, "nat: range mixes IPv4 and IPv6");
    if (r.max_addr < r.min_addr) fail(text, "nat: address range " + quoted(text) + " runs backwards");
    if (rest.starts_with(':')) {
      rest.remove_prefix(1);
      const size_t dash = rest.find('-');
      const std::string_view lo = rest.substr(0, dash);
      const std::string_view hi = dash == std::string_view::npos ? lo : rest.substr(dash + 1);
      r.min_port = static_cast<uint16_t>(number_of_width(lo, 16, "nat port"));
      r.max_port = static_cast<uint16_t>(number_of_width(hi, 16, "nat port"));
      if (r.max_port < r.min_port) fail(rest, "nat: port range " + quoted(rest) + " runs backwards");
      rest = rest.substr(rest.size());
    }
    if (!rest.empty()) fail(rest, "nat: unexpected " + quoted(rest) + " in range");
    return r;
  }

  static IpAddress take_nat_address(std::string_view& rest, bool bare_v6) {
    std::string_view addr;
    if (rest.starts_with('[')) {
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) fail(rest, "nat: missing ']' after IPv6 address");
      addr = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
      return parse_ip(addr, IpFamily::kV6);
    }
    const size_t end = rest.find_first_of(bare_v6 ? "-" : "-:");
    addr = rest.substr(0, end);
    rest.remove_prefix(addr.size());
    Result<IpAddress> ip = IpAddress::parse(addr);
    if (!ip) fail(addr, ip.error().message);
    return *ip;
  }

  // OVS rejects a NAT range whose family differs from the match's dl_type.
  void check_nat_family(const NatRange& range, std::string_view at) const {
    const uint16_t want = range.min_addr.is_v4() ? kEthIp : kEthIpv6;
    if (!matches_ip_family(want)) {
      fail(at, std::string("nat: an ") + (range.min_addr.is_v4() ? "IPv4" : "IPv6") +
                   " range needs a match on " + (range.min_addr.is_v4() ? "ip" : "ipv6"));
    }
  }

  struct MatchOrigin {
    std::string_view key;
    bool from_shorthand = false;
  };

  FlowRule rule_;
  std::string_view text_;
  std::vector<MatchOrigin> origins_;  // parallel to rule_.matches
  bool seen_table_ = false;
  bool seen_priority_ = false;
  bool seen_cookie_ = false;
};

// ---------------------------------------------------------------------------
// Formatting

std::string format_nat(const NatRange& r) {
  auto addr = [&](const IpAddress& a) { return a.is_v4() ? a.to_string() : "[" + a.to_string() + "]"; };
  std::string out = r.kind == NatRange::Kind::kSrc ? "src=" : "dst=";
  out += addr(r.min_addr);
  if (r.max_addr != r.min_addr) out += "-" + addr(r.max_addr);
  if (r.min_port != 0 || r.max_port != 0) {
    out += ":" + std::to_string(r.min_port);
    if (r.max_port != r.min_port) out += "-" + std::to_string(r.max_port);
  }
  if (r.persistent) out += ",persistent";
  if (r.random) out += ",random";
  return "nat(" + out + ")";
}

std::string format_ct(const CtAction& ct) {
  std::vector<std::string> parts;
  if (ct.commit) parts.push_back("commit");
  if (ct.force) parts.push_back("force");
  if (ct.zone_source) {
    parts.push_back("zone=" + format_ref(*ct.zone_source));
  } else if (ct.zone != 0) {
    parts.push_back("zone=" + std::to_string(ct.zone));
  }
  if (ct.table) parts.push_back("table=" + std::to_string(*ct.table));
  if (ct.nat) parts.push_back(ct.nat_range ? format_nat(*ct.nat_range) : "nat");
  std::vector<std::string> exec;
  if (ct.set_mark) {
    std::string s = "set_field:" + hex(*ct.set_mark);
    if (ct.mark_mask != UINT32_MAX) s += "/" + hex(ct.mark_mask);
    exec.push_back(s + "->ct_mark");
  }
  if (ct.set_label) {
    std::string s = "set_field:" + ct.set_label->to_string();
    if (ct.label_mask != CtLabel{UINT64_MAX, UINT64_MAX}) s += "/" + ct.label_mask.to_string();
    exec.push_back(s + "->ct_label");
  }
  if (!exec.empty()) {
    std::string e = "exec(";
    for (size_t i = 0; i < exec.size(); ++i) e += (i ? "," : "") + exec[i];
    parts.push_back(e + ")");
  }
  std::string out = "ct(";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out + ")";
}

// set_field when OVS would accept it back, otherwise load: a partial write
// to a non-maskable field is only expressible as load:V->F[a..b].
std::string format_set_field(const SetFieldAction& a) {
  const u128 value = to_u128(a.value);
  const u128 mask = to_u128(a.mask);
  const char* name = field_info(a.field).name;
  if (mask == full_mask(a.field)) return "set_field:" + format_value(a.field, value) + "->" + name;
  if (mask != 0 && !is_maskable(a.field)) {
    unsigned offset = 0;
    while (((mask >> offset) & 1) == 0) ++offset;
    const u128 run = mask >> offset;
    if ((run & (run + 1)) == 0) {  // contiguous bits
      unsigned n = 0;
      while ((run >> n) != 0) ++n;
      return "load:" + hex(value >> offset) + "->" + format_ref({a.field, offset, n});
    }
  }
  return "set_field:" + format_value(a.field, value) + "/" + format_value(a.field, mask) + "->" + name;
}

struct ActionFormatter {
  std::string operator()(const OutputAction& a) const { return "output:" + std::to_string(a.port); }
  std::string operator()(const DropAction&) const { return "drop"; }
  std::string operator()(const ResubmitAction& a) const {
    if (!a.table) return "resubmit:" + (a.in_port ? std::to_string(*a.in_port) : std::string("in_port"));
    return "resubmit(" + (a.in_port ? std::to_string(*a.in_port) : std::string()) + "," +
           std::to_string(*a.table) + ")";
  }
  std::string operator()(const GotoTableAction& a) const { return "goto_table:" + std::to_string(a.table); }
  std::string operator()(const CtAction& a) const { return format_ct(a); }
  std::string operator()(const CtClearAction&) const { return "ct_clear"; }
  std::string operator()(const SetFieldAction& a) const { return format_set_field(a); }
  std::string operator()(const MoveAction& a) const {
    return "move:" + format_ref(a.src) + "->" + format_ref(a.dst);
  }
  std::string operator()(const DecTtlAction&) const { return "dec_ttl"; }
};

}  // namespace

Result<FlowProgram> parse_flow_program(std::string_view text) {
  FlowProgram program;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++line_no;
    start = end + 1;
    // ovs-ofctl reads flow files with comments ('#' to end of line) removed.
    const std::string_view rule = trim(line.substr(0, line.find('#')));
    if (rule.empty()) continue;
    try {
      program.rules.push_back(RuleParser(rule, line_no).parse());
    } catch (const ParseFailure& failure) {
      // Every failure points into `line`; clamp in case one ever does not.
      const char* at = std::clamp(failure.at, line.data(), line.data() + line.size());
      const size_t column = static_cast<size_t>(at - line.data()) + 1;
      return Error{failure.error.code, "line " + std::to_string(line_no) + ", column " +
                                           std::to_string(column) + ": " + failure.error.message};
    }
  }
  return program;
}

std::string to_string(const FlowAction& action) { return std::visit(ActionFormatter{}, action); }

}  // namespace ctc
