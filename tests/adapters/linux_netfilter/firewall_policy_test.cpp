#include "adapters/linux_netfilter/firewall_policy.h"

#include <gtest/gtest.h>

#include <sstream>

#include "properties/programs.h"

namespace ctc::linux_netfilter {
namespace {

Policy lift(const std::string& flows) {
  auto program = parse_flow_program(flows);
  EXPECT_TRUE(program.ok()) << (program.ok() ? "" : program.error().message);
  if (!program.ok()) return {};
  auto policy = lift_policy(*program);
  EXPECT_TRUE(policy.ok()) << (policy.ok() ? "" : policy.error().message);
  return policy.ok() ? *policy : Policy{};
}

Error lift_error(const std::string& flows) {
  auto program = parse_flow_program(flows);
  EXPECT_TRUE(program.ok()) << (program.ok() ? "" : program.error().message);
  if (!program.ok()) return {};
  auto policy = lift_policy(*program);
  EXPECT_FALSE(policy.ok());
  return policy.ok() ? Error{} : policy.error();
}

// The generator's NAT pipelines also commit IPv6 with the IPv4 NAT range,
// which the flow parser (like ovs-ofctl) rejects; keep the IPv4 lines of
// those rules.
std::string flows_of(const PipelineSpec& spec) { return pipeline_flows(spec); }

// The allow rule that carries the pipeline's NAT (NAT pipelines commit the
// other family without translation).
const AllowRule& nat_rule(const Policy& p) {
  for (const AllowRule& a : p.allow) {
    if (a.nat) return a;
  }
  ADD_FAILURE() << "no allow rule carries NAT";
  return p.allow.front();
}

std::string pipeline(PipelineKind kind) {
  PipelineSpec spec;
  spec.kind = kind;
  spec.zone = 7;
  spec.second_zone = 8;
  return flows_of(spec);
}

const std::map<Port, Port> kInsideOutside = {{Port{1}, Port{2}}, {Port{2}, Port{1}}};

TEST(LiftPolicy, FirewallPipelineIsOneZoneBothFamilies) {
  const Policy p = lift(pipeline(PipelineKind::kFirewall));
  ASSERT_EQ(p.lookups.size(), 2u);
  EXPECT_EQ(p.lookups[0].family, IpFamily::kV4);
  EXPECT_EQ(p.lookups[1].family, IpFamily::kV6);
  EXPECT_FALSE(p.lookups[0].in_port.has_value());
  EXPECT_EQ(p.lookups[0].zone, Zone{7});
  EXPECT_FALSE(p.nat_on_lookup);
  ASSERT_EQ(p.allow.size(), 2u);
  EXPECT_EQ(p.allow[0].from, Port{1});
  EXPECT_EQ(p.allow[0].to, Port{2});
  EXPECT_EQ(p.allow[0].commit_zone, Zone{7});
  EXPECT_FALSE(p.allow[0].nat.has_value());
  EXPECT_EQ(p.established.size(), 2u);
  EXPECT_EQ(p.related.size(), 2u);
  EXPECT_EQ(p.audit_port, Port{3});
  EXPECT_EQ(p.routes, kInsideOutside);
}

TEST(LiftPolicy, ZonePerPortPipelineKeepsEachPortsZone) {
  const Policy p = lift(pipeline(PipelineKind::kZonePerPort));
  ASSERT_EQ(p.lookups.size(), 4u);
  EXPECT_EQ(p.lookups[0].in_port, Port{1});
  EXPECT_EQ(p.lookups[0].zone, Zone{7});
  EXPECT_EQ(p.lookups[1].in_port, Port{2});
  EXPECT_EQ(p.lookups[1].zone, Zone{8});
  EXPECT_EQ(p.allow[0].commit_zone, Zone{7});
  EXPECT_EQ(p.routes, kInsideOutside);
}

TEST(LiftPolicy, SnatGatewayCarriesTheSourceRange) {
  PipelineSpec spec{.kind = PipelineKind::kSnatGateway,
                    .zone = 1,
                    .second_zone = 2,
                    .nat_address = IpAddress::v4(192, 0, 2, 1),
                    .nat_port_min = 5000,
                    .nat_port_max = 5010,
                    .virtual_ip = IpAddress::v4(198, 51, 100, 10)};
  const Policy p = lift(flows_of(spec));
  EXPECT_TRUE(p.nat_on_lookup);
  ASSERT_EQ(p.allow.size(), 2u);  // IPv4 with SNAT, IPv6 without
  const AllowRule& a = nat_rule(p);
  ASSERT_TRUE(a.nat.has_value());
  EXPECT_EQ(a.nat->kind, NatRange::Kind::kSrc);
  EXPECT_EQ(a.nat->min_addr, IpAddress::v4(192, 0, 2, 1));
  EXPECT_EQ(a.nat->min_port, 5000);
  EXPECT_EQ(a.nat->max_port, 5010);
}

TEST(LiftPolicy, DnatBalancerCarriesTheDestination) {
  const Policy p = lift(pipeline(PipelineKind::kDnatBalancer));
  ASSERT_EQ(p.allow.size(), 2u);  // IPv4 with DNAT, IPv6 without
  const AllowRule& a = nat_rule(p);
  ASSERT_TRUE(a.nat.has_value());
  EXPECT_EQ(a.nat->kind, NatRange::Kind::kDst);
  EXPECT_EQ(a.nat->min_addr, IpAddress::v4(192, 0, 2, 1));
}

// corpora/nat/dnat-load-balancer.scenario: matches on the virtual IP and
// port, established both ways, no related rules.
TEST(LiftPolicy, CorpusDnatRuleKeepsItsMatches) {
  const Policy p = lift(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
      "table=0,priority=0,actions=drop\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,nw_dst=198.51.100.10,tp_dst=80,tcp,"
      "actions=ct(commit,zone=1,nat(dst=172.16.0.10:8080)),output:2\n"
      "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
      "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"
      "table=1,priority=70,ct_state=+trk+inv,actions=output:3\n"
      "table=1,priority=0,actions=drop\n");
  ASSERT_EQ(p.allow.size(), 1u);
  const AllowRule& a = p.allow[0];
  EXPECT_EQ(a.family, IpFamily::kV4);
  EXPECT_EQ(a.protocol, uint8_t{6});
  ASSERT_TRUE(a.dst_prefix.has_value());
  EXPECT_EQ(a.dst_prefix->address, IpAddress::v4(198, 51, 100, 10));
  EXPECT_EQ(a.dst_prefix->length, 32u);
  EXPECT_EQ(a.dst_ports, (PortRange{80, 80}));
  EXPECT_EQ(a.nat->min_port, 8080);
  EXPECT_TRUE(p.related.empty());
  ASSERT_EQ(p.lookups.size(), 1u);
}

TEST(LiftPolicy, MarkOnCommitIsKept) {
  const Policy p = lift(
      "table=0,priority=100,ip,actions=ct(table=1,zone=5)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=5,exec(set_field:42->ct_mark)),output:2\n"
      "table=1,priority=0,actions=drop\n");
  ASSERT_EQ(p.allow.size(), 1u);
  EXPECT_EQ(p.allow[0].set_mark, 42u);
  EXPECT_EQ(p.allow[0].mark_mask, UINT32_MAX);
  EXPECT_FALSE(p.audit_port.has_value());
  EXPECT_EQ(p.routes, (std::map<Port, Port>{{Port{1}, Port{2}}}));
}

// corpora/mark/mark-masked-updates.scenario: the reply matches mark bits and
// commits again to set others.
TEST(LiftPolicy, EstablishedRuleMayMatchAndUpdateTheMark) {
  const Policy p = lift(
      "table=0,priority=100,ip,actions=ct(table=1,zone=5)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=5,exec(set_field:0x5/0xf->ct_mark)),output:2\n"
      "table=1,priority=90,ip,in_port=2,ct_state=+trk+est,ct_mark=0x5/0xf,"
      "actions=ct(commit,zone=5,exec(set_field:0x30/0xf0->ct_mark)),output:1\n"
      "table=1,priority=0,actions=drop\n");
  ASSERT_EQ(p.established.size(), 1u);
  const StateForward& f = p.established[0];
  EXPECT_EQ(f.from, Port{2});
  EXPECT_EQ(f.to, Port{1});
  EXPECT_EQ(f.match_mark, 0x5u);
  EXPECT_EQ(f.match_mark_mask, 0xfu);
  EXPECT_EQ(f.set_mark, 0x30u);
  EXPECT_EQ(f.set_mark_mask, 0xf0u);
  EXPECT_EQ(f.commit_zone, Zone{5});
  const std::string text = render_nft(p);
  EXPECT_NE(text.find("    iifname \"p2\" meta nfproto ipv4 ct state established ct mark and 0xf "
                      "== 0x5 ct mark set ct mark and 0xffffff0f or 0x30 accept\n"),
            std::string::npos)
      << text;
}

// corpora/mark/mark-set-on-commit-and-matched.scenario sends established
// packets of one port to two ports depending on the mark: routing by input
// port cannot.
TEST(LiftPolicy, RejectsTwoDestinationsForOnePort) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=5)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=5,exec(set_field:42->ct_mark)),output:2\n"
      "table=1,priority=90,in_port=2,ct_state=+trk+est,ct_mark=42,actions=output:1\n"
      "table=1,priority=80,in_port=2,ct_state=+trk+est,actions=output:3\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("forwards to both 1 and 3"), std::string::npos) << e.message;
}

TEST(LiftPolicy, MaskedPortMatchBecomesARange) {
  const Policy p = lift(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,udp,in_port=1,ct_state=+trk+new,tp_dst=0x1000/0xff00,"
      "nw_src=10.0.0.0/8,actions=ct(commit,zone=1),output:2\n");
  ASSERT_EQ(p.allow.size(), 1u);
  EXPECT_EQ(p.allow[0].dst_ports, (PortRange{0x1000, 0x10ff}));
  ASSERT_TRUE(p.allow[0].src_prefix.has_value());
  EXPECT_EQ(p.allow[0].src_prefix->length, 8u);
  EXPECT_EQ(p.allow[0].src_prefix->address, IpAddress::v4(10, 0, 0, 0));
}

TEST(LiftPolicy, RejectsTwoZoneTablesPerPort) {
  // corpora/zones/zones-same-tuple-two-zones.scenario: port 2 is looked up in
  // two zones and recirculates to two tables.
  const Error e = lift_error(
      "table=0,priority=100,ip,in_port=1,actions=ct(table=1,zone=1)\n"
      "table=0,priority=100,ip,in_port=4,actions=ct(table=2,zone=2)\n"
      "table=0,priority=100,ip,in_port=2,actions=ct(table=1,zone=1),ct(table=2,zone=2)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("flow program not expressible as nftables policy"), std::string::npos)
      << e.message;
}

TEST(LiftPolicy, RejectsNewWithoutCommit) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,in_port=1,ct_state=+trk+new,actions=output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("+new"), std::string::npos) << e.message;
}

TEST(LiftPolicy, RejectsLabels) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=1,exec(set_field:1->ct_label)),output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("ct_label"), std::string::npos) << e.message;
}

TEST(LiftPolicy, RejectsNatWithoutNatOnLookup) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=1,nat(src=192.0.2.1)),output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("no nat"), std::string::npos) << e.message;
}

TEST(LiftPolicy, RejectsCommitInAnotherZone) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=2),output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("zone"), std::string::npos) << e.message;
}

TEST(LiftPolicy, RejectsRegisterMatches) {
  const Error e = lift_error(
      "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
      "table=1,priority=100,ip,reg0=1,in_port=1,ct_state=+trk+new,"
      "actions=ct(commit,zone=1),output:2\n");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_NE(e.message.find("reg0"), std::string::npos) << e.message;
}

TEST(RenderNft, FirewallRuleset) {
  PipelineSpec spec;
  spec.zone = 1;
  const std::string text = render_nft(lift(pipeline_flows(spec)));
  const std::string expected =
      "table inet ctconform {\n"
      "  chain prerouting_raw {\n"
      "    type filter hook prerouting priority raw; policy accept;\n"
      "    ip saddr 169.254.77.1 ip daddr 169.254.77.2 udp dport 9 notrack accept\n"
      "    meta nfproto ipv4 ct zone set 1 accept\n"
      "    meta nfproto ipv6 ct zone set 1 accept\n"
      "    drop\n"
      "  }\n"
      "  chain prerouting_classify {\n"
      "    type filter hook prerouting priority -175; policy accept;\n"
      "    ct state untracked accept\n"
      "    ct state invalid log prefix \"ctc inv\" group 1 accept\n"
      "    ct direction reply jump classify_reply\n"
      "    ct state new log prefix \"ctc new orig\" group 1 accept\n"
      "    ct state established log prefix \"ctc est orig\" group 1 accept\n"
      "    ct state related log prefix \"ctc rel orig\" group 1 accept\n"
      "    log prefix \"ctc unforeseen\" group 1 accept\n"
      "  }\n"
      "  chain classify_reply {\n"
      "    ct state established log prefix \"ctc est rpl\" group 1 accept\n"
      "    ct state related log prefix \"ctc rel rpl\" group 1 accept\n"
      "    log prefix \"ctc unforeseen\" group 1 accept\n"
      "  }\n"
      "  chain forward_filter {\n"
      "    type filter hook forward priority filter; policy drop;\n"
      "    ct state untracked ip saddr 169.254.77.1 udp dport 9 accept\n"
      "    iifname \"p1\" ct state established accept\n"
      "    iifname \"p2\" ct state established accept\n"
      "    iifname \"p1\" ct state related accept\n"
      "    iifname \"p2\" ct state related accept\n"
      "    iifname \"p1\" meta nfproto ipv4 ct state new accept\n"
      "    iifname \"p1\" meta nfproto ipv6 ct state new accept\n"
      "  }\n"
      "}\n"
      "table ip ctconform_audit {\n"
      "  chain prerouting_audit {\n"
      "    type filter hook prerouting priority -150; policy accept;\n"
      "    ct state invalid dup to 169.254.3.1 device \"p3\" drop\n"
      "  }\n"
      "}\n"
      "table ip6 ctconform_audit {\n"
      "  chain prerouting_audit {\n"
      "    type filter hook prerouting priority -150; policy accept;\n"
      "    ct state invalid dup to fe80::3 device \"p3\" drop\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(text, expected);
}

// With `nat` on the lookup the classification depends on the connection's
// NAT status, so each established/related rule is split by it (exactly).
TEST(RenderNft, ClassifyRulesSplitByNatStatusWhenTheLookupNats) {
  PipelineSpec spec{.kind = PipelineKind::kSnatGateway, .zone = 1};
  const std::string text = render_nft(lift(flows_of(spec)));
  for (const char* line : {
           "    ct state new log prefix \"ctc new orig\" group 1 accept\n",
           "    ct state established ct status & (snat | dnat) == 0 log prefix \"ctc est orig\" "
           "group 1 accept\n",
           "    ct state established ct status & (snat | dnat) == snat | dnat log prefix "
           "\"ctc est orig snat dnat\" group 1 accept\n",
           "    ct state related log prefix \"ctc rel orig\" group 1 accept\n",
           "    ct state related ct status & (snat | dnat) == dnat log prefix \"ctc rel rpl dnat\" "
           "group 1 accept\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST(RenderNft, SnatWithPortRangeSplitsTransportFromOthers) {
  PipelineSpec spec{.kind = PipelineKind::kSnatGateway,
                    .zone = 1,
                    .second_zone = 2,
                    .nat_address = IpAddress::v4(192, 0, 2, 1),
                    .nat_port_min = 5000,
                    .nat_port_max = 5010,
                    .virtual_ip = IpAddress::v4(198, 51, 100, 10)};
  const std::string text = render_nft(lift(flows_of(spec)));
  EXPECT_NE(text.find("    iifname \"p1\" meta nfproto ipv4 ct state new meta mark set 0x100 "
                      "accept\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    type nat hook postrouting priority srcnat; policy accept;\n"
                      "    meta mark 0x100 meta nfproto ipv4 meta l4proto { tcp, udp } snat ip "
                      "to 192.0.2.1:5000-5010\n"
                      "    meta mark 0x100 meta nfproto ipv4 snat ip to 192.0.2.1\n"),
            std::string::npos)
      << text;
}

TEST(RenderNft, DnatMatchesTheOriginalDirection) {
  const std::string text = render_nft(
      lift("table=0,priority=100,ip,actions=ct(table=1,zone=1,nat)\n"
           "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,nw_dst=198.51.100.10,tp_dst=80,tcp,"
           "actions=ct(commit,zone=1,nat(dst=172.16.0.10:8080)),output:2\n"
           "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"));
  const std::string match =
      "iifname \"p1\" meta nfproto ipv4 ct original protocol 6 ct original ip daddr "
      "198.51.100.10/32 ct original proto-dst 80";
  EXPECT_NE(text.find("    " + match + " meta nfproto ipv4 dnat ip to 172.16.0.10:8080\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    " + match + " ct state new accept\n"), std::string::npos) << text;
}

TEST(RenderNft, MaskedMarkKeepsOtherBits) {
  const std::string text =
      render_nft(lift("table=0,priority=100,ip,actions=ct(table=1,zone=5)\n"
                      "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,"
                      "actions=ct(commit,zone=5,exec(set_field:0x2a/0xff->ct_mark)),output:2\n"));
  EXPECT_NE(text.find("ct state new ct mark set ct mark and 0xffffff00 or 0x2a accept"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace ctc::linux_netfilter
