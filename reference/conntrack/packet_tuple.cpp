#include "reference/conntrack/packet_tuple.h"

namespace ctc {
namespace {

bool is_icmp_query(uint8_t protocol, uint8_t type) {
  if (protocol == ip_proto::kIcmp) {
    // echo, timestamp, information and address-mask requests and replies
    // (Linux icmp_pkt_to_tuple / OVS extract_l4_icmp).
    return type == icmp_type::kEchoRequest || type == icmp_type::kEchoReply ||
           (type >= icmp_type::kTimestamp && type <= 18);
  }
  return type == icmpv6_type::kEchoRequest || type == icmpv6_type::kEchoReply;
}

}  // namespace

size_t min_quoted_l4_bytes(const Profile& profile, IpFamily family, uint8_t protocol) {
  const bool icmp = protocol == (family == IpFamily::kV4 ? ip_proto::kIcmp : ip_proto::kIcmpv6);
  if (protocol != ip_proto::kTcp && protocol != ip_proto::kUdp && !icmp) return 0;
  if (family == IpFamily::kV6 && protocol == ip_proto::kTcp) {
    return profile.icmpv6_error_min_quoted_tcp;
  }
  return profile.icmp_error_min_quoted_l4;
}

InvalidReason extract_tuple(const Packet& packet, const Profile& profile, Tuple& tuple) {
  const IpHeader& ip = *packet.ip;
  tuple = Tuple{};
  tuple.src = ip.src;
  tuple.dst = ip.dst;
  tuple.protocol = ip.protocol;
  if (packet.l4_truncated && !packet.tcp() && !packet.udp() && !packet.icmp()) {
    return InvalidReason::kTruncatedL4;
  }
  if (const TcpHeader* tcp = packet.tcp()) {
    tuple.src_port = tcp->src_port;
    tuple.dst_port = tcp->dst_port;
  } else if (const UdpHeader* udp = packet.udp()) {
    tuple.src_port = udp->src_port;
    tuple.dst_port = udp->dst_port;
  } else if (const IcmpHeader* icmp = packet.icmp()) {
    if (!is_icmp_query(ip.protocol, icmp->type)) {
      // Neither a query nor an error: router advertisements, neighbour
      // discovery, MLD... Linux leaves ND/MLD untracked and OVS rejects them
      // (extract_l4_icmp6 default case); the oracle reports both as +inv.
      return InvalidReason::kIcmpNotTrackable;
    }
    if (profile.icmp_query_requires_code_zero && icmp->code != 0) {
      return InvalidReason::kIcmpNotTrackable;
    }
    tuple.icmp_id = icmp->identifier();
    tuple.icmp_type = icmp->type;
    tuple.icmp_code = icmp->code;
    return InvalidReason::kNone;
  } else if (ip.protocol == ip_proto::kTcp || ip.protocol == ip_proto::kUdp ||
             ip.protocol == ip_proto::kIcmp || ip.protocol == ip_proto::kIcmpv6) {
    return InvalidReason::kTruncatedL4;  // the header was not there to parse
  } else {
    return InvalidReason::kNone;  // another protocol: addresses only (generic tracking)
  }
  if (profile.reject_port_zero && (tuple.src_port == 0 || tuple.dst_port == 0)) {
    return InvalidReason::kPortZero;
  }
  return InvalidReason::kNone;
}

}  // namespace ctc
