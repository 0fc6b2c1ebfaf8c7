#include "reference/conntrack/profile.h"

namespace ctc {
namespace {

Profile make_linux() {
  Profile p;
  p.name = "linux";
  p.description =
      "Linux nf_conntrack (Debian 12 kernel 6.1), as used by kernel OVS ct() and nftables";
  p.tcp_tracker = TcpTrackerKind::kLinux;
  // net/netfilter/nf_conntrack_proto_tcp.c tcp_timeouts[].
  p.timeouts.tcp = {
      .syn_sent = Duration::seconds(120),
      .syn_recv = Duration::seconds(60),
      .established = Duration::seconds(5 * 24 * 3600),
      .fin_wait = Duration::seconds(120),
      .close_wait = Duration::seconds(60),
      .last_ack = Duration::seconds(30),
      .time_wait = Duration::seconds(120),
      .close = Duration::seconds(10),
      .syn_sent2 = Duration::seconds(120),
      .retrans = Duration::seconds(300),
      .unacknowledged = Duration::seconds(300),
  };
  // nf_conntrack_proto_udp.c udp_timeouts[]: UNREPLIED 30 s, REPLIED 120 s.
  p.timeouts.udp_first = Duration::seconds(30);
  p.timeouts.udp_replied = Duration::seconds(30);
  p.timeouts.udp_stream = Duration::seconds(120);
  // nf_conntrack_proto_icmp.c / icmpv6.c: 30 s.
  p.timeouts.icmp_first = Duration::seconds(30);
  p.timeouts.icmp_reply = Duration::seconds(30);
  // nf_conntrack_proto_generic.c: 600 s.
  p.timeouts.other_first = Duration::seconds(600);
  p.timeouts.other_replied = Duration::seconds(600);
  p.tcp_liberal = false;  // nf_conntrack_tcp_be_liberal default 0
  p.tcp_loose = true;     // nf_conntrack_tcp_loose default 1
  p.verify_checksums = true;  // nf_conntrack_checksum default 1 (PRE_ROUTING, as OVS calls it)
  p.est_requires_reply = true;  // net/openvswitch/conntrack.c ovs_ct_get_state(): IP_CT_NEW -> +new
  p.nat_lookup_skips_new_packets = true;  // ovs_ct_nat(): "ctinfo != IP_CT_NEW" to NAT like before
  // ovs_ct_nat() follows a DNAT with a null SRC binding (nf_nat_setup_info()
  // without a range); when the DNATed tuple clashes, get_unique_tuple() ->
  // nf_nat_l4proto_unique_tuple() moves the source port. The kernel starts at
  // a hashed/random offset where the oracle walks up (known divergence
  // linux-dnat-clash-source-port-choice).
  p.dnat_may_remap_source_port = true;
  // nf_nat_l4proto_unique_tuple(): an ICMP query's identifier moves on a
  // clash (the kernel from a random offset: known divergence
  // linux-snat-icmp-id-choice).
  p.nat_remaps_icmp_id = true;
  return p;
}

Profile make_ovs_userspace() {
  Profile p;
  p.name = "ovs-userspace";
  p.description = "Open vSwitch 3.1 userspace conntrack (lib/conntrack*.c; netdev/DPDK datapath)";
  p.tcp_tracker = TcpTrackerKind::kOvsUserspace;
  // lib/conntrack-tp.c default policy, mapped from the pf-style classes by
  // tm_to_ct_dpif_tp(): FIRST_PACKET->syn_sent, OPENING->syn_recv,
  // ESTABLISHED->established, CLOSING->fin_wait, FIN_WAIT->time_wait, CLOSED->close.
  p.timeouts.tcp = {
      .syn_sent = Duration::seconds(30),
      .syn_recv = Duration::seconds(30),
      .established = Duration::seconds(86400),
      .fin_wait = Duration::seconds(900),
      .close_wait = Duration::seconds(900),
      .last_ack = Duration::seconds(900),
      .time_wait = Duration::seconds(45),
      .close = Duration::seconds(30),
      .syn_sent2 = Duration::seconds(30),
      .retrans = Duration::seconds(30),
      .unacknowledged = Duration::seconds(30),
  };
  // conntrack-other.c: OTHERS_FIRST -> udp_first 60, OTHERS_MULTIPLE -> udp_single 60,
  // OTHERS_BIDIR -> udp_multiple 30.
  p.timeouts.udp_first = Duration::seconds(60);
  p.timeouts.udp_replied = Duration::seconds(30);
  p.timeouts.udp_stream = Duration::seconds(30);
  // conntrack-icmp.c: ICMPS_FIRST -> icmp_first 60, ICMPS_REPLY -> icmp_reply 30.
  p.timeouts.icmp_first = Duration::seconds(60);
  p.timeouts.icmp_reply = Duration::seconds(30);
  p.timeouts.other_first = Duration::seconds(60);
  p.timeouts.other_replied = Duration::seconds(30);
  p.tcp_liberal = false;  // dpctl/ct-enable-tcp-seq-chk is the default
  p.tcp_loose = true;     // pf pickup: tcp_valid_new accepts a non-SYN first packet
  p.verify_checksums = true;  // lib/conntrack.c extract_l3/l4 checksum checks (no offload)
  p.est_requires_reply = false;  // lib/conntrack.c conn_update_state(): CT_UPDATE_VALID -> +est
  p.timeouts.udp_stream_after = Duration::seconds(0);  // conntrack-other.c: no stream rule
  p.icmp_error_checks_inner_source = true;
  p.reject_port_zero = true;
  p.icmp_query_requires_code_zero = true;
  p.zone_limit_drops_packet = false;
  p.invalid_packet_keeps_connection = true;
  p.invalid_packet_is_translated = true;  // lib/conntrack.c process_one() -> handle_nat()
  p.nat_exhaustion_drops_packet = false;  // conn_not_found(): nat_res_exhaustion returns NULL
  p.dnat_may_remap_source_port = true;    // nat_get_unique_tuple(): the sport fallback
  p.icmp_error_min_quoted_l4 = 8;      // extract_l4_icmp(): ICMP_ERROR_DATA_L4_LEN
  p.icmpv6_error_min_quoted_tcp = 20;  // extract_l4_icmp6() -> extract_l4_tcp(): TCP_HEADER_LEN
  p.dnat_original_reports_snat = false;
  p.nat_lookup_skips_new_packets = false;  // process_one(): handle_nat() for any found conn
  p.nat_remaps_icmp_id = false;  // nat_get_unique_tuple(): only TCP/UDP are pat_proto
  return p;
}

}  // namespace

const Profile& linux_profile() {
  static const Profile profile = make_linux();
  return profile;
}

const Profile& ovs_userspace_profile() {
  static const Profile profile = make_ovs_userspace();
  return profile;
}

const Profile* find_profile(std::string_view name) {
  if (name == "linux") return &linux_profile();
  if (name == "ovs-userspace") return &ovs_userspace_profile();
  return nullptr;
}

std::vector<std::string> profile_names() { return {"linux", "ovs-userspace"}; }

}  // namespace ctc
