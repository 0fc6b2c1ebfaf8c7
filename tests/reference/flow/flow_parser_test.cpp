#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reference/flow/flow_program.h"

namespace ctc {
namespace {

// ---------------------------------------------------------------------------
// Helpers

FlowRule parse_one(std::string_view text) {
  Result<FlowProgram> program = parse_flow_program(text);
  EXPECT_TRUE(program.ok()) << text << "\n  -> " << (program.ok() ? "" : program.error().message);
  if (!program.ok() || program->rules.size() != 1) {
    ADD_FAILURE() << "expected exactly one rule from: " << text;
    return {};
  }
  return program->rules[0];
}

std::vector<FieldMatch> matches_of(std::string_view text) { return parse_one(text).matches; }

std::vector<FlowAction> actions_of(std::string_view text) { return parse_one(text).actions; }

FlowAction only_action(std::string_view text) {
  std::vector<FlowAction> actions = actions_of(text);
  if (actions.size() != 1) {
    ADD_FAILURE() << "expected one action from: " << text;
    return DropAction{};
  }
  return actions[0];
}

Error error_of(std::string_view text) {
  Result<FlowProgram> program = parse_flow_program(text);
  EXPECT_FALSE(program.ok()) << "parsed unexpectedly: " << text;
  return program.ok() ? Error{} : program.error();
}

std::string message_of(std::string_view text) { return error_of(text).message; }

U128 lo(uint64_t v) { return {0, v}; }

FieldMatch exact(FlowField f, uint64_t v, uint64_t mask) { return {f, lo(v), lo(mask)}; }

const FieldMatch kIp = exact(FlowField::kDlType, 0x0800, 0xffff);
const FieldMatch kIpv6 = exact(FlowField::kDlType, 0x86dd, 0xffff);
const FieldMatch kTcpProto = exact(FlowField::kNwProto, 6, 0xff);
const FieldMatch kUdpProto = exact(FlowField::kNwProto, 17, 0xff);

SetFieldAction set(FlowField f, U128 value, U128 mask) { return {f, value, mask}; }

::testing::AssertionResult contains(const std::string& haystack, const std::string& needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << haystack << "' does not contain '" << needle << "'";
}

// ---------------------------------------------------------------------------
// Field table

TEST(FlowFields, CanonicalNamesAndWidths) {
  EXPECT_STREQ(field_info(FlowField::kInPort).name, "in_port");
  EXPECT_EQ(field_info(FlowField::kDlSrc).bits, 48u);
  EXPECT_EQ(field_info(FlowField::kIpv6Dst).bits, 128u);
  EXPECT_EQ(field_info(FlowField::kTcpFlags).bits, 12u);
  EXPECT_EQ(field_info(FlowField::kReg7).bits, 32u);
  EXPECT_EQ(field_info(FlowField::kMetadata).bits, 64u);
  EXPECT_EQ(field_info(FlowField::kCtLabel).bits, 128u);
  EXPECT_STREQ(field_info(FlowField::kCtMark).name, "ct_mark");
}

TEST(FlowFields, Writability) {
  EXPECT_TRUE(field_info(FlowField::kNwSrc).writable);
  EXPECT_TRUE(field_info(FlowField::kReg3).writable);
  EXPECT_TRUE(field_info(FlowField::kMetadata).writable);
  EXPECT_FALSE(field_info(FlowField::kInPort).writable);
  EXPECT_FALSE(field_info(FlowField::kCtState).writable);
  EXPECT_FALSE(field_info(FlowField::kCtMark).writable);
  EXPECT_FALSE(field_info(FlowField::kCtLabel).writable);
  EXPECT_FALSE(field_info(FlowField::kCtZone).writable);
}

TEST(FlowFields, NamesAndAliases) {
  EXPECT_EQ(field_by_name("dl_src"), FlowField::kDlSrc);
  EXPECT_EQ(field_by_name("eth_src"), FlowField::kDlSrc);
  EXPECT_EQ(field_by_name("eth_type"), FlowField::kDlType);
  EXPECT_EQ(field_by_name("ip_src"), FlowField::kNwSrc);
  EXPECT_EQ(field_by_name("udp_dst"), FlowField::kTpDst);
  EXPECT_EQ(field_by_name("icmpv6_code"), FlowField::kIcmpCode);
  EXPECT_EQ(field_by_name("NXM_OF_IN_PORT"), FlowField::kInPort);
  EXPECT_EQ(field_by_name("NXM_NX_IPV6_SRC"), FlowField::kIpv6Src);
  EXPECT_EQ(field_by_name("NXM_NX_REG5"), FlowField::kReg5);
  EXPECT_EQ(field_by_name("reg5"), FlowField::kReg5);
  EXPECT_EQ(field_by_name("OXM_OF_METADATA"), FlowField::kMetadata);
  EXPECT_EQ(field_by_name("NXM_NX_CT_LABEL"), FlowField::kCtLabel);
  EXPECT_EQ(field_by_name("NXM_NX_IP_TTL"), FlowField::kNwTtl);
  EXPECT_EQ(field_by_name("reg8"), std::nullopt);
  EXPECT_EQ(field_by_name("nxm_nx_reg0"), std::nullopt);  // case-sensitive, as in OVS
  for (int i = 0; i <= static_cast<int>(FlowField::kMetadata); ++i) {
    const FieldInfo& info = field_info(static_cast<FlowField>(i));
    EXPECT_EQ(static_cast<int>(info.field), i);
    EXPECT_EQ(field_by_name(info.name), info.field) << info.name;
  }
}

// ---------------------------------------------------------------------------
// Rule-level keys

TEST(FlowParser, DefaultsAndRuleKeys) {
  FlowRule r = parse_one("actions=drop");
  EXPECT_EQ(r.table, 0);
  EXPECT_EQ(r.priority, 32768);
  EXPECT_EQ(r.cookie, 0u);
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(r.line, 1u);
  EXPECT_EQ(r.text, "actions=drop");

  r = parse_one("table=3, priority=100 cookie=0x1f,idle_timeout=0,hard_timeout=0,actions=drop");
  EXPECT_EQ(r.table, 3);
  EXPECT_EQ(r.priority, 100);
  EXPECT_EQ(r.cookie, 0x1fu);
  EXPECT_EQ(parse_one("cookie=42,actions=drop").cookie, 42u);
  EXPECT_EQ(parse_one("priority=0,action=drop").priority, 0);
}

TEST(FlowParser, RuleKeyErrors) {
  EXPECT_TRUE(contains(message_of("table=255,actions=drop"), "reserved"));
  EXPECT_TRUE(contains(message_of("priority=65536,actions=drop"), "does not fit in 16 bits"));
  EXPECT_TRUE(contains(message_of("priority=1,priority=2,actions=drop"), "duplicate 'priority'"));
  const Error timeout = error_of("idle_timeout=10,actions=drop");
  EXPECT_EQ(timeout.code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(timeout.message, "idle_timeout is out of scope"));
  EXPECT_TRUE(contains(message_of("hard_timeout=5,actions=drop"), "out of scope"));
  EXPECT_TRUE(contains(message_of("cookie=0x1/0xff,actions=drop"), "out of scope"));
  EXPECT_TRUE(contains(message_of("priority=10"), "missing actions"));
  EXPECT_TRUE(contains(message_of("colour=blue,actions=drop"), "unknown match field 'colour'"));
  EXPECT_TRUE(contains(message_of("sctp,actions=drop"), "unknown match keyword 'sctp'"));
}

// ---------------------------------------------------------------------------
// One test per match field

TEST(FlowMatch, InPort) {
  EXPECT_EQ(matches_of("in_port=7,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kInPort, 7, 0xffff)}));
  EXPECT_TRUE(contains(message_of("in_port=LOCAL,actions=drop"), "not a number"));
  EXPECT_EQ(error_of("in_port=65534,actions=drop").code, ErrorCode::kUnsupported);
}

TEST(FlowMatch, DlSrcAndDlDstWithMask) {
  EXPECT_EQ(matches_of("dl_src=00:11:22:33:44:55,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlSrc, 0x001122334455, 0xffffffffffff)}));
  EXPECT_EQ(matches_of("dl_dst=aa:bb:cc:dd:ee:ff/ff:ff:ff:00:00:00,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlDst, 0xaabbcc000000, 0xffffff000000)}));
  EXPECT_EQ(matches_of("eth_dst=01:00:00:00:00:00/01:00:00:00:00:00,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlDst, 0x010000000000, 0x010000000000)}));
  EXPECT_TRUE(contains(message_of("dl_src=00:11:22:33:44,actions=drop"), "bad MAC address"));
}

TEST(FlowMatch, DlType) {
  EXPECT_EQ(matches_of("dl_type=0x0806,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlType, 0x0806, 0xffff)}));
  EXPECT_EQ(matches_of("eth_type=2048,actions=drop"), (std::vector<FieldMatch>{kIp}));
  EXPECT_TRUE(contains(message_of("dl_type=0x0800/0xff00,actions=drop"), "does not support masking"));
}

TEST(FlowMatch, DlVlan) {
  EXPECT_EQ(matches_of("dl_vlan=100,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlVlan, 100, 0xfff)}));
  // ovs-fields(7): dl_vlan=0xffff matches only untagged packets.
  EXPECT_EQ(matches_of("dl_vlan=0xffff,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kDlVlan, 0xffff, 0xffff)}));
  EXPECT_TRUE(contains(message_of("dl_vlan=4096,actions=drop"), "exceeds 4095"));
}

TEST(FlowMatch, NwSrcPrefixAndMask) {
  EXPECT_EQ(matches_of("ip,nw_src=10.0.0.1,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwSrc, 0x0a000001, 0xffffffff)}));
  EXPECT_EQ(matches_of("ip,nw_src=10.1.2.3/16,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwSrc, 0x0a010000, 0xffff0000)}));
  EXPECT_EQ(matches_of("ip,ip_src=192.168.1.0/255.255.255.0,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwSrc, 0xc0a80100, 0xffffff00)}));
  EXPECT_EQ(matches_of("ip,nw_src=1.2.3.4/0,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwSrc, 0, 0)}));
  EXPECT_TRUE(contains(message_of("ip,nw_src=10.0.0.1/33,actions=drop"), "exceeds 32"));
  EXPECT_TRUE(contains(message_of("ip,nw_src=10.0.0.256,actions=drop"), "bad IPv4 address"));
  EXPECT_TRUE(contains(message_of("ip,nw_src=fd00::1,actions=drop"), "not an IPv4 address"));
}

TEST(FlowMatch, NwDst) {
  EXPECT_EQ(matches_of("ip,nw_dst=172.16.0.9,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwDst, 0xac100009, 0xffffffff)}));
}

TEST(FlowMatch, Ipv6SrcAndDst) {
  EXPECT_EQ(matches_of("ipv6,ipv6_src=fd00::1,actions=drop"),
            (std::vector<FieldMatch>{
                kIpv6, {FlowField::kIpv6Src, {0xfd00000000000000, 1}, {~0ull, ~0ull}}}));
  EXPECT_EQ(matches_of("ipv6,ipv6_dst=2001:db8:1:2::5/64,actions=drop"),
            (std::vector<FieldMatch>{
                kIpv6, {FlowField::kIpv6Dst, {0x20010db800010002, 0}, {~0ull, 0}}}));
  EXPECT_EQ(matches_of("ipv6,ipv6_dst=2001:db8::/36,actions=drop"),
            (std::vector<FieldMatch>{
                kIpv6, {FlowField::kIpv6Dst, {0x20010db800000000, 0}, {0xfffffffff0000000, 0}}}));
  EXPECT_TRUE(contains(message_of("ipv6,ipv6_src=fd00::1/129,actions=drop"), "exceeds 128"));
  EXPECT_TRUE(contains(message_of("ipv6,ipv6_src=10.0.0.1,actions=drop"), "not an IPv6 address"));
}

TEST(FlowMatch, NwProto) {
  EXPECT_EQ(matches_of("ip,nw_proto=47,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwProto, 47, 0xff)}));
  EXPECT_EQ(matches_of("ipv6,ip_proto=6,actions=drop"), (std::vector<FieldMatch>{kIpv6, kTcpProto}));
}

TEST(FlowMatch, NwTos) {
  EXPECT_EQ(matches_of("ip,nw_tos=0xb8,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kNwTos, 0xb8, 0xfc)}));
  EXPECT_TRUE(contains(message_of("ip,nw_tos=1,actions=drop"), "ECN"));
}

TEST(FlowMatch, IpDscp) {
  EXPECT_EQ(matches_of("ip,ip_dscp=46,actions=drop"),
            (std::vector<FieldMatch>{kIp, exact(FlowField::kIpDscp, 46, 0x3f)}));
  EXPECT_TRUE(contains(message_of("ip,ip_dscp=64,actions=drop"), "does not fit in 6 bits"));
}

TEST(FlowMatch, NwTtl) {
  EXPECT_EQ(matches_of("ipv6,nw_ttl=1,actions=drop"),
            (std::vector<FieldMatch>{kIpv6, exact(FlowField::kNwTtl, 1, 0xff)}));
}

TEST(FlowMatch, TpSrcAndTpDst) {
  EXPECT_EQ(matches_of("tcp,tp_dst=80,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTpDst, 80, 0xffff)}));
  EXPECT_EQ(matches_of("udp,tp_src=0x1000/0xf000,actions=drop"),
            (std::vector<FieldMatch>{kIp, kUdpProto, exact(FlowField::kTpSrc, 0x1000, 0xf000)}));
  EXPECT_EQ(matches_of("tcp6,tcp_src=22,actions=drop"),
            (std::vector<FieldMatch>{kIpv6, kTcpProto, exact(FlowField::kTpSrc, 22, 0xffff)}));
  EXPECT_EQ(matches_of("udp6,udp_dst=53,actions=drop"),
            (std::vector<FieldMatch>{kIpv6, kUdpProto, exact(FlowField::kTpDst, 53, 0xffff)}));
  EXPECT_TRUE(contains(message_of("tcp,tp_dst=65536,actions=drop"), "does not fit in 16 bits"));
  EXPECT_TRUE(contains(message_of("tcp,tp_dst=8o,actions=drop"), "not a number"));
}

TEST(FlowMatch, IcmpTypeAndCode) {
  const FieldMatch icmp_proto = exact(FlowField::kNwProto, 1, 0xff);
  EXPECT_EQ(matches_of("icmp,icmp_type=8,icmp_code=0,actions=drop"),
            (std::vector<FieldMatch>{kIp, icmp_proto, exact(FlowField::kIcmpType, 8, 0xff),
                                     exact(FlowField::kIcmpCode, 0, 0xff)}));
  const FieldMatch icmp6_proto = exact(FlowField::kNwProto, 58, 0xff);
  EXPECT_EQ(matches_of("icmp6,icmpv6_type=128,icmpv6_code=0,actions=drop"),
            (std::vector<FieldMatch>{kIpv6, icmp6_proto, exact(FlowField::kIcmpType, 128, 0xff),
                                     exact(FlowField::kIcmpCode, 0, 0xff)}));
}

TEST(FlowMatch, TcpFlagsFlagAndNumericForms) {
  EXPECT_EQ(matches_of("tcp,tcp_flags=+syn-ack,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTcpFlags, 0x002, 0x012)}));
  EXPECT_EQ(matches_of("tcp,tcp_flags=-rst+fin+ns,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTcpFlags, 0x101, 0x105)}));
  EXPECT_EQ(matches_of("tcp,tcp_flags=0x012/0x0ff,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTcpFlags, 0x012, 0x0ff)}));
  EXPECT_EQ(matches_of("tcp,tcp_flags=2,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTcpFlags, 2, 0xfff)}));
  EXPECT_TRUE(contains(message_of("tcp,tcp_flags=+syn+bogus,actions=drop"), "unknown flag 'bogus'"));
  EXPECT_TRUE(contains(message_of("tcp,tcp_flags=+syn-syn,actions=drop"), "given twice"));
}

TEST(FlowMatch, CtStateFlagAndNumericForms) {
  EXPECT_EQ(matches_of("ct_state=+trk+est-new,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x22, 0x23)}));
  EXPECT_EQ(matches_of("ct_state=-trk,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x00, 0x20)}));
  EXPECT_EQ(matches_of("ct_state=+trk+snat+dnat+rpl+rel+inv,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0xfc, 0xfc)}));
  EXPECT_EQ(matches_of("ct_state=0x21/0x23,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x21, 0x23)}));
  EXPECT_EQ(matches_of("ct_state=0x20,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x20, 0xff)}));
  EXPECT_TRUE(contains(message_of("ct_state=trk,actions=drop"), "preceded by '+'"));
  EXPECT_TRUE(contains(message_of("ct_state=+trk+old,actions=drop"), "unknown flag 'old'"));
}

TEST(FlowMatch, CtZone) {
  EXPECT_EQ(matches_of("ct_zone=5,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtZone, 5, 0xffff)}));
  EXPECT_TRUE(contains(message_of("ct_zone=5/1,actions=drop"), "does not support masking"));
}

TEST(FlowMatch, CtMarkWithMask) {
  EXPECT_EQ(matches_of("ct_mark=1,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtMark, 1, 0xffffffff)}));
  EXPECT_EQ(matches_of("ct_mark=0x13/0x0f,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kCtMark, 0x03, 0x0f)}));  // value masked
}

TEST(FlowMatch, CtLabelWithMask) {
  EXPECT_EQ(matches_of("ct_label=0x1,actions=drop"),
            (std::vector<FieldMatch>{{FlowField::kCtLabel, {0, 1}, {~0ull, ~0ull}}}));
  EXPECT_EQ(matches_of("ct_label=0x80000000000000000000000000000001/"
                       "0x80000000000000000000000000000000,actions=drop"),
            (std::vector<FieldMatch>{{FlowField::kCtLabel, {0x8000000000000000, 0}, {0x8000000000000000, 0}}}));
  EXPECT_TRUE(contains(message_of("ct_label=0x1g,actions=drop"), "bad ct_label"));
}

TEST(FlowMatch, AllRegisters) {
  for (int i = 0; i < 8; ++i) {
    const std::string text = "reg" + std::to_string(i) + "=0x" + std::to_string(i + 1) + ",actions=drop";
    EXPECT_EQ(matches_of(text), (std::vector<FieldMatch>{exact(
                                    static_cast<FlowField>(static_cast<int>(FlowField::kReg0) + i), i + 1,
                                    0xffffffff)}));
  }
  EXPECT_EQ(matches_of("reg3=0x100/0xff00,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kReg3, 0x100, 0xff00)}));
  EXPECT_TRUE(contains(message_of("reg0=0x100000000,actions=drop"), "does not fit in 32 bits"));
}

TEST(FlowMatch, Metadata) {
  EXPECT_EQ(matches_of("metadata=0x123456789abcdef0,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kMetadata, 0x123456789abcdef0, ~0ull)}));
  EXPECT_EQ(matches_of("metadata=0x5/0xf,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kMetadata, 5, 0xf)}));
}

TEST(FlowMatch, NxmNamesAreNotMatchKeys) {
  // ovs-ofctl looks match keys up by ovs-fields(7) name only.
  EXPECT_TRUE(contains(message_of("NXM_NX_REG0=1,actions=drop"), "write reg0"));
}

// ---------------------------------------------------------------------------
// Shorthands, duplicates and prerequisites

TEST(FlowMatch, ShorthandsExpandToDlTypeAndNwProto) {
  struct Case {
    const char* name;
    uint16_t dl_type;
    uint8_t proto;
  } cases[] = {{"ip", 0x0800, 0},   {"ipv6", 0x86dd, 0}, {"tcp", 0x0800, 6},    {"tcp6", 0x86dd, 6},
               {"udp", 0x0800, 17}, {"udp6", 0x86dd, 17}, {"icmp", 0x0800, 1}, {"icmp6", 0x86dd, 58},
               {"arp", 0x0806, 0}};
  for (const Case& c : cases) {
    std::vector<FieldMatch> want{exact(FlowField::kDlType, c.dl_type, 0xffff)};
    if (c.proto != 0) want.push_back(exact(FlowField::kNwProto, c.proto, 0xff));
    EXPECT_EQ(matches_of(std::string(c.name) + ",actions=drop"), want) << c.name;
  }
}

TEST(FlowMatch, ShorthandsMayRestateButNotContradict) {
  EXPECT_EQ(matches_of("ip,tcp,actions=drop"), (std::vector<FieldMatch>{kIp, kTcpProto}));
  EXPECT_EQ(matches_of("dl_type=0x0800,tcp,actions=drop"), (std::vector<FieldMatch>{kIp, kTcpProto}));
  EXPECT_TRUE(contains(message_of("ip,ipv6,actions=drop"), "duplicate match on dl_type"));
  EXPECT_TRUE(contains(message_of("tcp,nw_proto=17,actions=drop"), "duplicate match on nw_proto"));
}

TEST(FlowMatch, DuplicateFieldIsAnError) {
  EXPECT_EQ(message_of("reg0=1,reg0=1,actions=drop"),
            "line 1, column 8: duplicate match on reg0 (already set by 'reg0')");
  EXPECT_TRUE(contains(message_of("tcp,tp_dst=1,tcp_dst=2,actions=drop"), "duplicate match on tp_dst"));
}

TEST(FlowMatch, PrerequisitesEnforced) {
  EXPECT_TRUE(contains(message_of("nw_src=10.0.0.1,actions=drop"), "nw_src prerequisites not met"));
  EXPECT_TRUE(contains(message_of("ipv6,nw_dst=10.0.0.1,actions=drop"), "prerequisites not met"));
  EXPECT_TRUE(contains(message_of("ip,ipv6_src=fd00::1,actions=drop"), "ipv6_src prerequisites not met"));
  EXPECT_TRUE(contains(message_of("nw_proto=6,actions=drop"), "nw_proto prerequisites not met"));
  EXPECT_TRUE(contains(message_of("arp,nw_tos=0,actions=drop"), "prerequisites not met"));
  EXPECT_TRUE(contains(message_of("ip,tp_dst=80,actions=drop"), "tp_dst prerequisites not met"));
  EXPECT_TRUE(contains(message_of("icmp,tp_dst=80,actions=drop"), "prerequisites not met"));
  EXPECT_TRUE(contains(message_of("udp,tcp_dst=80,actions=drop"), "tcp_dst prerequisites not met"));
  EXPECT_TRUE(contains(message_of("tcp,udp_src=80,actions=drop"), "udp_src prerequisites not met"));
  EXPECT_TRUE(contains(message_of("tcp,icmp_type=8,actions=drop"), "icmp_type prerequisites not met"));
  // icmp_type is ICMPv4 only; ICMPv6 needs icmpv6_type (ovs-fields(7)).
  EXPECT_TRUE(contains(message_of("icmp6,icmp_type=128,actions=drop"), "icmp_type prerequisites not met"));
  EXPECT_TRUE(contains(message_of("icmp,icmpv6_type=8,actions=drop"), "prerequisites not met"));
  EXPECT_TRUE(contains(message_of("udp,tcp_flags=+syn,actions=drop"), "tcp_flags prerequisites not met"));
  // A prerequisite written after the field is fine: OVS checks the whole match.
  EXPECT_EQ(matches_of("tp_dst=80,tcp,actions=drop"),
            (std::vector<FieldMatch>{exact(FlowField::kTpDst, 80, 0xffff), kIp, kTcpProto}));
  EXPECT_EQ(matches_of("dl_type=0x0800,nw_proto=6,tp_dst=80,actions=drop"),
            (std::vector<FieldMatch>{kIp, kTcpProto, exact(FlowField::kTpDst, 80, 0xffff)}));
}

// ---------------------------------------------------------------------------
// Text layout: comments, blank lines, separators, error positions

TEST(FlowParser, CommentsBlankLinesAndLineNumbers) {
  const char* text =
      "# a firewall\n"
      "\n"
      "   \t\n"
      "table=0,priority=1,actions=drop   # trailing comment\n"
      "  # indented comment\n"
      "table=0 priority=2 tcp actions=output:1\r\n";
  Result<FlowProgram> program = parse_flow_program(text);
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_EQ(program->rules.size(), 2u);
  EXPECT_EQ(program->rules[0].line, 4u);
  EXPECT_EQ(program->rules[0].text, "table=0,priority=1,actions=drop");
  EXPECT_EQ(program->rules[1].line, 6u);
  EXPECT_EQ(program->rules[1].priority, 2);
  EXPECT_EQ(program->rules[1].matches, (std::vector<FieldMatch>{kIp, kTcpProto}));
  EXPECT_EQ(program->rules[1].actions, (std::vector<FlowAction>{OutputAction{1}}));
  EXPECT_TRUE(parse_flow_program("").ok());
  EXPECT_TRUE(parse_flow_program("# only comments\n\n").ok());
}

TEST(FlowParser, ErrorsNameLineAndColumn) {
  EXPECT_EQ(message_of("actions=drop\n  tcp,tp_dst=99999,actions=drop"),
            "line 2, column 14: tp_dst: '99999' does not fit in 16 bits");
  EXPECT_EQ(message_of("priority=1,bogus=1,actions=drop"),
            "line 1, column 12: unknown match field 'bogus'");
  EXPECT_EQ(message_of("ip,actions=frobnicate"), "line 1, column 12: unknown action 'frobnicate'");
  EXPECT_EQ(message_of("tp_dst=80,actions=drop"),
            "line 1, column 1: tp_dst prerequisites not met: the match needs tcp or udp (nw_proto=6 or 17)");
  EXPECT_EQ(message_of("ip,actions=ct(commit"),
            "line 1, column 14: unbalanced parentheses: '(' is never closed");
  EXPECT_EQ(message_of("ip,actions=ct(commit)),drop"),
            "line 1, column 22: unbalanced parentheses: ')' without matching '('");
  EXPECT_EQ(message_of("ip,nw_src=1.2.3/8,actions=drop"), "line 1, column 11: bad IPv4 address '1.2.3'");
  EXPECT_EQ(error_of("ip,nw_src=1.2.3/8,actions=drop").code, ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// One test per action

TEST(FlowAction, Output) {
  EXPECT_EQ(only_action("actions=output:3"), FlowAction(OutputAction{3}));
  EXPECT_EQ(only_action("actions=3"), FlowAction(OutputAction{3}));
  EXPECT_EQ(actions_of("actions=1,2 output:0x10"),
            (std::vector<FlowAction>{OutputAction{1}, OutputAction{2}, OutputAction{16}}));
  EXPECT_TRUE(contains(message_of("actions=output:eth0"), "expected an OpenFlow port number"));
  EXPECT_EQ(error_of("actions=output:65533").code, ErrorCode::kUnsupported);
}

TEST(FlowAction, Drop) {
  EXPECT_EQ(only_action("actions=drop"), FlowAction(DropAction{}));
  EXPECT_TRUE(actions_of("actions=").empty());  // an empty list also drops
  EXPECT_TRUE(contains(message_of("actions=output:1,drop"), "'drop' must be the only action"));
}

TEST(FlowAction, Resubmit) {
  EXPECT_EQ(only_action("actions=resubmit(,2)"), FlowAction(ResubmitAction{std::nullopt, 2}));
  EXPECT_EQ(only_action("actions=resubmit(5,2)"), FlowAction(ResubmitAction{5, 2}));
  EXPECT_EQ(only_action("actions=resubmit(5)"), FlowAction(ResubmitAction{5, std::nullopt}));
  EXPECT_EQ(only_action("actions=resubmit:5"), FlowAction(ResubmitAction{5, std::nullopt}));
  EXPECT_EQ(only_action("actions=resubmit(in_port,1)"), FlowAction(ResubmitAction{std::nullopt, 1}));
  EXPECT_TRUE(contains(message_of("actions=resubmit(,)"), "needs a port, a table or both"));
  EXPECT_TRUE(contains(message_of("actions=resubmit(,256)"), "does not fit in 8 bits"));
  EXPECT_EQ(error_of("actions=resubmit(,1,ct)").code, ErrorCode::kUnsupported);
}

TEST(FlowAction, GotoTable) {
  EXPECT_EQ(only_action("table=1,actions=goto_table:4"), FlowAction(GotoTableAction{4}));
  EXPECT_EQ(actions_of("actions=output:1,goto_table:1"),
            (std::vector<FlowAction>{OutputAction{1}, GotoTableAction{1}}));
  EXPECT_TRUE(contains(message_of("table=2,actions=goto_table:2"), "must name a table after"));
  EXPECT_TRUE(contains(message_of("actions=goto_table:1,output:2"), "no action may follow goto_table"));
}

TEST(FlowAction, CtClear) { EXPECT_EQ(only_action("actions=ct_clear"), FlowAction(CtClearAction{})); }

TEST(FlowAction, DecTtl) {
  EXPECT_EQ(only_action("actions=dec_ttl"), FlowAction(DecTtlAction{}));
  EXPECT_EQ(error_of("actions=dec_ttl(1,2)").code, ErrorCode::kUnsupported);
}

TEST(FlowAction, CtPlain) {
  EXPECT_EQ(only_action("ip,actions=ct"), FlowAction(CtAction{}));
  EXPECT_EQ(only_action("ipv6,actions=ct()"), FlowAction(CtAction{}));
  CtAction want;
  want.commit = true;
  want.force = true;
  want.zone = 7;
  want.table = 3;
  EXPECT_EQ(only_action("tcp,actions=ct(commit,force,zone=7,table=3)"), FlowAction(want));
}

TEST(FlowAction, CtZoneFromRegister) {
  CtAction want;
  want.zone_source = FieldRef{FlowField::kReg6, 0, 16};
  want.table = 1;
  EXPECT_EQ(only_action("ip,actions=ct(zone=NXM_NX_REG6[0..15],table=1)"), FlowAction(want));
  want.zone_source = FieldRef{FlowField::kReg0, 16, 16};
  EXPECT_EQ(only_action("ip,actions=ct(zone=reg0[16..31],table=1)"), FlowAction(want));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(zone=reg0[0..7])"), "must be 16 bits wide"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(zone=70000)"), "does not fit in 16 bits"));
}

TEST(FlowAction, CtNatWithoutRange) {
  CtAction want;
  want.nat = true;
  want.table = 2;
  EXPECT_EQ(only_action("ip,actions=ct(nat,table=2)"), FlowAction(want));
  EXPECT_EQ(only_action("ip,actions=ct(nat(),table=2)"), FlowAction(want));
}

TEST(FlowAction, CtNatIpv4Range) {
  CtAction want;
  want.commit = true;
  want.nat = true;
  want.nat_range = NatRange{NatRange::Kind::kSrc, IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 9),
                            1000, 2000, true, true};
  EXPECT_EQ(only_action("ip,actions=ct(commit,nat(src=10.0.0.1-10.0.0.9:1000-2000,persistent,random))"),
            FlowAction(want));
  want.nat_range = NatRange{NatRange::Kind::kDst, IpAddress::v4(192, 168, 0, 5), IpAddress::v4(192, 168, 0, 5),
                            8080, 8080, false, false};
  EXPECT_EQ(only_action("tcp,actions=ct(commit,nat(dst=192.168.0.5:8080,hash))"), FlowAction(want));
}

TEST(FlowAction, CtNatIpv6RangeInBrackets) {
  const IpAddress lo6 = *IpAddress::parse("fd00::1");
  const IpAddress hi6 = *IpAddress::parse("fd00::2");
  CtAction want;
  want.commit = true;
  want.nat = true;
  want.nat_range = NatRange{NatRange::Kind::kSrc, lo6, hi6, 100, 200, false, false};
  EXPECT_EQ(only_action("ipv6,actions=ct(commit,nat(src=[fd00::1]-[fd00::2]:100-200))"), FlowAction(want));
  want.nat_range = NatRange{NatRange::Kind::kSrc, lo6, hi6, 0, 0, false, false};
  EXPECT_EQ(only_action("ipv6,actions=ct(commit,nat(src=fd00::1-fd00::2))"), FlowAction(want));
}

TEST(FlowAction, CtNatRangeErrors) {
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.9-10.0.0.1))"), "runs backwards"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1:200-100))"), "runs backwards"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1,dst=10.0.0.2))"),
                       "one of src or dst"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1,random,hash))"),
                       "random and hash"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(persistent))"), "only allowed with src or dst"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1-fd00::1))"), "mixes IPv4 and IPv6"));
  EXPECT_TRUE(contains(message_of("ipv6,actions=ct(commit,nat(src=[fd00::1))"), "missing ']'"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1:70000))"), "does not fit"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.x))"), "bad IPv4 address"));
  EXPECT_TRUE(contains(message_of("ipv6,actions=ct(commit,nat(src=10.0.0.1))"), "needs a match on ip"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=[fd00::1]))"), "needs a match on ipv6"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,nat(src=10.0.0.1),nat)"), "nat given twice"));
}

TEST(FlowAction, CtNatRangeWithoutCommitIsAccepted) {
  // OVS accepts it; the range only matters when a connection is committed.
  CtAction want;
  want.nat = true;
  want.nat_range = NatRange{NatRange::Kind::kDst, IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 1),
                            0, 0, false, false};
  EXPECT_EQ(only_action("ip,actions=ct(nat(dst=10.0.0.1))"), FlowAction(want));
}

TEST(FlowAction, CtExecSetsMarkAndLabel) {
  CtAction want;
  want.commit = true;
  want.set_mark = 0x5;
  want.mark_mask = 0xff;
  want.set_label = CtLabel{0x1, 0x2};
  want.label_mask = CtLabel{UINT64_MAX, UINT64_MAX};
  EXPECT_EQ(only_action("ip,actions=ct(commit,exec(set_field:0x5/0xff->ct_mark,"
                        "set_field:0x10000000000000002->ct_label))"),
            FlowAction(want));

  CtAction loaded;
  loaded.commit = true;
  loaded.set_mark = 0x30001;  // two loads into disjoint bits combine
  loaded.mark_mask = 0x3ffff;
  loaded.set_label = CtLabel{0, 0x100};
  loaded.label_mask = CtLabel{0, 0xff00};
  EXPECT_EQ(only_action("ip,actions=ct(commit,exec(load:0x1->NXM_NX_CT_MARK[0..15],"
                        "load:3->NXM_NX_CT_MARK[16..17],load:1->NXM_NX_CT_LABEL[8..15]))"),
            FlowAction(loaded));

  CtAction whole;
  whole.commit = true;
  whole.set_mark = 7;
  EXPECT_EQ(only_action("ip,actions=ct(commit,exec(load:7->NXM_NX_CT_MARK[]))"), FlowAction(whole));
}

TEST(FlowAction, CtRuleViolations) {
  EXPECT_EQ(message_of("in_port=1,actions=ct(commit)"),
            "line 1, column 19: ct action requires IP match (add ip or ipv6 to the match)");
  EXPECT_TRUE(contains(message_of("arp,actions=ct"), "ct action requires IP match"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(exec(set_field:1->ct_mark))"), "exec requires commit"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(force)"), "force requires commit"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,exec(set_field:1->reg0))"),
                       "may only set ct_mark and ct_label"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,exec(output:1))"), "only accepts set_field or load"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(commit,bogus)"), "ct: unknown option 'bogus'"));
  EXPECT_TRUE(contains(message_of("ip,actions=ct(zone=1,zone=2)"), "zone given twice"));
  EXPECT_EQ(error_of("ip,actions=ct(commit,alg=ftp)").code, ErrorCode::kUnsupported);
}

TEST(FlowAction, SetFieldOnEachKindOfField) {
  EXPECT_EQ(only_action("actions=set_field:0x2a->reg1"),
            FlowAction(set(FlowField::kReg1, lo(0x2a), lo(0xffffffff))));
  EXPECT_EQ(only_action("actions=set_field:0x20/0xf0->reg2"),
            FlowAction(set(FlowField::kReg2, lo(0x20), lo(0xf0))));
  EXPECT_EQ(only_action("actions=set_field:0xff/0x0f->metadata"),
            FlowAction(set(FlowField::kMetadata, lo(0x0f), lo(0x0f))));
  EXPECT_EQ(only_action("actions=set_field:02:00:00:00:00:01->eth_dst"),
            FlowAction(set(FlowField::kDlDst, lo(0x020000000001), lo(0xffffffffffff))));
  EXPECT_EQ(only_action("ip,actions=set_field:10.0.0.1->nw_dst"),
            FlowAction(set(FlowField::kNwDst, lo(0x0a000001), lo(0xffffffff))));
  EXPECT_EQ(only_action("ipv6,actions=set_field:fd00::9->ipv6_src"),
            FlowAction(set(FlowField::kIpv6Src, {0xfd00000000000000, 9}, {~0ull, ~0ull})));
  EXPECT_EQ(only_action("udp,actions=set_field:53->tp_dst"),
            FlowAction(set(FlowField::kTpDst, lo(53), lo(0xffff))));
  EXPECT_EQ(only_action("ip,actions=set_field:9->nw_ttl"),
            FlowAction(set(FlowField::kNwTtl, lo(9), lo(0xff))));
  EXPECT_EQ(only_action("icmp,actions=set_field:0->icmp_type"),
            FlowAction(set(FlowField::kIcmpType, lo(0), lo(0xff))));
}

TEST(FlowAction, SetFieldRejections) {
  EXPECT_TRUE(contains(message_of("actions=set_field:1->ct_state"), "ct_state is read-only"));
  EXPECT_TRUE(contains(message_of("actions=set_field:1->in_port"), "in_port is read-only"));
  EXPECT_TRUE(contains(message_of("tcp,actions=set_field:0x2/0x2->tcp_flags"), "read-only"));
  EXPECT_TRUE(contains(message_of("ip,actions=set_field:1->ct_mark"), "only be set inside ct(commit,exec"));
  EXPECT_TRUE(contains(message_of("actions=set_field:10.0.0.1->nw_src"), "nw_src prerequisites not met"));
  EXPECT_TRUE(contains(message_of("ip,actions=set_field:80->tp_dst"), "tp_dst prerequisites not met"));
  EXPECT_TRUE(contains(message_of("actions=set_field:1->NXM_NX_REG0"), "write reg0"));
  EXPECT_TRUE(contains(message_of("ip,actions=set_field:1/1->nw_ttl"), "does not support masking"));
  EXPECT_TRUE(contains(message_of("actions=set_field:1->reg9"), "unknown field 'reg9'"));
  EXPECT_TRUE(contains(message_of("actions=set_field:1"), "expected VALUE->FIELD"));
}

TEST(FlowAction, LoadIntoBitRange) {
  EXPECT_EQ(only_action("actions=load:0x5->NXM_NX_REG0[4..7]"),
            FlowAction(set(FlowField::kReg0, lo(0x50), lo(0xf0))));
  EXPECT_EQ(only_action("actions=load:1->reg3[31]"),
            FlowAction(set(FlowField::kReg3, lo(0x80000000), lo(0x80000000))));
  EXPECT_EQ(only_action("actions=load:0xdeadbeef->NXM_NX_REG2[]"),
            FlowAction(set(FlowField::kReg2, lo(0xdeadbeef), lo(0xffffffff))));
  EXPECT_EQ(only_action("actions=load:0x1->OXM_OF_METADATA[32..63]"),
            FlowAction(set(FlowField::kMetadata, lo(0x100000000), lo(0xffffffff00000000))));
  EXPECT_EQ(only_action("ip,actions=load:0xc0a80001->NXM_OF_IP_SRC[]"),
            FlowAction(set(FlowField::kNwSrc, lo(0xc0a80001), lo(0xffffffff))));
  EXPECT_TRUE(contains(message_of("actions=load:16->NXM_NX_REG0[0..3]"), "does not fit in 4 bits"));
  EXPECT_TRUE(contains(message_of("actions=load:1->NXM_NX_REG0[0..32]"), "exceeds"));
  EXPECT_TRUE(contains(message_of("actions=load:1->NXM_NX_REG0[7..3]"), "runs backwards"));
  EXPECT_TRUE(contains(message_of("actions=load:1->NXM_NX_CT_MARK[]"), "only be set inside ct"));
  EXPECT_TRUE(contains(message_of("actions=load:1->NXM_OF_IP_DST[]"), "prerequisites not met"));
}

TEST(FlowAction, MoveBetweenSubfields) {
  EXPECT_EQ(only_action("actions=move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31]"),
            FlowAction(MoveAction{{FlowField::kReg0, 0, 16}, {FlowField::kReg1, 16, 16}}));
  EXPECT_EQ(only_action("actions=move:NXM_NX_CT_MARK[]->reg4[]"),
            FlowAction(MoveAction{{FlowField::kCtMark, 0, 32}, {FlowField::kReg4, 0, 32}}));
  EXPECT_EQ(only_action("actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]"),
            FlowAction(MoveAction{{FlowField::kDlSrc, 0, 48}, {FlowField::kDlDst, 0, 48}}));
  EXPECT_TRUE(contains(message_of("actions=move:NXM_NX_REG0[0..15]->NXM_NX_REG1[0..7]"),
                       "widths differ (16 vs 8 bits)"));
  EXPECT_TRUE(contains(message_of("actions=move:reg0[0..15]->NXM_NX_CT_ZONE[]"), "read-only"));
  EXPECT_TRUE(contains(message_of("actions=move:NXM_OF_IP_SRC[]->reg0[]"), "prerequisites not met"));
}

TEST(FlowAction, ModDlSrcAndDst) {
  EXPECT_EQ(only_action("actions=mod_dl_src:00:00:00:00:00:0a"),
            FlowAction(set(FlowField::kDlSrc, lo(0x0a), lo(0xffffffffffff))));
  EXPECT_EQ(only_action("actions=mod_dl_dst:ff:ff:ff:ff:ff:ff"),
            FlowAction(set(FlowField::kDlDst, lo(0xffffffffffff), lo(0xffffffffffff))));
  EXPECT_TRUE(contains(message_of("actions=mod_dl_src:00:00"), "bad MAC address"));
}

TEST(FlowAction, ModNwSrcAndDst) {
  EXPECT_EQ(only_action("ip,actions=mod_nw_src:1.2.3.4"),
            FlowAction(set(FlowField::kNwSrc, lo(0x01020304), lo(0xffffffff))));
  EXPECT_EQ(only_action("ip,actions=mod_nw_dst:5.6.7.8"),
            FlowAction(set(FlowField::kNwDst, lo(0x05060708), lo(0xffffffff))));
  EXPECT_TRUE(contains(message_of("ipv6,actions=mod_nw_src:1.2.3.4"), "mod_nw_src prerequisites not met"));
  EXPECT_TRUE(contains(message_of("ip,actions=mod_nw_src:fd00::1"), "not an IPv4 address"));
}

TEST(FlowAction, ModTpSrcAndDst) {
  EXPECT_EQ(only_action("tcp,actions=mod_tp_src:1234"),
            FlowAction(set(FlowField::kTpSrc, lo(1234), lo(0xffff))));
  EXPECT_EQ(only_action("udp6,actions=mod_tp_dst:53"), FlowAction(set(FlowField::kTpDst, lo(53), lo(0xffff))));
  EXPECT_TRUE(contains(message_of("icmp,actions=mod_tp_dst:53"), "mod_tp_dst prerequisites not met"));
}

TEST(FlowAction, ModNwTos) {
  EXPECT_EQ(only_action("ip,actions=mod_nw_tos:184"), FlowAction(set(FlowField::kNwTos, lo(0xb8), lo(0xfc))));
  EXPECT_TRUE(contains(message_of("ip,actions=mod_nw_tos:3"), "ECN"));
}

TEST(FlowAction, OutOfScopeActions) {
  for (const char* action : {"normal", "NORMAL", "flood", "all", "controller", "local", "in_port",
                             "learn(table=1,NXM_OF_VLAN_TCI[0..11])", "group:1", "controller(reason=no_match)",
                             "output:NORMAL", "strip_vlan"}) {
    const Error e = error_of(std::string("actions=") + action);
    EXPECT_EQ(e.code, ErrorCode::kUnsupported) << action;
    EXPECT_TRUE(contains(e.message, "out of scope")) << action;
  }
  EXPECT_EQ(message_of("ip,actions=ct(commit),normal"), "line 1, column 23: action 'normal' is out of scope");
  EXPECT_EQ(message_of("actions=learn(table=1)"), "line 1, column 9: action 'learn' is out of scope");
}

TEST(FlowAction, MalformedActions) {
  EXPECT_TRUE(contains(message_of("actions=output:1x"), "not a number"));
  EXPECT_TRUE(contains(message_of("actions=resubmit(,1"), "never closed"));
  EXPECT_TRUE(contains(message_of("actions=resubmit(,1)x"), "expected ')'"));
  EXPECT_TRUE(contains(message_of("actions=fly(1)"), "unknown action 'fly'"));
  EXPECT_TRUE(contains(message_of("actions=goto_table:x"), "not a number"));
}

// ---------------------------------------------------------------------------
// to_string

TEST(FlowActionToString, FormatsInOvsOfctlSyntax) {
  EXPECT_EQ(to_string(OutputAction{2}), "output:2");
  EXPECT_EQ(to_string(DropAction{}), "drop");
  EXPECT_EQ(to_string(ResubmitAction{std::nullopt, 3}), "resubmit(,3)");
  EXPECT_EQ(to_string(ResubmitAction{4, 3}), "resubmit(4,3)");
  EXPECT_EQ(to_string(ResubmitAction{4, std::nullopt}), "resubmit:4");
  EXPECT_EQ(to_string(GotoTableAction{5}), "goto_table:5");
  EXPECT_EQ(to_string(CtClearAction{}), "ct_clear");
  EXPECT_EQ(to_string(DecTtlAction{}), "dec_ttl");
  EXPECT_EQ(to_string(set(FlowField::kReg0, lo(5), lo(0xffffffff))), "set_field:0x5->reg0");
  EXPECT_EQ(to_string(set(FlowField::kTpDst, lo(80), lo(0xffff))), "set_field:80->tp_dst");
  EXPECT_EQ(to_string(set(FlowField::kNwTtl, lo(0x10), lo(0x30))), "load:0x1->nw_ttl[4..5]");
  EXPECT_EQ(to_string(MoveAction{{FlowField::kReg0, 0, 16}, {FlowField::kReg1, 16, 16}}),
            "move:reg0[0..15]->reg1[16..31]");
  CtAction ct;
  ct.commit = true;
  ct.zone = 4;
  ct.table = 1;
  ct.nat = true;
  ct.nat_range = NatRange{NatRange::Kind::kSrc, IpAddress::v4(10, 0, 0, 1), IpAddress::v4(10, 0, 0, 2),
                          5000, 6000, true, false};
  ct.set_mark = 1;
  EXPECT_EQ(to_string(ct),
            "ct(commit,zone=4,table=1,nat(src=10.0.0.1-10.0.0.2:5000-6000,persistent),"
            "exec(set_field:0x1->ct_mark))");
}

TEST(FlowActionToString, RoundTripsThroughTheParser) {
  // Each action, printed and parsed again under the same match, is unchanged.
  const char* match = "table=1,ipv6,tcp6,";
  const char* actions[] = {
      "output:7",
      "drop",
      "resubmit(,4)",
      "resubmit(3,4)",
      "resubmit:3",
      "goto_table:9",
      "ct_clear",
      "dec_ttl",
      "ct",
      "ct(commit,force,zone=9,table=2)",
      "ct(zone=NXM_NX_REG5[16..31],table=3,nat)",
      "ct(commit,nat(src=[fd00::1]-[fd00::ff]:1024-65535,random))",
      "ct(commit,nat(dst=[fd00::1]))",
      "ct(commit,exec(set_field:0x3/0xf->ct_mark,set_field:0xff00000000000000000000000000ff->ct_label))",
      "ct(commit,exec(load:0x1->NXM_NX_CT_LABEL[64..71]))",
      "set_field:0x1234->reg7",
      "set_field:0x1/0x3->metadata",
      "set_field:fd00::7->ipv6_dst",
      "set_field:fd00::/ffff::->ipv6_src",
      "set_field:02:00:00:00:00:01/ff:ff:ff:00:00:00->dl_src",
      "mod_dl_dst:02:00:00:00:00:02",
      "mod_tp_src:443",
      "set_field:64->nw_ttl",
      "load:0x3->NXM_NX_IP_TTL[0..1]",
      "load:0x2->NXM_OF_TCP_DST[8..11]",
      "mod_nw_tos:0x20",
      "set_field:46->ip_dscp",
      "move:NXM_NX_CT_MARK[0..15]->NXM_NX_REG0[0..15]",
      "move:ipv6_src[]->ipv6_dst[]",
  };
  for (const char* text : actions) {
    const FlowAction first = only_action(std::string(match) + "actions=" + text);
    const std::string printed = to_string(first);
    const FlowAction again = only_action(std::string(match) + "actions=" + printed);
    EXPECT_EQ(first, again) << text << " printed as " << printed;
  }
  // IPv4 NAT under an IPv4 match.
  const FlowAction nat4 = only_action("ip,actions=ct(commit,nat(dst=10.1.1.1:80))");
  EXPECT_EQ(to_string(nat4), "ct(commit,nat(dst=10.1.1.1:80))");
  EXPECT_EQ(only_action("ip,actions=" + to_string(nat4)), nat4);
}

// ---------------------------------------------------------------------------
// A whole program

TEST(FlowProgramParse, StatefulFirewallWithNat) {
  const char* program = R"(
# Table 0: send IP through conntrack in zone 1, un-NATting known connections.
table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)
table=0,priority=100,ipv6,actions=ct(table=1,zone=1,nat)
table=0,priority=0,actions=drop

# Table 1: stateful policy. Port 1 is inside, port 2 outside.
table=1,priority=200,ct_state=+trk+inv,ip,actions=drop
table=1,priority=100,ct_state=+trk+new,tcp,in_port=1,tp_dst=80,actions=ct(commit,zone=1,nat(src=192.0.2.1-192.0.2.10:10000-20000),exec(set_field:0x1/0xff->ct_mark)),output:2
table=1,priority=100,ct_state=+trk+new,tcp6,in_port=1,actions=ct(commit,zone=1,exec(load:1->NXM_NX_CT_LABEL[0])),output:2
table=1,priority=90,ct_state=+trk+est,ip,in_port=1 actions=output:2
table=1,priority=90,ct_state=+trk+est-new,ip,in_port=2,ct_mark=0x1/0xff,actions=output:1
table=1,priority=80,ct_state=+trk+rel,ip,actions=resubmit(,2)
table=1,priority=0,actions=drop
table=2,priority=10,icmp,icmp_type=3,actions=output:1
table=2,priority=0,actions=drop
)";
  Result<FlowProgram> parsed = parse_flow_program(program);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const std::vector<FlowRule>& rules = parsed->rules;
  ASSERT_EQ(rules.size(), 12u);

  CtAction recirc;
  recirc.zone = 1;
  recirc.table = 1;
  recirc.nat = true;
  EXPECT_EQ(rules[0].line, 3u);
  EXPECT_EQ(rules[0].priority, 100);
  EXPECT_EQ(rules[0].matches, (std::vector<FieldMatch>{kIp}));
  EXPECT_EQ(rules[0].actions, (std::vector<FlowAction>{recirc}));
  EXPECT_EQ(rules[1].matches, (std::vector<FieldMatch>{kIpv6}));

  EXPECT_EQ(rules[3].table, 1);
  EXPECT_EQ(rules[3].matches, (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x30, 0x30), kIp}));

  CtAction snat;
  snat.commit = true;
  snat.zone = 1;
  snat.nat = true;
  snat.nat_range = NatRange{NatRange::Kind::kSrc, IpAddress::v4(192, 0, 2, 1), IpAddress::v4(192, 0, 2, 10),
                            10000, 20000, false, false};
  snat.set_mark = 1;
  snat.mark_mask = 0xff;
  EXPECT_EQ(rules[4].matches,
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x21, 0x21), kIp, kTcpProto,
                                     exact(FlowField::kInPort, 1, 0xffff), exact(FlowField::kTpDst, 80, 0xffff)}));
  EXPECT_EQ(rules[4].actions, (std::vector<FlowAction>{snat, OutputAction{2}}));

  CtAction label;
  label.commit = true;
  label.zone = 1;
  label.set_label = CtLabel{0, 1};
  label.label_mask = CtLabel{0, 1};
  EXPECT_EQ(rules[5].actions, (std::vector<FlowAction>{label, OutputAction{2}}));

  EXPECT_EQ(rules[7].matches,
            (std::vector<FieldMatch>{exact(FlowField::kCtState, 0x22, 0x23), kIp,
                                     exact(FlowField::kInPort, 2, 0xffff), exact(FlowField::kCtMark, 1, 0xff)}));
  EXPECT_EQ(rules[8].actions, (std::vector<FlowAction>{ResubmitAction{std::nullopt, 2}}));
  EXPECT_EQ(rules[9].actions, (std::vector<FlowAction>{DropAction{}}));
  EXPECT_EQ(rules[10].table, 2);
  EXPECT_EQ(rules[10].matches, (std::vector<FieldMatch>{kIp, exact(FlowField::kNwProto, 1, 0xff),
                                                        exact(FlowField::kIcmpType, 3, 0xff)}));
  EXPECT_EQ(rules[10].line, 15u);
  EXPECT_EQ(rules[11].line, 16u);
}

TEST(FlowProgramParse, FirstErrorStopsTheProgram) {
  const char* program =
      "table=0,ip,actions=ct(table=1)\n"
      "table=1,ct_state=+trk+new,ip,actions=ct(commit),normal\n"
      "table=1,actions=learn(table=2)\n";
  const Error e = error_of(program);
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_EQ(e.message, "line 2, column 49: action 'normal' is out of scope");
}

}  // namespace
}  // namespace ctc
