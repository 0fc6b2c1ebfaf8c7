// render_nft (declared in firewall_policy.h): a Policy as `nft -f` text.
#include <sstream>

#include "adapters/linux_netfilter/firewall_policy.h"
#include "adapters/linux_netfilter/nflog_ct_reader.h"

namespace ctc::linux_netfilter {
namespace {

// The packet mark that tells postrouting which allow rule accepted a new
// connection: nft cannot match the input device in postrouting (meta iif is
// unset there), and the forward chain decided which rule committed.
uint32_t rule_packet_mark(size_t index) { return 0x100 + static_cast<uint32_t>(index); }

std::string quoted_device(Port port) { return "\"" + device_name(port) + "\""; }

const char* nfproto(IpFamily family) { return family == IpFamily::kV4 ? "ipv4" : "ipv6"; }
const char* ip_keyword(IpFamily family) { return family == IpFamily::kV4 ? "ip" : "ip6"; }

std::string range_text(const PortRange& r) {
  return r.min == r.max ? std::to_string(r.min)
                        : std::to_string(r.min) + "-" + std::to_string(r.max);
}

// The connection's original-direction fields, so that a rule matches the
// same connection before DNAT (prerouting), after it (forward) and in
// postrouting alike; this is what table T saw in OVS.
std::string allow_match(const AllowRule& a) {
  std::ostringstream os;
  os << "iifname " << quoted_device(a.from);
  if (a.family) os << " meta nfproto " << nfproto(*a.family);
  if (a.protocol) os << " ct original protocol " << unsigned{*a.protocol};
  if (a.src_prefix) {
    os << " ct original " << ip_keyword(a.src_prefix->address.family) << " saddr "
       << a.src_prefix->address.to_string() << "/" << a.src_prefix->length;
  }
  if (a.dst_prefix) {
    os << " ct original " << ip_keyword(a.dst_prefix->address.family) << " daddr "
       << a.dst_prefix->address.to_string() << "/" << a.dst_prefix->length;
  }
  if (a.src_ports) os << " ct original proto-src " << range_text(*a.src_ports);
  if (a.dst_ports) os << " ct original proto-dst " << range_text(*a.dst_ports);
  return os.str();
}

std::string nat_address(const IpAddress& a, bool with_port) {
  if (a.is_v4() || !with_port) return a.to_string();
  return "[" + a.to_string() + "]";
}

// "ip to 192.0.2.1-192.0.2.9:5000-5010 persistent"
std::string nat_target(const NatRange& nat, bool with_ports) {
  const bool ports = with_ports && nat.min_port != 0;
  std::string out =
      std::string(ip_keyword(nat.min_addr.family)) + " to " + nat_address(nat.min_addr, ports);
  if (nat.max_addr != nat.min_addr) out += "-" + nat_address(nat.max_addr, ports);
  if (ports) out += ":" + range_text(PortRange{nat.min_port, std::max(nat.min_port, nat.max_port)});
  std::string flags;
  if (nat.random) flags += "random";
  if (nat.persistent) flags += std::string(flags.empty() ? "" : ",") + "persistent";
  if (!flags.empty()) out += " " + flags;
  return out;
}

// One NAT rule, split so that a port range applies to TCP and UDP only (nft
// refuses ports without a transport protocol); others keep their ports.
void nat_statements(std::ostream& os, const std::string& match, const char* verb,
                    const NatRange& nat, std::optional<uint8_t> protocol) {
  const std::string family = std::string(" meta nfproto ") + nfproto(nat.min_addr.family);
  const bool port_range = nat.min_port != 0;
  const bool transport = protocol == ip_proto::kTcp || protocol == ip_proto::kUdp;
  if (port_range && !transport) {
    os << "    " << match << family << " meta l4proto { tcp, udp } " << verb << " "
       << nat_target(nat, true) << "\n";
    os << "    " << match << family << " " << verb << " " << nat_target(nat, false) << "\n";
  } else {
    os << "    " << match << family << " " << verb << " " << nat_target(nat, true) << "\n";
  }
}

std::string hex(uint32_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

// " ct mark set V" or, under a mask, " ct mark set ct mark and ~M or (V & M)".
std::string mark_statement(std::optional<uint32_t> mark, uint32_t mask) {
  if (!mark) return "";
  if (mask == UINT32_MAX) return " ct mark set " + std::to_string(*mark);
  return " ct mark set ct mark and " + hex(~mask) + " or " + hex(*mark & mask);
}

std::string mark_match(std::optional<uint32_t> mark, uint32_t mask) {
  if (!mark) return "";
  if (mask == UINT32_MAX) return " ct mark " + std::to_string(*mark);
  return " ct mark and " + hex(mask) + " == " + hex(*mark & mask);
}

void render_prerouting_raw(std::ostream& os, const Policy& p) {
  os << "  chain prerouting_raw {\n"
     << "    type filter hook prerouting priority raw; policy accept;\n"
     << "    ip saddr 169.254.77.1 ip daddr 169.254.77.2 udp dport " << kProbePort
     << " notrack accept\n";
  for (const LookupRule& l : p.lookups) {
    os << "   ";
    if (l.in_port) os << " iifname " << quoted_device(*l.in_port);
    if (l.family) os << " meta nfproto " << nfproto(*l.family);
    if (l.zone) {
      os << " ct zone set " << l.zone->value << " accept\n";
    } else {
      os << " drop\n";
    }
  }
  // What no lookup rule tracks is dropped before conntrack, as OVS's table 0 miss.
  os << "    drop\n  }\n";
}

// One classify rule: the packet's conntrack verdict as an NFLOG prefix,
// then accept (ends the classify chains, so every packet is logged once).
void classify_rule(std::ostream& os, const std::string& match,
                   const std::optional<LoggedCtState>& state) {
  os << "    " << match << (match.empty() ? "" : " ") << "log prefix \""
     << classify_log_prefix(state) << "\" group " << kClassifyLogGroup << " accept\n";
}

// Established/related rules of one direction. The NAT status bits matter
// only when the lookup carries `nat` (ovs_ct_state.h); then one rule per
// combination, each matching it exactly.
void classify_state_rules(std::ostream& os, LoggedCtState::Kind kind, bool reply, bool split_nat) {
  const char* state = kind == LoggedCtState::Kind::kEstablished ? "established" : "related";
  const std::string match = std::string("ct state ") + state;
  if (!split_nat) {
    classify_rule(os, match, LoggedCtState{.kind = kind, .reply = reply});
    return;
  }
  const std::pair<const char*, LoggedCtState> cases[] = {
      {"0", {.kind = kind, .reply = reply}},
      {"snat", {.kind = kind, .reply = reply, .snat = true}},
      {"dnat", {.kind = kind, .reply = reply, .dnat = true}},
      {"snat | dnat", {.kind = kind, .reply = reply, .snat = true, .dnat = true}},
  };
  for (const auto& [bits, logged] : cases) {
    classify_rule(os, match + " ct status & (snat | dnat) == " + bits, logged);
  }
}

// Every tracked packet's conntrack verdict goes to userspace
// (nflog_ct_reader.h). The chain runs after conntrack (NF_IP_PRI_CONNTRACK,
// -200) and before the audit table's drop (-150) and DNAT (-100), so it sees
// invalid packets too, and the packet as injected. Untracked packets (the
// probe) are not logged; packets the raw chain dropped never get here. The
// rules are mutually exclusive and end with a catch-all whose prefix the
// reader refuses, so a verdict the chains did not foresee is a harness
// error, never a wrong classification.
void render_classify(std::ostream& os, const Policy& p) {
  using Kind = LoggedCtState::Kind;
  const bool split_nat = p.nat_on_lookup;
  os << "  chain prerouting_classify {\n"
     << "    type filter hook prerouting priority " << kClassifyPriority << "; policy accept;\n"
     << "    ct state untracked accept\n";
  classify_rule(os, "ct state invalid", std::nullopt);
  os << "    ct direction reply jump classify_reply\n";
  classify_rule(os, "ct state new", LoggedCtState{.kind = Kind::kNew});
  classify_state_rules(os, Kind::kEstablished, false, split_nat);
  // ovs_ct_nat leaves IP_CT_RELATED (original direction) to the commit.
  classify_state_rules(os, Kind::kRelated, false, false);
  os << "    log prefix \"ctc unforeseen\" group " << kClassifyLogGroup << " accept\n"
     << "  }\n"
     << "  chain classify_reply {\n";
  classify_state_rules(os, Kind::kEstablished, true, split_nat);
  classify_state_rules(os, Kind::kRelated, true, split_nat);
  os << "    log prefix \"ctc unforeseen\" group " << kClassifyLogGroup << " accept\n"
     << "  }\n";
}

bool any_nat(const Policy& p, NatRange::Kind kind) {
  for (const AllowRule& a : p.allow) {
    if (a.nat && a.nat->kind == kind) return true;
  }
  return false;
}

void render_prerouting_nat(std::ostream& os, const Policy& p) {
  if (!any_nat(p, NatRange::Kind::kDst)) return;
  os << "  chain prerouting_nat {\n"
     << "    type nat hook prerouting priority dstnat; policy accept;\n";
  // Same order as the forward chain: the first matching rule decides, and a
  // rule without DNAT ends the chain so a later DNAT rule cannot apply.
  for (const AllowRule& a : p.allow) {
    if (a.nat && a.nat->kind == NatRange::Kind::kDst) {
      nat_statements(os, allow_match(a), "dnat", *a.nat, a.protocol);
    } else {
      os << "    " << allow_match(a) << " accept\n";
    }
  }
  os << "  }\n";
}

void render_state_forwards(std::ostream& os, const std::vector<StateForward>& list,
                           const char* state) {
  for (const StateForward& f : list) {
    os << "    iifname " << quoted_device(f.from);
    if (f.family) os << " meta nfproto " << nfproto(*f.family);
    os << " ct state " << state << mark_match(f.match_mark, f.match_mark_mask)
       << mark_statement(f.set_mark, f.set_mark_mask) << " accept\n";
  }
}

void render_forward(std::ostream& os, const Policy& p) {
  os << "  chain forward_filter {\n"
     << "    type filter hook forward priority filter; policy drop;\n"
     << "    ct state untracked ip saddr 169.254.77.1 udp dport " << kProbePort << " accept\n";
  render_state_forwards(os, p.established, "established");
  render_state_forwards(os, p.related, "related");
  for (size_t i = 0; i < p.allow.size(); ++i) {
    const AllowRule& a = p.allow[i];
    os << "    " << allow_match(a) << " ct state new" << mark_statement(a.set_mark, a.mark_mask);
    if (a.nat && a.nat->kind == NatRange::Kind::kSrc) {
      os << " meta mark set 0x" << std::hex << rule_packet_mark(i) << std::dec;
    }
    os << " accept\n";
  }
  os << "  }\n";
}

void render_postrouting_nat(std::ostream& os, const Policy& p) {
  if (!any_nat(p, NatRange::Kind::kSrc)) return;
  os << "  chain postrouting_nat {\n"
     << "    type nat hook postrouting priority srcnat; policy accept;\n";
  for (size_t i = 0; i < p.allow.size(); ++i) {
    const AllowRule& a = p.allow[i];
    if (!a.nat || a.nat->kind != NatRange::Kind::kSrc) continue;
    std::ostringstream match;
    match << "meta mark 0x" << std::hex << rule_packet_mark(i);
    nat_statements(os, match.str(), "snat", *a.nat, a.protocol);
  }
  os << "  }\n";
}

void render_audit(std::ostream& os, const Policy& p) {
  if (!p.audit_port) return;
  for (IpFamily f : {IpFamily::kV4, IpFamily::kV6}) {
    os << "table " << ip_keyword(f) << " ctconform_audit {\n"
       << "  chain prerouting_audit {\n"
       << "    type filter hook prerouting priority -150; policy accept;\n"
       << "    ct state invalid dup to " << (f == IpFamily::kV4 ? kAuditNextHopV4 : kAuditNextHopV6)
       << " device " << quoted_device(*p.audit_port) << " drop\n"
       << "  }\n}\n";
  }
}

}  // namespace

std::string render_nft(const Policy& policy) {
  std::ostringstream os;
  os << "table inet ctconform {\n";
  render_prerouting_raw(os, policy);
  render_classify(os, policy);
  render_prerouting_nat(os, policy);
  render_forward(os, policy);
  render_postrouting_nat(os, policy);
  os << "}\n";
  render_audit(os, policy);
  return os.str();
}

}  // namespace ctc::linux_netfilter
