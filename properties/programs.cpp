#include "properties/programs.h"

#include <sstream>

namespace ctc {
namespace {

// The stateful core shared by every pipeline, in one place: new connections
// only from port 1, established and related both ways, invalid audited on 3.
// ct() needs ip/ipv6 in the match (OVS rejects the rule otherwise:
// OFPBAC_MATCH_INCONSISTENT), hence one rule per family.
void stateful_table(std::ostream& os, uint16_t zone, const std::string& commit_extra) {
  for (const char* family : {"ip", "ipv6"}) {
    os << "table=1,priority=100," << family << ",in_port=1,ct_state=+trk+new,actions=ct(commit,zone="
       << zone << commit_extra << "),output:2\n";
  }
  os << "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
     << "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"
     << "table=1,priority=80,in_port=1,ct_state=+trk+rel,actions=output:2\n"
     << "table=1,priority=80,in_port=2,ct_state=+trk+rel,actions=output:1\n"
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
  switch (s.kind) {
    case PipelineKind::kFirewall:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone << ")\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, s.zone, "");
      break;
    case PipelineKind::kZonePerPort:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",in_port=1,actions=ct(table=1,zone=" << s.zone
           << ")\n";
        os << "table=0,priority=100," << family << ",in_port=2,actions=ct(table=1,zone="
           << s.second_zone << ")\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      // A connection opened from port 1 lives in zone `zone`; port 2's packets
      // are looked up in `second_zone` where nothing was committed: they never
      // match +est, which is the point of the pipeline (zone isolation).
      stateful_table(os, s.zone, "");
      break;
    case PipelineKind::kSnatGateway:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone
           << ",nat)\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, s.zone, ",nat(src=" + nat_target(s) + ")");
      break;
    case PipelineKind::kDnatBalancer:
      for (const char* family : {"ip", "ipv6"}) {
        os << "table=0,priority=100," << family << ",actions=ct(table=1,zone=" << s.zone
           << ",nat)\n";
      }
      os << "table=0,priority=0,actions=drop\n";
      stateful_table(os, s.zone, ",nat(dst=" + nat_target(s) + ")");
      break;
  }
  return os.str();
}

std::vector<PortDecl> pipeline_ports() {
  return {{Port{1}, "inside"}, {Port{2}, "outside"}, {Port{3}, "audit"}};
}

std::vector<std::string> pipeline_features(const PipelineSpec& s) {
  switch (s.kind) {
    case PipelineKind::kFirewall: return {"firewall"};
    case PipelineKind::kZonePerPort: return {"firewall", "zones"};
    case PipelineKind::kSnatGateway: return {"firewall", "nat", "snat"};
    case PipelineKind::kDnatBalancer: return {"firewall", "nat", "dnat"};
  }
  return {};
}

const char* to_string(PipelineKind kind) {
  switch (kind) {
    case PipelineKind::kFirewall: return "firewall";
    case PipelineKind::kZonePerPort: return "zone-per-port";
    case PipelineKind::kSnatGateway: return "snat-gateway";
    case PipelineKind::kDnatBalancer: return "dnat-balancer";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const PipelineSpec& s) {
  return os << to_string(s.kind) << "(zone=" << s.zone << ", nat=" << nat_target(s) << ")";
}

}  // namespace ctc
