#include "adapters/linux_netfilter/firewall_policy.h"

#include <algorithm>
#include <bit>
#include <sstream>

namespace ctc::linux_netfilter {
namespace {

constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;

Error refuse(const FlowRule* rule, const std::string& why) {
  std::string where = rule ? "line " + std::to_string(rule->line) + " (" + rule->text + "): " : "";
  return unsupported("flow program not expressible as nftables policy: " + where + why);
}

// Rules of one table, highest priority first; equal priorities keep file
// order (OVS leaves overlapping equal-priority rules undefined).
std::vector<const FlowRule*> table_rules(const FlowProgram& program, uint8_t table) {
  std::vector<const FlowRule*> rules;
  for (const FlowRule& r : program.rules) {
    if (r.table == table) rules.push_back(&r);
  }
  std::stable_sort(rules.begin(), rules.end(),
                   [](const FlowRule* a, const FlowRule* b) { return a->priority > b->priority; });
  return rules;
}

bool is_drop(const FlowRule& rule) {
  return std::all_of(rule.actions.begin(), rule.actions.end(),
                     [](const FlowAction& a) { return std::holds_alternative<DropAction>(a); });
}

bool is_full(const U128& mask, unsigned bits) {
  if (bits >= 128) return mask.hi == UINT64_MAX && mask.lo == UINT64_MAX;
  if (bits > 64) return mask.lo == UINT64_MAX && mask.hi == (uint64_t{1} << (bits - 64)) - 1;
  return mask.hi == 0 && mask.lo == (bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1);
}

// The fields of one rule, each taken at most once; what is left over at the
// end is a field the model does not know.
class MatchReader {
 public:
  explicit MatchReader(const FlowRule& rule) : rule_(rule) {
    for (const FieldMatch& m : rule.matches) pending_.push_back(&m);
  }

  const FieldMatch* take(FlowField field) {
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [&](const FieldMatch* m) { return m->field == field; });
    if (it == pending_.end()) return nullptr;
    const FieldMatch* m = *it;
    pending_.erase(it);
    return m;
  }

  Result<std::optional<Port>> in_port() {
    const FieldMatch* m = take(FlowField::kInPort);
    if (!m) return std::optional<Port>();
    if (!is_full(m->mask, 16)) return refuse(&rule_, "masked in_port");
    return std::optional<Port>(Port{static_cast<uint16_t>(m->value.lo)});
  }

  Result<std::optional<IpFamily>> family() {
    const FieldMatch* m = take(FlowField::kDlType);
    if (!m) return std::optional<IpFamily>();
    if (is_full(m->mask, 16) && m->value.lo == kEthIpv4) return std::optional(IpFamily::kV4);
    if (is_full(m->mask, 16) && m->value.lo == kEthIpv6) return std::optional(IpFamily::kV6);
    return refuse(&rule_, "dl_type other than ip/ipv6");
  }

  Status finish() const {
    if (pending_.empty()) return ok_status();
    return refuse(&rule_, std::string("match on ") + field_info(pending_.front()->field).name);
  }

 private:
  const FlowRule& rule_;
  std::vector<const FieldMatch*> pending_;
};

// ---- table 0 -------------------------------------------------------------

struct LookupTable {
  std::vector<LookupRule> rules;
  std::optional<uint8_t> next_table;
  std::optional<bool> nat;
};

Status lift_lookup_rule(const FlowRule& rule, LookupTable& out) {
  MatchReader reader(rule);
  auto in_port = reader.in_port();
  if (!in_port.ok()) return in_port.error();
  auto family = reader.family();
  if (!family.ok()) return family.error();
  if (auto st = reader.finish(); !st.ok()) return st;
  LookupRule lookup;
  lookup.in_port = *in_port;
  lookup.family = *family;
  lookup.line = rule.line;
  if (is_drop(rule)) {
    out.rules.push_back(lookup);
    return ok_status();
  }
  const CtAction* ct = rule.actions.size() == 1 ? std::get_if<CtAction>(&rule.actions[0]) : nullptr;
  if (!ct) return refuse(&rule, "table 0 actions other than a single ct(table=...) or drop");
  if (!ct->table) return refuse(&rule, "ct() in table 0 without table=");
  if (ct->commit || ct->force) return refuse(&rule, "ct(commit) in the lookup table");
  if (ct->zone_source) return refuse(&rule, "zone taken from a register");
  if (ct->nat_range) return refuse(&rule, "nat range in the lookup ct()");
  if (ct->set_mark || ct->set_label) return refuse(&rule, "exec() in the lookup ct()");
  if (out.next_table && *out.next_table != *ct->table) {
    return refuse(&rule, "lookups recirculate to more than one table");
  }
  if (*ct->table == 0) return refuse(&rule, "ct(table=0) loops");
  if (out.nat && *out.nat != ct->nat) return refuse(&rule, "nat on some lookups only");
  out.next_table = ct->table;
  out.nat = ct->nat;
  lookup.zone = Zone{ct->zone};
  out.rules.push_back(lookup);
  return ok_status();
}

Result<LookupTable> lift_lookup_table(const FlowProgram& program) {
  LookupTable table;
  for (const FlowRule* rule : table_rules(program, 0)) {
    if (auto st = lift_lookup_rule(*rule, table); !st.ok()) return st.error();
  }
  if (!table.next_table) return refuse(nullptr, "table 0 has no ct(table=...) rule");
  // A trailing catch-all drop is what an empty match already means.
  while (!table.rules.empty() && !table.rules.back().zone && !table.rules.back().in_port &&
         !table.rules.back().family) {
    table.rules.pop_back();
  }
  return table;
}

// ---- table T -------------------------------------------------------------

enum class StateClass { kNew, kEstablished, kRelated, kInvalid };

Result<std::optional<StateClass>> state_class(const FlowRule& rule, MatchReader& reader) {
  const FieldMatch* m = reader.take(FlowField::kCtState);
  if (!m) return std::optional<StateClass>();
  const uint64_t value = m->value.lo, mask = m->mask.lo;
  // Only "+flag" terms: every masked bit is required set.
  if (value != mask) return refuse(&rule, "ct_state with '-' terms");
  const uint64_t state = value & ~uint64_t{CtState::kTrk};
  switch (state) {
    case CtState::kNew:
      return std::optional(StateClass::kNew);
    case CtState::kEst:
      return std::optional(StateClass::kEstablished);
    case CtState::kRel:
      return std::optional(StateClass::kRelated);
    case CtState::kInv:
      return std::optional(StateClass::kInvalid);
    default:
      return refuse(&rule, "ct_state " + CtState(static_cast<uint8_t>(value)).to_string());
  }
}

std::optional<Port> single_output(const FlowRule& rule) {
  if (rule.actions.size() != 1) return std::nullopt;
  const auto* out = std::get_if<OutputAction>(&rule.actions[0]);
  if (!out) return std::nullopt;
  return Port{out->port};
}

// A prefix mask (leading ones) of `bits` width gives its length.
std::optional<unsigned> prefix_length(const U128& mask, unsigned bits) {
  const uint64_t hi = bits > 64 ? mask.hi : 0;
  const uint64_t lo = bits > 64 ? mask.lo : mask.lo << (64 - bits);
  const unsigned ones_hi = static_cast<unsigned>(std::countl_one(hi));
  if (bits > 64 && ones_hi < 64) {
    if (lo != 0 || (hi << ones_hi) != 0) return std::nullopt;
    return ones_hi;
  }
  const unsigned ones_lo = static_cast<unsigned>(std::countl_one(lo));
  if (ones_lo < 64 && (lo << ones_lo) != 0) return std::nullopt;
  return (bits > 64 ? 64 : 0) + std::min(ones_lo, bits > 64 ? 64u : bits);
}

IpAddress to_address(const U128& value, IpFamily family) {
  if (family == IpFamily::kV4) return IpAddress::v4(static_cast<uint32_t>(value.lo));
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(value.hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(value.lo >> (56 - 8 * i));
  }
  return IpAddress::v6(bytes);
}

Result<std::optional<IpPrefix>> take_prefix(const FlowRule& rule, MatchReader& reader,
                                            FlowField field, IpFamily family) {
  const FieldMatch* m = reader.take(field);
  if (!m) return std::optional<IpPrefix>();
  const unsigned bits = family == IpFamily::kV4 ? 32 : 128;
  auto length = prefix_length(m->mask, bits);
  if (!length) return refuse(&rule, std::string("non-prefix mask on ") + field_info(field).name);
  return std::optional(IpPrefix{to_address(m->value, family), *length});
}

Result<std::optional<PortRange>> take_ports(const FlowRule& rule, MatchReader& reader,
                                            FlowField field) {
  const FieldMatch* m = reader.take(field);
  if (!m) return std::optional<PortRange>();
  auto length = prefix_length(m->mask, 16);
  if (!length) return refuse(&rule, std::string("non-prefix mask on ") + field_info(field).name);
  const auto low = static_cast<uint16_t>(m->value.lo);
  const auto high = static_cast<uint16_t>(low | (~m->mask.lo & 0xffff));
  return std::optional(PortRange{low, high});
}

Status read_allow_matches(const FlowRule& rule, MatchReader& reader, AllowRule& allow) {
  if (const FieldMatch* proto = reader.take(FlowField::kNwProto)) {
    if (!is_full(proto->mask, 8)) return refuse(&rule, "masked nw_proto");
    allow.protocol = static_cast<uint8_t>(proto->value.lo);
  }
  const IpFamily family = allow.family.value_or(IpFamily::kV4);
  const bool v4 = family == IpFamily::kV4;
  auto src = take_prefix(rule, reader, v4 ? FlowField::kNwSrc : FlowField::kIpv6Src, family);
  if (!src.ok()) return src.error();
  auto dst = take_prefix(rule, reader, v4 ? FlowField::kNwDst : FlowField::kIpv6Dst, family);
  if (!dst.ok()) return dst.error();
  allow.src_prefix = *src;
  allow.dst_prefix = *dst;
  auto sports = take_ports(rule, reader, FlowField::kTpSrc);
  if (!sports.ok()) return sports.error();
  auto dports = take_ports(rule, reader, FlowField::kTpDst);
  if (!dports.ok()) return dports.error();
  allow.src_ports = *sports;
  allow.dst_ports = *dports;
  if ((allow.src_ports || allow.dst_ports) && allow.protocol != ip_proto::kTcp &&
      allow.protocol != ip_proto::kUdp) {
    return refuse(&rule, "tp_src/tp_dst without tcp or udp");
  }
  return reader.finish();
}

Status lift_new_rule(const FlowRule& rule, MatchReader& reader, std::optional<Port> in_port,
                     std::optional<IpFamily> family, Policy& policy) {
  if (!in_port) return refuse(&rule, "+new without in_port (would hairpin)");
  const CtAction* ct = rule.actions.size() == 2 ? std::get_if<CtAction>(&rule.actions[0]) : nullptr;
  const auto* out =
      rule.actions.size() == 2 ? std::get_if<OutputAction>(&rule.actions[1]) : nullptr;
  if (!ct || !out) {
    // Netfilter confirms every accepted packet, so forwarding +new without a
    // commit has no nftables equivalent.
    return refuse(&rule, "+new actions other than ct(commit,...),output:P");
  }
  if (!ct->commit) return refuse(&rule, "+new forwarded without ct(commit)");
  if (ct->table) return refuse(&rule, "ct(commit,table=...) recirculates");
  if (ct->force) return refuse(&rule, "ct(force)");
  if (ct->zone_source) return refuse(&rule, "commit zone taken from a register");
  if (ct->set_label) return refuse(&rule, "ct_label set on commit (labels are not supported)");
  if (ct->nat && !ct->nat_range) return refuse(&rule, "ct(commit,nat) without a range");
  AllowRule allow;
  allow.from = *in_port;
  allow.to = Port{out->port};
  allow.family = family;
  if (auto st = read_allow_matches(rule, reader, allow); !st.ok()) return st;
  allow.commit_zone = Zone{ct->zone};
  allow.set_mark = ct->set_mark;
  allow.mark_mask = ct->mark_mask;
  allow.nat = ct->nat_range;
  allow.line = rule.line;
  if (allow.nat && allow.family && allow.nat->min_addr.family != *allow.family) {
    return refuse(&rule, "NAT address of the other family");
  }
  policy.allow.push_back(allow);
  return ok_status();
}

// ct(commit,exec(set_field:..->ct_mark)) on an established packet: only a
// mark update has an nftables equivalent (`ct mark set`).
Status read_mark_update(const FlowRule& rule, const CtAction& ct, StateForward& forward) {
  if (!ct.commit || ct.table || ct.force || ct.nat || ct.zone_source || ct.set_label) {
    return refuse(&rule, "ct() on +est/+rel other than ct(commit,zone=Z,exec(ct_mark))");
  }
  forward.commit_zone = Zone{ct.zone};
  forward.set_mark = ct.set_mark;
  forward.set_mark_mask = ct.mark_mask;
  return ok_status();
}

Status lift_forward_rule(const FlowRule& rule, MatchReader& reader, std::optional<Port> in_port,
                         std::optional<IpFamily> family, std::vector<StateForward>& out) {
  if (!in_port) return refuse(&rule, "+est/+rel without in_port (would hairpin)");
  StateForward forward;
  forward.from = *in_port;
  forward.family = family;
  forward.line = rule.line;
  if (const FieldMatch* mark = reader.take(FlowField::kCtMark)) {
    forward.match_mark = static_cast<uint32_t>(mark->value.lo);
    forward.match_mark_mask = static_cast<uint32_t>(mark->mask.lo);
  }
  if (auto st = reader.finish(); !st.ok()) return st;
  const auto& actions = rule.actions;
  const auto* output = actions.empty() ? nullptr : std::get_if<OutputAction>(&actions.back());
  const bool shape =
      output && (actions.size() == 1 ||
                 (actions.size() == 2 && std::holds_alternative<CtAction>(actions[0])));
  if (!shape) return refuse(&rule, "+est/+rel actions other than [ct(commit,...),]output:P");
  if (actions.size() == 2) {
    if (auto st = read_mark_update(rule, std::get<CtAction>(actions[0]), forward); !st.ok()) {
      return st;
    }
  }
  forward.to = Port{output->port};
  out.push_back(forward);
  return ok_status();
}

Status lift_invalid_rule(const FlowRule& rule, MatchReader& reader, std::optional<Port> in_port,
                         std::optional<IpFamily> family, Policy& policy) {
  if (in_port || family) return refuse(&rule, "+inv rule limited to a port or family");
  if (auto st = reader.finish(); !st.ok()) return st;
  if (is_drop(rule)) return ok_status();
  auto to = single_output(rule);
  if (!to) return refuse(&rule, "+inv actions other than output:P or drop");
  policy.audit_port = *to;
  return ok_status();
}

// Returns false once the catch-all drop is reached: lower rules never match.
Result<bool> lift_stateful_rule(const FlowRule& rule, Policy& policy, std::set<StateClass>& seen) {
  MatchReader reader(rule);
  auto state = state_class(rule, reader);
  if (!state.ok()) return state.error();
  auto in_port = reader.in_port();
  if (!in_port.ok()) return in_port.error();
  auto family = reader.family();
  if (!family.ok()) return family.error();
  if (!*state) {
    if (auto st = reader.finish(); !st.ok()) return st.error();
    if (*in_port || *family || !is_drop(rule)) {
      return refuse(&rule, "a rule without ct_state other than the final drop");
    }
    return false;
  }
  const bool first_of_class = seen.insert(**state).second;
  Status st = ok_status();
  switch (**state) {
    case StateClass::kNew:
      if (is_drop(rule)) return refuse(&rule, "+new dropped by an explicit rule");
      st = lift_new_rule(rule, reader, *in_port, *family, policy);
      break;
    case StateClass::kEstablished:
      st = lift_forward_rule(rule, reader, *in_port, *family, policy.established);
      break;
    case StateClass::kRelated:
      st = lift_forward_rule(rule, reader, *in_port, *family, policy.related);
      break;
    case StateClass::kInvalid:
      if (!first_of_class) break;  // shadowed by a higher-priority +inv rule
      st = lift_invalid_rule(rule, reader, *in_port, *family, policy);
      break;
  }
  if (!st.ok()) return st.error();
  return true;
}

Status add_route(Policy& policy, Port from, Port to) {
  if (from == to) return refuse(nullptr, "output to the input port");
  auto [it, inserted] = policy.routes.emplace(from, to);
  if (!inserted && it->second != to) {
    return refuse(nullptr, "port " + std::to_string(from.value) + " forwards to both " +
                               std::to_string(it->second.value) + " and " +
                               std::to_string(to.value) + " (routing is by input port)");
  }
  return ok_status();
}

// Zone of the first lookup rule that takes packets of `port` and `family`.
std::optional<Zone> lookup_zone(const Policy& policy, Port port, std::optional<IpFamily> family) {
  for (const LookupRule& l : policy.lookups) {
    if (l.in_port && *l.in_port != port) continue;
    if (l.family && family && *l.family != *family) continue;
    return l.zone;
  }
  return std::nullopt;
}

Status check_consistency(Policy& policy) {
  for (const AllowRule& a : policy.allow) {
    if (auto st = add_route(policy, a.from, a.to); !st.ok()) return st;
    for (IpFamily f : {IpFamily::kV4, IpFamily::kV6}) {
      if (a.family && *a.family != f) continue;
      std::optional<Zone> zone = lookup_zone(policy, a.from, f);
      if (zone && *zone != a.commit_zone) {
        return refuse(nullptr, "line " + std::to_string(a.line) + " commits in zone " +
                                   std::to_string(a.commit_zone.value) +
                                   " but looked the packet up in zone " +
                                   std::to_string(zone->value));
      }
    }
    if (a.nat && !policy.nat_on_lookup) {
      // Netfilter translates every packet of a NATed connection; OVS only
      // where ct() carries `nat`.
      return refuse(nullptr, "line " + std::to_string(a.line) +
                                 " sets up NAT but the lookup ct() has no nat");
    }
  }
  for (const auto* list : {&policy.established, &policy.related}) {
    for (const StateForward& f : *list) {
      if (auto st = add_route(policy, f.from, f.to); !st.ok()) return st;
      std::optional<Zone> zone = lookup_zone(policy, f.from, f.family);
      if (f.commit_zone && zone && *zone != *f.commit_zone) {
        return refuse(nullptr, "line " + std::to_string(f.line) + " commits in zone " +
                                   std::to_string(f.commit_zone->value) +
                                   " but looked the packet up in zone " +
                                   std::to_string(zone->value));
      }
    }
  }
  if (policy.audit_port && policy.routes.count(*policy.audit_port)) {
    return refuse(nullptr, "the audit port also forwards traffic");
  }
  return ok_status();
}

}  // namespace

std::set<Port> Policy::ports() const {
  std::set<Port> out;
  for (const LookupRule& l : lookups) {
    if (l.in_port) out.insert(*l.in_port);
  }
  for (const auto& [from, to] : routes) {
    out.insert(from);
    out.insert(to);
  }
  if (audit_port) out.insert(*audit_port);
  return out;
}

std::string device_name(Port port) { return "p" + std::to_string(port.value); }

Result<Policy> lift_policy(const FlowProgram& program) {
  for (const FlowRule& r : program.rules) {
    for (const FlowAction& a : r.actions) {
      if (std::holds_alternative<ResubmitAction>(a) || std::holds_alternative<GotoTableAction>(a) ||
          std::holds_alternative<SetFieldAction>(a) || std::holds_alternative<MoveAction>(a) ||
          std::holds_alternative<CtClearAction>(a) || std::holds_alternative<DecTtlAction>(a)) {
        return refuse(&r, "action " + to_string(a));
      }
    }
  }
  auto lookup = lift_lookup_table(program);
  if (!lookup.ok()) return lookup.error();
  Policy policy;
  policy.lookups = lookup->rules;
  policy.nat_on_lookup = lookup->nat.value_or(false);
  const uint8_t stateful = *lookup->next_table;
  for (const FlowRule& r : program.rules) {
    if (r.table != 0 && r.table != stateful) {
      return refuse(&r, "a third table (" + std::to_string(r.table) + ")");
    }
  }
  std::set<StateClass> seen;
  for (const FlowRule* rule : table_rules(program, stateful)) {
    auto more = lift_stateful_rule(*rule, policy, seen);
    if (!more.ok()) return more.error();
    if (!*more) break;
  }
  if (policy.allow.empty()) return refuse(nullptr, "no rule commits new connections");
  if (auto st = check_consistency(policy); !st.ok()) return st.error();
  return policy;
}

std::ostream& operator<<(std::ostream& os, const Policy& p) {
  os << "policy{lookups=" << p.lookups.size() << (p.nat_on_lookup ? ",nat" : "")
     << ",allow=" << p.allow.size() << ",est=" << p.established.size()
     << ",rel=" << p.related.size();
  if (p.audit_port) os << ",audit=" << p.audit_port->value;
  for (const auto& [from, to] : p.routes) os << ",route " << from.value << "->" << to.value;
  return os << "}";
}

}  // namespace ctc::linux_netfilter
