#include "adapters/ovs_conntrack_lib/commit_all_program.h"

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

namespace ctc::ovs_conntrack_lib {
namespace {

constexpr uint16_t kEthTypeIp = 0x0800;
constexpr uint16_t kEthTypeIpv6 = 0x86dd;

Error refuse(const std::string& why) {
  return unsupported("flow program is not the commit-all shape ovstest runs: " + why);
}

std::string where(const FlowRule& rule) {
  return "line " + std::to_string(rule.line) + " (" + rule.text + ")";
}

// The value of an exact match on `field` when it is the rule's only match.
std::optional<uint64_t> sole_exact_match(const FlowRule& rule, FlowField field) {
  if (rule.matches.size() != 1) return std::nullopt;
  const FieldMatch& m = rule.matches.front();
  const U128 all_ones = field_info(field).bits >= 64
                            ? U128{0, UINT64_MAX}
                            : U128{0, (uint64_t{1} << field_info(field).bits) - 1};
  if (m.field != field || m.mask != all_ones) return std::nullopt;
  return m.value.lo;
}

// A rule that matches everything and drops: `priority=0,actions=drop`.
bool is_catch_all_drop(const FlowRule& rule) {
  if (!rule.matches.empty()) return false;
  return std::all_of(rule.actions.begin(), rule.actions.end(), [](const FlowAction& a) {
    return std::holds_alternative<DropAction>(a);
  });
}

// What test-conntrack passes to conntrack_execute(): commit=true,
// force=false, zone=0, setmark=NULL, setlabel=NULL, nat_action_info=NULL,
// helper=NULL (tests/test-conntrack.c pcap_batch_execute_conntrack, OVS 3.1.0).
std::optional<std::string> ct_action_mismatch(const CtAction& ct) {
  if (!ct.commit) return "ct() without commit";
  if (ct.force) return "ct(force)";
  if (ct.zone != 0 || ct.zone_source) return "a zone other than 0";
  if (ct.table != kForwardingTable) {
    return "ct() must recirculate to table " + std::to_string(kForwardingTable);
  }
  if (ct.nat) return "nat";
  if (ct.set_mark) return "exec(set_field:...->ct_mark)";
  if (ct.set_label) return "exec(set_field:...->ct_label)";
  return std::nullopt;
}

struct TableShape {
  std::vector<const FlowRule*> rules;       // the table's working rules
  std::vector<const FlowRule*> catch_alls;  // its catch-all drops
};

// Every catch-all drop must rank below every working rule, or it would
// shadow them.
std::optional<Error> check_catch_alls_last(const TableShape& table) {
  for (const FlowRule* drop : table.catch_alls) {
    for (const FlowRule* rule : table.rules) {
      if (drop->priority >= rule->priority) {
        return refuse("the catch-all drop at " + where(*drop) +
                      " does not rank below " + where(*rule));
      }
    }
  }
  return std::nullopt;
}

std::optional<Error> check_commit_table(const TableShape& table) {
  std::set<uint64_t> families;
  for (const FlowRule* rule : table.rules) {
    const std::optional<uint64_t> dl_type = sole_exact_match(*rule, FlowField::kDlType);
    if (!dl_type || (*dl_type != kEthTypeIp && *dl_type != kEthTypeIpv6)) {
      return refuse("table 0 may only match `ip` or `ipv6` (nothing else) at " + where(*rule));
    }
    if (!families.insert(*dl_type).second) {
      return refuse("a second table-0 rule for the same family at " + where(*rule));
    }
    const CtAction* ct = rule->actions.size() == 1 ? std::get_if<CtAction>(&rule->actions[0])
                                                   : nullptr;
    if (ct == nullptr) {
      return refuse("table 0 rules must have the single action ct(commit,table=1) at " +
                    where(*rule));
    }
    if (const auto mismatch = ct_action_mismatch(*ct)) {
      return refuse(*mismatch + " at " + where(*rule) +
                    " (ovstest commits in zone 0 with nothing else)");
    }
  }
  if (families.size() != 2) {
    return refuse("table 0 must commit both `ip` and `ipv6` (ovstest tracks every IP packet)");
  }
  return check_catch_alls_last(table);
}

Result<CommitAllProgram> check_forwarding_table(const TableShape& table,
                                                const std::vector<PortDecl>& ports) {
  std::set<uint16_t> declared;
  for (const PortDecl& p : ports) declared.insert(p.port.value);
  CommitAllProgram out;
  for (const FlowRule* rule : table.rules) {
    const std::optional<uint64_t> in_port = sole_exact_match(*rule, FlowField::kInPort);
    const OutputAction* output = rule->actions.size() == 1
                                     ? std::get_if<OutputAction>(&rule->actions[0])
                                     : nullptr;
    if (!in_port || output == nullptr) {
      return refuse("table 1 rules must be `in_port=A,actions=output:B` at " + where(*rule));
    }
    const auto from = static_cast<uint16_t>(*in_port);
    if (output->port == from) {
      return refuse("output to the input port (OVS skips it) at " + where(*rule));
    }
    if (!declared.contains(from) || !declared.contains(output->port)) {
      return refuse("a port the scenario does not declare at " + where(*rule));
    }
    if (!out.forward.emplace(from, output->port).second) {
      return refuse("a second forwarding rule for in_port=" + std::to_string(from) + " at " +
                    where(*rule));
    }
  }
  if (out.forward.empty()) return refuse("table 1 forwards nothing");
  if (auto e = check_catch_alls_last(table)) return *e;
  return out;
}

}  // namespace

Result<CommitAllProgram> recognise_commit_all_program(const FlowProgram& program,
                                                      const std::vector<PortDecl>& ports) {
  TableShape commit_table, forwarding_table;
  for (const FlowRule& rule : program.rules) {
    TableShape* table = rule.table == 0                   ? &commit_table
                        : rule.table == kForwardingTable ? &forwarding_table
                                                          : nullptr;
    if (table == nullptr) {
      return refuse("a rule in table " + std::to_string(rule.table) + " at " + where(rule) +
                    " (only tables 0 and 1 exist)");
    }
    (is_catch_all_drop(rule) ? table->catch_alls : table->rules).push_back(&rule);
  }
  if (auto e = check_commit_table(commit_table)) return *e;
  return check_forwarding_table(forwarding_table, ports);
}

}  // namespace ctc::ovs_conntrack_lib
