// An OpenFlow program as `ovs-ofctl add-flows` text describes it, parsed into
// plain data: tables of prioritised rules, each a set of masked field matches
// and an action list. The reference datapath (flow_datapath.h) and the
// built-in engine both execute this form; neither re-parses text.
//
// Supported subset (ovs-fields(7), ovs-actions(7), ovs-ofctl(8)); anything
// else is a parse error naming line and column, never silently ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference/common/result.h"
#include "reference/conntrack/conntrack.h"

namespace ctc {

// A 128-bit field value or mask; narrower fields use the low bits of `lo`.
// Addresses: IPv4 in the low 32 bits, IPv6 as hi:lo (network order, hi first);
// MACs in the low 48 bits.
struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  U128 operator&(const U128& o) const { return {hi & o.hi, lo & o.lo}; }
  U128 operator|(const U128& o) const { return {hi | o.hi, lo | o.lo}; }
  U128 operator~() const { return {~hi, ~lo}; }
  bool is_zero() const { return hi == 0 && lo == 0; }
  friend bool operator==(const U128&, const U128&) = default;
};

// Every field a match or an action can name. Order is not meaningful.
enum class FlowField : uint8_t {
  kInPort,
  kDlSrc,
  kDlDst,
  kDlType,
  kDlVlan,    // 12-bit VID; matching 0xffff means "no VLAN tag"
  kNwSrc,     // IPv4 source
  kNwDst,
  kIpv6Src,
  kIpv6Dst,
  kNwProto,
  kNwTos,     // the whole TOS / traffic-class byte (ovs: nw_tos is DSCP<<2)
  kIpDscp,    // 6-bit DSCP
  kNwTtl,
  kTpSrc,     // TCP/UDP port
  kTpDst,
  kIcmpType,  // ICMP or ICMPv6 type (icmp_type / icmpv6_type)
  kIcmpCode,
  kTcpFlags,  // 12 bits
  kCtState,
  kCtZone,
  kCtMark,
  kCtLabel,
  kReg0, kReg1, kReg2, kReg3, kReg4, kReg5, kReg6, kReg7,
  kMetadata,  // 64 bits
};

struct FieldInfo {
  FlowField field;
  const char* name;  // canonical ovs-ofctl name
  unsigned bits;     // width
  bool writable;     // may set_field/load/move write it
};
const FieldInfo& field_info(FlowField field);
// Accepts canonical names and NXM/OXM aliases (NXM_NX_REG0, NXM_OF_IN_PORT,
// NXM_NX_CT_MARK, OXM_OF_METADATA, eth_src, ...). nullopt when unknown.
std::optional<FlowField> field_by_name(std::string_view name);

struct FieldMatch {
  FlowField field = FlowField::kInPort;
  U128 value;  // already masked
  U128 mask;   // all ones for an exact match
  friend bool operator==(const FieldMatch&, const FieldMatch&) = default;
};

// FIELD[start..end] (inclusive bit range, bit 0 least significant); a whole
// field when written FIELD[] or FIELD.
struct FieldRef {
  FlowField field = FlowField::kReg0;
  unsigned offset = 0;
  unsigned n_bits = 0;
  friend bool operator==(const FieldRef&, const FieldRef&) = default;
};

struct OutputAction {
  uint16_t port = 0;
  friend bool operator==(const OutputAction&, const OutputAction&) = default;
};
struct DropAction {
  friend bool operator==(const DropAction&, const DropAction&) = default;
};
// resubmit(,T) / resubmit(P,T) / resubmit:P; nullopt means "this table" / "in_port".
struct ResubmitAction {
  std::optional<uint16_t> in_port;
  std::optional<uint8_t> table;
  friend bool operator==(const ResubmitAction&, const ResubmitAction&) = default;
};
struct GotoTableAction {
  uint8_t table = 0;
  friend bool operator==(const GotoTableAction&, const GotoTableAction&) = default;
};
struct CtAction {
  bool commit = false;
  bool force = false;
  uint16_t zone = 0;                    // zone=N
  std::optional<FieldRef> zone_source;  // zone=NXM_NX_REGn[a..b] (16 bits)
  std::optional<uint8_t> table;         // table=T: recirculate
  bool nat = false;                     // nat present (with or without a range)
  std::optional<NatRange> nat_range;
  std::optional<uint32_t> set_mark;  // exec(set_field:V/M->ct_mark)
  uint32_t mark_mask = UINT32_MAX;
  std::optional<CtLabel> set_label;  // exec(set_field:V/M->ct_label)
  CtLabel label_mask{UINT64_MAX, UINT64_MAX};
  friend bool operator==(const CtAction&, const CtAction&) = default;
};
struct CtClearAction {
  friend bool operator==(const CtClearAction&, const CtClearAction&) = default;
};
// set_field:V[/M]->F, load:V->F[a..b], mod_dl_src:..., mod_nw_dst:..., mod_tp_src:...
struct SetFieldAction {
  FlowField field = FlowField::kReg0;
  U128 value;  // already shifted into place and masked
  U128 mask;
  friend bool operator==(const SetFieldAction&, const SetFieldAction&) = default;
};
// move:SRC[a..b]->DST[c..d]
struct MoveAction {
  FieldRef src;
  FieldRef dst;
  friend bool operator==(const MoveAction&, const MoveAction&) = default;
};
struct DecTtlAction {
  friend bool operator==(const DecTtlAction&, const DecTtlAction&) = default;
};

using FlowAction = std::variant<OutputAction, DropAction, ResubmitAction, GotoTableAction,
                                CtAction, CtClearAction, SetFieldAction, MoveAction, DecTtlAction>;

struct FlowRule {
  uint8_t table = 0;
  uint16_t priority = 32768;  // ovs-ofctl's default
  uint64_t cookie = 0;
  std::vector<FieldMatch> matches;  // at most one per field; prerequisites included
  std::vector<FlowAction> actions;  // empty: drop
  size_t line = 0;                  // 1-based line in the program text
  std::string text;                 // the rule as written, for traces
};

struct FlowProgram {
  std::vector<FlowRule> rules;  // in file order
};

// Parses `ovs-ofctl add-flows` text: one rule per line, `#` comments and blank
// lines ignored. Errors read "line L, column C: what is wrong".
Result<FlowProgram> parse_flow_program(std::string_view text);

std::string to_string(const FlowAction& action);  // in ovs-ofctl syntax

}  // namespace ctc
