#include "properties/programs.h"

#include <sstream>
#include <string_view>

namespace ctc {
namespace {

// The stateful core shared by every pipeline, in one place: new connections
// only from port 1, established and related both ways, invalid audited on 3.
// ct() needs ip/ipv6 in the match (OVS rejects the rule otherwise:
// OFPBAC_MATCH_INCONSISTENT), hence one rule per family.
// Inside `in` may open towards outside `out`; mirrored pipelines swap them.
struct Sides {
  int in = 1;
  int out = 2;
};

Sides sides_of(const PipelineSpec& s) { return s.mirrored ? Sides{2, 1} : Sides{1, 2}; }

// `nat_extra` applies to the NAT address's family only: OVS rejects an IPv4
// range on a flow that matches ipv6 (ofpact_check: "an IPv4 range needs a
// match on ip"), so the other family commits without translation.
void stateful_table(std::ostream& os, const Sides& p, uint16_t zone, const std::string& nat_extra,
                    bool nat_is_v4) {
  for (const char* family : {"ip", "ipv6"}) {
    const bool nat_family = (std::string_view(family) == "ip") == nat_is_v4;
    os << "table=1,priority=100," << family << ",in_port=" << p.in
       << ",ct_state=+trk+new,actions=ct(commit,zone=" << zone << (nat_family ? nat_extra : "")
       << "),output:" << p.out << "\n";
  }
  os << "table=1,priority=90,in_port=" << p.in << ",ct_state=+trk+est,actions=output:" << p.out << "\n"
     << "table=1,priority=90,in_port=" << p.out << ",ct_state=+trk+est,actions=output:" << p.in << "\n"
     << "table=1,priority=80,in_port=" << p.in << ",ct_state=+trk+rel,actions=output:" << p.out << "\n"
     << "table=1,priority=80,in_port=" << p.out << ",ct_state=+trk+rel,actions=output:" << p.in << "\n"
     << "table=1,priority=70,ct_state=+trk+inv,actions=output:3\n"
     << "table=1,priority=0,actions=drop\n";
}

std::string nat_target(const PipelineSpec& s) {
  std::string out = s.nat_address.is_v4() ? s.nat_address.to_string()
                                          : "[" + s.nat_address.to_string() + "]";
  if (s.nat_port_min != 0) {
    out += ":" + std::to_string(s.nat_port_min);
    if (s.nat_port_max > s.nat_port_min) out += "-" + std::to_string(s.nat_port_max);
  }
  return out;
}

}  // namespace

std::string pipeline_flows(const PipelineSpec& s) {
  std::ostringstream os;
  const Sides p = sides_of(s);
  switch (s.kind) {
    case PipelineKind::kFirewall:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone << ")\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, p, s.zone, "", true);
      break;
    case PipelineKind::kZonePerPort:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",in_port=" << p.in
           << ",actions=ct(table=1,zone=" << s.zone << ")\n";
        os << "table=0,priority=100," << family << ",in_port=" << p.out
           << ",actions=ct(table=1,zone=" << s.second_zone << ")\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      // A connection opened from port 1 lives in zone `zone`; port 2's packets
      // are looked up in `second_zone` where nothing was committed: they never
      // match +est, which is the point of the pipeline (zone isolation).
      stateful_table(os, p, s.zone, "", true);
      break;
    case PipelineKind::kSnatGateway:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone
           << ",nat)\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, p, s.zone, ",nat(src=" + nat_target(s) + ")", s.nat_address.is_v4());
      break;
    case PipelineKind::kDnatBalancer:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone
           << ",nat)\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, p, s.zone, ",nat(dst=" + nat_target(s) + ")", s.nat_address.is_v4());
      break;
    case PipelineKind::kCommitAll:
      // adapters/ovs_conntrack_lib/commit_all_program.h: the same program.
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(commit,table=1)\n";
      }
      os << "table=0,priority=0,actions=drop\n"
         << "table=1,priority=100,in_port=" << p.in << ",actions=output:" << p.out << "\n"
         << "table=1,priority=100,in_port=" << p.out << ",actions=output:" << p.in << "\n"
         << "table=1,priority=0,actions=drop\n";
      break;
  }
  return os.str();
}

std::vector<PortDecl> pipeline_ports() {
  return {{Port{1}, "inside"}, {Port{2}, "outside"}, {Port{3}, "audit"}};
}

Zone lookup_zone(const PipelineSpec& spec, Port port) {
  if (spec.kind == PipelineKind::kCommitAll) return Zone{0};
  if (spec.kind != PipelineKind::kZonePerPort) return Zone{spec.zone};
  return Zone{port.value == sides_of(spec).in ? spec.zone : spec.second_zone};
}

Zone commit_zone(const PipelineSpec& spec) {
  return lookup_zone(spec, Port{static_cast<uint16_t>(sides_of(spec).in)});
}

bool has_nat(const PipelineSpec& spec) {
  return spec.kind == PipelineKind::kSnatGateway || spec.kind == PipelineKind::kDnatBalancer;
}

std::vector<std::string> pipeline_features(const PipelineSpec& s) {
  switch (s.kind) {
    case PipelineKind::kFirewall: return {"firewall"};
    case PipelineKind::kZonePerPort: return {"firewall", "zones"};
    case PipelineKind::kSnatGateway: return {"firewall", "nat", "snat"};
    case PipelineKind::kDnatBalancer: return {"firewall", "nat", "dnat"};
    case PipelineKind::kCommitAll: return {"commit-all"};
  }
  return {};
}

const char* to_string(PipelineKind kind) {
  switch (kind) {
    case PipelineKind::kFirewall: return "firewall";
    case PipelineKind::kZonePerPort: return "zone-per-port";
    case PipelineKind::kSnatGateway: return "snat-gateway";
    case PipelineKind::kDnatBalancer: return "dnat-balancer";
    case PipelineKind::kCommitAll: return "commit-all";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const PipelineSpec& s) {
  if (s.kind == PipelineKind::kCommitAll) {
    return os << to_string(s.kind) << "(zone=0" << (s.mirrored ? ", mirrored" : "") << ")";
  }
  os << to_string(s.kind) << "(zone=" << s.zone;
  if (s.kind == PipelineKind::kZonePerPort) os << "/" << s.second_zone;
  if (has_nat(s)) os << ", nat=" << nat_target(s);
  if (s.kind == PipelineKind::kDnatBalancer) os << ", vip=" << s.virtual_ip;
  return os << (s.mirrored ? ", mirrored" : "") << ")";
}

}  // namespace ctc
