// The fields a flow program can match and modify, with their ovs-fields(7)
// names. Widths follow the OpenFlow/NXM encodings OVS uses; `writable` follows
// ovs-fields(7)'s "Read/Write" line, except that in_port is kept read-only
// (rewriting it only matters for port-name tricks we do not model).
#include <array>
#include <cstddef>
#include <string_view>

#include "reference/flow/flow_program.h"

namespace ctc {
namespace {

// Indexed by FlowField's numeric value; field_info() checks the order.
constexpr FieldInfo kFields[] = {
    {FlowField::kInPort, "in_port", 16, false},
    {FlowField::kDlSrc, "dl_src", 48, true},
    {FlowField::kDlDst, "dl_dst", 48, true},
    // ovs-fields(7): eth_type is read-only (push/pop actions change it).
    {FlowField::kDlType, "dl_type", 16, false},
    {FlowField::kDlVlan, "dl_vlan", 12, true},
    {FlowField::kNwSrc, "nw_src", 32, true},
    {FlowField::kNwDst, "nw_dst", 32, true},
    {FlowField::kIpv6Src, "ipv6_src", 128, true},
    {FlowField::kIpv6Dst, "ipv6_dst", 128, true},
    // ovs-fields(7): ip_proto is read-only.
    {FlowField::kNwProto, "nw_proto", 8, false},
    {FlowField::kNwTos, "nw_tos", 8, true},
    {FlowField::kIpDscp, "ip_dscp", 6, true},
    {FlowField::kNwTtl, "nw_ttl", 8, true},
    {FlowField::kTpSrc, "tp_src", 16, true},
    {FlowField::kTpDst, "tp_dst", 16, true},
    {FlowField::kIcmpType, "icmp_type", 8, true},
    {FlowField::kIcmpCode, "icmp_code", 8, true},
    // ovs-fields(7): tcp_flags is read-only.
    {FlowField::kTcpFlags, "tcp_flags", 12, false},
    // Connection-tracking fields are read-only; ct_mark and ct_label are
    // written only through ct(commit,exec(...)) (ovs-actions(7)).
    {FlowField::kCtState, "ct_state", 8, false},
    {FlowField::kCtZone, "ct_zone", 16, false},
    {FlowField::kCtMark, "ct_mark", 32, false},
    {FlowField::kCtLabel, "ct_label", 128, false},
    {FlowField::kReg0, "reg0", 32, true},
    {FlowField::kReg1, "reg1", 32, true},
    {FlowField::kReg2, "reg2", 32, true},
    {FlowField::kReg3, "reg3", 32, true},
    {FlowField::kReg4, "reg4", 32, true},
    {FlowField::kReg5, "reg5", 32, true},
    {FlowField::kReg6, "reg6", 32, true},
    {FlowField::kReg7, "reg7", 32, true},
    {FlowField::kMetadata, "metadata", 64, true},
};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (static_cast<size_t>(kFields[i].field) != i) return false;
  }
  return true;
}
static_assert(table_in_enum_order(), "kFields must list FlowField values in order");

struct Alias {
  std::string_view name;
  FlowField field;
};

// Other spellings ovs-ofctl accepts for the same field: ovs-fields(7) "also
// known as" names and the NXM/OXM names used in load/move subfields. Names
// are case-sensitive, as in OVS. Deliberately absent: vlan_vid and
// NXM_OF_VLAN_TCI, whose encodings (CFI/present bit) differ from dl_vlan's.
constexpr Alias kAliases[] = {
    {"eth_src", FlowField::kDlSrc},
    {"eth_dst", FlowField::kDlDst},
    {"eth_type", FlowField::kDlType},
    {"ip_src", FlowField::kNwSrc},
    {"ip_dst", FlowField::kNwDst},
    {"ip_proto", FlowField::kNwProto},
    {"tcp_src", FlowField::kTpSrc},
    {"tcp_dst", FlowField::kTpDst},
    {"udp_src", FlowField::kTpSrc},
    {"udp_dst", FlowField::kTpDst},
    {"icmpv6_type", FlowField::kIcmpType},
    {"icmpv6_code", FlowField::kIcmpCode},
    {"NXM_OF_IN_PORT", FlowField::kInPort},
    {"NXM_OF_ETH_SRC", FlowField::kDlSrc},
    {"NXM_OF_ETH_DST", FlowField::kDlDst},
    {"NXM_OF_ETH_TYPE", FlowField::kDlType},
    {"NXM_OF_IP_SRC", FlowField::kNwSrc},
    {"NXM_OF_IP_DST", FlowField::kNwDst},
    {"NXM_NX_IPV6_SRC", FlowField::kIpv6Src},
    {"NXM_NX_IPV6_DST", FlowField::kIpv6Dst},
    {"NXM_OF_IP_PROTO", FlowField::kNwProto},
    {"NXM_OF_IP_TOS", FlowField::kNwTos},
    {"NXM_NX_IP_TTL", FlowField::kNwTtl},
    {"NXM_OF_TCP_SRC", FlowField::kTpSrc},
    {"NXM_OF_TCP_DST", FlowField::kTpDst},
    {"NXM_OF_UDP_SRC", FlowField::kTpSrc},
    {"NXM_OF_UDP_DST", FlowField::kTpDst},
    {"NXM_OF_ICMP_TYPE", FlowField::kIcmpType},
    {"NXM_OF_ICMP_CODE", FlowField::kIcmpCode},
    {"NXM_NX_ICMPV6_TYPE", FlowField::kIcmpType},
    {"NXM_NX_ICMPV6_CODE", FlowField::kIcmpCode},
    {"NXM_NX_TCP_FLAGS", FlowField::kTcpFlags},
    {"NXM_NX_CT_STATE", FlowField::kCtState},
    {"NXM_NX_CT_ZONE", FlowField::kCtZone},
    {"NXM_NX_CT_MARK", FlowField::kCtMark},
    {"NXM_NX_CT_LABEL", FlowField::kCtLabel},
    {"NXM_NX_REG0", FlowField::kReg0},
    {"NXM_NX_REG1", FlowField::kReg1},
    {"NXM_NX_REG2", FlowField::kReg2},
    {"NXM_NX_REG3", FlowField::kReg3},
    {"NXM_NX_REG4", FlowField::kReg4},
    {"NXM_NX_REG5", FlowField::kReg5},
    {"NXM_NX_REG6", FlowField::kReg6},
    {"NXM_NX_REG7", FlowField::kReg7},
    {"OXM_OF_ETH_SRC", FlowField::kDlSrc},
    {"OXM_OF_ETH_DST", FlowField::kDlDst},
    {"OXM_OF_ETH_TYPE", FlowField::kDlType},
    {"OXM_OF_IPV4_SRC", FlowField::kNwSrc},
    {"OXM_OF_IPV4_DST", FlowField::kNwDst},
    {"OXM_OF_IPV6_SRC", FlowField::kIpv6Src},
    {"OXM_OF_IPV6_DST", FlowField::kIpv6Dst},
    {"OXM_OF_IP_PROTO", FlowField::kNwProto},
    {"OXM_OF_IP_DSCP", FlowField::kIpDscp},
    {"OXM_OF_TCP_SRC", FlowField::kTpSrc},
    {"OXM_OF_TCP_DST", FlowField::kTpDst},
    {"OXM_OF_UDP_SRC", FlowField::kTpSrc},
    {"OXM_OF_UDP_DST", FlowField::kTpDst},
    {"OXM_OF_METADATA", FlowField::kMetadata},
};

}  // namespace

const FieldInfo& field_info(FlowField field) { return kFields[static_cast<size_t>(field)]; }

std::optional<FlowField> field_by_name(std::string_view name) {
  for (const FieldInfo& info : kFields) {
    if (name == info.name) return info.field;
  }
  for (const Alias& alias : kAliases) {
    if (name == alias.name) return alias.field;
  }
  return std::nullopt;
}

}  // namespace ctc
