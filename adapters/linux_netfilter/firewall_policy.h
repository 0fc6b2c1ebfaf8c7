// The policy level of the linux-netfilter adapter. The kernel's own
// conntrack cannot run an OpenFlow program: in netfilter every accepted
// packet creates an entry at confirm time, while OVS commits only on
// ct(commit) (SEMANTICS.md "Known Linux facts"). What both can express is a
// security-group-style stateful firewall, so the adapter lifts the flow
// program into that model (lift_policy) and renders it as an nftables
// ruleset (render_nft). A program outside the model is refused with a named
// reason (kUnsupported), which the runner reports as a skip.
//
// The shape recognised (properties/programs.cpp and corpora/*):
//   table 0:  per family [and in_port] ct(table=T,zone=Z[,nat]); default drop
//   table T:  +trk+new from port A: ct(commit,zone=Z[,nat(...)][,exec(mark)]),output:B
//             +trk+est / +trk+rel from port A [ct_mark=V/M]:
//                 [ct(commit,zone=Z,exec(mark))],output:B
//             +trk+inv: output:AUDIT (or drop)
//             priority 0: drop
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "reference/common/result.h"
#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_program.h"
#include "reference/scenario/scenario.h"

namespace ctc::linux_netfilter {

struct IpPrefix {
  IpAddress address;  // already masked
  unsigned length = 0;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

struct PortRange {
  uint16_t min = 0;
  uint16_t max = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// Table 0: which packets are tracked and in which zone. First match wins;
// a packet no rule tracks is dropped before conntrack sees it.
struct LookupRule {
  std::optional<Port> in_port;     // nullopt: every port
  std::optional<IpFamily> family;  // nullopt: both
  std::optional<Zone> zone;        // nullopt: drop (an explicit drop rule)
  size_t line = 0;                 // in the flow program, for messages
  friend bool operator==(const LookupRule&, const LookupRule&) = default;
};

// A stateful allow rule: a new connection from `from` matching the fields is
// committed (with mark and NAT) and leaves on `to`. Address and port fields
// match the connection's original direction (before NAT), as table T sees
// the packet in OVS.
struct AllowRule {
  Port from;
  Port to;
  std::optional<IpFamily> family;
  std::optional<uint8_t> protocol;
  std::optional<IpPrefix> src_prefix;
  std::optional<IpPrefix> dst_prefix;
  std::optional<PortRange> src_ports;
  std::optional<PortRange> dst_ports;
  Zone commit_zone;
  std::optional<uint32_t> set_mark;
  uint32_t mark_mask = UINT32_MAX;
  std::optional<NatRange> nat;
  size_t line = 0;
  friend bool operator==(const AllowRule&, const AllowRule&) = default;
};

// +trk+est or +trk+rel packets arriving on `from` (with the ct_mark bits, if
// given) leave on `to`; a ct(commit,exec(set_field:..->ct_mark)) on them
// updates the connection's mark.
struct StateForward {
  Port from;
  Port to;
  std::optional<IpFamily> family;
  std::optional<uint32_t> match_mark;
  uint32_t match_mark_mask = UINT32_MAX;
  std::optional<Zone> commit_zone;  // set when the rule commits
  std::optional<uint32_t> set_mark;
  uint32_t set_mark_mask = UINT32_MAX;
  size_t line = 0;
  friend bool operator==(const StateForward&, const StateForward&) = default;
};

struct Policy {
  std::vector<LookupRule> lookups;
  bool nat_on_lookup = false;    // table 0's ct() carries `nat`
  std::vector<AllowRule> allow;  // first match wins
  std::vector<StateForward> established;
  std::vector<StateForward> related;
  std::optional<Port> audit_port;  // where +inv goes; nullopt: dropped
  // Where packets from each port are routed (policy routing by input
  // device). Derived from the rules above; one destination per port.
  std::map<Port, Port> routes;

  std::set<Port> ports() const;  // every port the policy names
  friend bool operator==(const Policy&, const Policy&) = default;
};

std::ostream& operator<<(std::ostream& os, const Policy& policy);

// Error kUnsupported "flow program not expressible as nftables policy: ..."
// for anything outside the shape above.
Result<Policy> lift_policy(const FlowProgram& program);

// The TUN device that stands for a scenario port inside the namespace.
std::string device_name(Port port);

// A UDP probe the adapter sends from the first routed port at start-up to
// know the data path is live (SEMANTICS.md: one lost first packet in ~800
// fresh starts). It is untracked (notrack) and accepted before the policy,
// so it leaves no conntrack entry. 169.254.0.0/16 is never forwarded by a
// standard router, so no scenario uses it.
inline constexpr uint8_t kProbeSource[4] = {169, 254, 77, 1};
inline constexpr uint8_t kProbeDestination[4] = {169, 254, 77, 2};
inline constexpr uint16_t kProbePort = 9;

// Addresses the audit copies are "sent to" on the audit TUN (dup needs a
// next hop; a TUN has no neighbours, so any address does).
inline constexpr const char* kAuditNextHopV4 = "169.254.3.1";
inline constexpr const char* kAuditNextHopV6 = "fe80::3";

// The nftables ruleset (nft -f text) for a policy:
//   table inet ctconform: prerouting at raw (probe notrack, `ct zone set` per
//     lookup rule, untracked families/ports dropped), prerouting after
//     conntrack (-175: every tracked packet logged to NFLOG for its ct_state,
//     nflog_ct_reader.h), nat prerouting (dnat),
//     forward filter (probe, established/related per port, new per allow
//     rule with `ct mark set` and a packet mark naming the SNAT rule; policy
//     drop), nat postrouting (snat by packet mark).
//   table ip/ip6 ctconform_audit: prerouting after conntrack (-150):
//     `ct state invalid dup to <next hop> device <audit>` then drop. nft
//     1.0.6 has no dup in the inet family, hence one table per family.
std::string render_nft(const Policy& policy);

}  // namespace ctc::linux_netfilter
