// A profile is the documented semantics of one real implementation: data
// (timeouts, switches) plus which TCP tracker variant to use. Every field says
// where the fact comes from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reference/conntrack/ct_types.h"

namespace ctc {

enum class TcpTrackerKind { kLinux, kOvsUserspace };

struct TcpTimeouts {
  // Linux names (nf_conntrack_proto_tcp.c tcp_timeouts[]); the OVS tracker maps
  // its pf-style classes onto these (lib/conntrack-tp.c tm_to_ct_dpif_tp()).
  Duration syn_sent, syn_recv, established, fin_wait, close_wait, last_ack, time_wait, close,
      syn_sent2, retrans, unacknowledged;
  friend bool operator==(const TcpTimeouts&, const TcpTimeouts&) = default;
};

struct Timeouts {
  TcpTimeouts tcp;
  Duration udp_first;     // unreplied (OVS "first"/"single"; Linux nf_conntrack_udp_timeout)
  Duration udp_replied;   // seen reply (OVS "multiple"; Linux: udp_timeout before assured)
  Duration udp_stream;    // Linux: assured stream (nf_conntrack_udp_timeout_stream); OVS: = replied
  Duration icmp_first;    // OVS ICMP first; Linux nf_conntrack_icmp_timeout
  Duration icmp_reply;    // OVS ICMP reply; Linux: same as icmp_first
  Duration other_first;   // generic protocols
  Duration other_replied;
  // Linux udp_packet(): a replied flow still active this long after its first
  // packet becomes a stream (udp_stream timeout, ASSURED). OVS has no such rule.
  Duration udp_stream_after = Duration::seconds(2);
  friend bool operator==(const Timeouts&, const Timeouts&) = default;
};

struct Profile {
  std::string name;  // "linux", "ovs-userspace"
  std::string description;
  TcpTrackerKind tcp_tracker = TcpTrackerKind::kLinux;
  Timeouts timeouts;
  // Linux nf_conntrack_tcp_be_liberal (default 0); OVS: ct-disable-tcp-seq-chk.
  bool tcp_liberal = false;
  // Linux nf_conntrack_tcp_loose (default 1): pick up connections mid-stream.
  bool tcp_loose = true;
  // Are L3/L4 checksums verified (bad -> +inv)? Linux nf_conntrack_checksum=1;
  // OVS userspace verifies unless the NIC offloaded it (lib/conntrack.c extract_l3/l4).
  bool verify_checksums = true;
  // The ct_state `est` bit: Linux (kernel OVS, net/openvswitch/conntrack.c)
  // sets it for IP_CT_ESTABLISHED, i.e. once a reply has been seen, or on the
  // reply itself; OVS userspace sets it for every TCP packet of an existing
  // connection after the first (lib/conntrack.c conn_update_state) but, like
  // Linux, keeps UDP/ICMP/other +new until a reply (CT_UPDATE_VALID_NEW).
  bool est_requires_reply = true;
  // OVS lib/conntrack.c extract_l4_icmp(): the packet quoted by an ICMP error
  // must have been sent by the error's destination ("pf doesn't do this, but
  // it seems a good idea"). Linux icmp_error_message() does not check this.
  bool icmp_error_checks_inner_source = false;
  // OVS extract_l4_tcp()/extract_l4_udp(): "Port 0 is invalid". Linux tracks it.
  bool reject_port_zero = false;
  // OVS extract_l4_icmp(): an echo/timestamp/info message with code != 0 is
  // invalid. Linux puts the code into the tuple and tracks it.
  bool icmp_query_requires_code_zero = false;
  // A commit refused by the zone limit: Linux (net/openvswitch/conntrack.c
  // ovs_ct_commit -> ovs_ct_check_limit, -ENOMEM) drops the packet; OVS
  // userspace (lib/conntrack.c conn_not_found) leaves it +new and uncommitted.
  bool zone_limit_drops_packet = true;
  // OVS userspace keeps the connection attached to a packet it found invalid
  // (process_one: write_ct_md with the conn), so ct_mark/ct_label/ct_zone are
  // visible on +inv packets; the kernel detaches the conntrack entry.
  bool invalid_packet_keeps_connection = false;
  // OVS userspace also applies the found connection's NAT to a packet its TCP
  // tracker found invalid: lib/conntrack.c process_one() calls handle_nat()
  // after conn_update_state() whatever the update said, so the packet leaves
  // translated and +inv+snat/+dnat. The kernel detaches the entry: no NAT.
  bool invalid_packet_is_translated = false;
  // How much of the quoted packet's L4 header an ICMP error must carry to be
  // related: 0 means the ports (or the ICMP header) suffice, as for Linux
  // (nf_ct_get_tuple reads only those). OVS userspace (lib/conntrack.c
  // extract_l4_icmp()) asks ICMPv4 errors for ICMP_ERROR_DATA_L4_LEN (8)
  // bytes of any TCP/UDP/ICMP header, while extract_l4_icmp6() passes no
  // such length, so an ICMPv6 error must quote a whole fixed header:
  // TCP_HEADER_LEN (20), UDP_HEADER_LEN (8), ICMPv6 4 + 4.
  // A commit that finds no free NAT tuple: Linux (nf_nat_setup_info fails,
  // net/openvswitch/conntrack.c ovs_ct_nat) drops the packet; OVS userspace
  // (lib/conntrack.c conn_not_found(), nat_res_exhaustion) only logs and
  // leaves it +new, uncommitted and untranslated.
  bool nat_exhaustion_drops_packet = true;
  // When every destination candidate of a DNAT is taken, OVS userspace goes on
  // to look for a free source port in the original port's class, walking up
  // from it (lib/conntrack.c nat_get_unique_tuple(): "Eventually, if the
  // previous attempt fails, tries to find a source port in the ephemeral
  // range"); the packets of such a connection get both ports rewritten
  // (pat_packet()). Linux does so too, through the null SRC binding kernel OVS
  // adds after a DNAT (net/openvswitch/conntrack.c ovs_ct_nat(),
  // nf_nat_core.c get_unique_tuple()), from a random offset instead.
  bool dnat_may_remap_source_port = false;
  uint8_t icmp_error_min_quoted_l4 = 0;       // ICMPv4 errors, and ICMPv6 quoting UDP/ICMPv6
  uint8_t icmpv6_error_min_quoted_tcp = 0;    // ICMPv6 errors quoting TCP
  // Kernel OVS (the `linux` profile's ct() semantics) reports +snat as well as
  // +dnat on original-direction packets of a DNAT connection: it runs a null
  // source binding after the DNAT (net/openvswitch/conntrack.c ovs_ct_nat).
  // OVS userspace reports +dnat only.
  bool dnat_original_reports_snat = true;
  // A plain `nat` (no src=/dst= range) on a packet of a NATed connection that
  // is still IP_CT_NEW (no reply yet: a retransmitted SYN, a second UDP or
  // ICMP echo request) is not translated by kernel OVS: in Linux 6.1
  // net/openvswitch/conntrack.c ovs_ct_nat(), the connection's own NAT is
  // reused only when "ctinfo != IP_CT_NEW && ct->status & IPS_NAT_MASK";
  // otherwise only an explicit SRC_NAT/DST_NAT range translates (with the
  // existing binding, ovs_ct_nat_execute()), and without one it returns
  // "Connection is not NATed" and sets no ct_state NAT bit. OVS userspace
  // (lib/conntrack.c process_one()) calls handle_nat() for every found
  // connection with NAT, whatever its state.
  bool nat_lookup_skips_new_packets = true;
  // A NAT whose translated tuple for an ICMP query (echo, timestamp...) is
  // taken: Linux moves the query identifier ("id is same for either
  // direction", so for SNAT and DNAT alike), over 0-65535 (nf_nat_core.c
  // get_unique_tuple() -> nf_nat_l4proto_unique_tuple(), case
  // IPPROTO_ICMP/ICMPV6, Linux 6.1; the kernel starts at a random offset, the
  // oracle at the original identifier; a port range in the action is not
  // applied to ICMP, as nftables cannot). OVS userspace 3.1 remaps
  // only TCP/UDP ports (lib/conntrack.c nat_get_unique_tuple(): pat_proto),
  // so the commit finds no free tuple (nat_exhaustion_drops_packet applies).
  bool nat_remaps_icmp_id = false;
  friend bool operator==(const Profile&, const Profile&) = default;
};

const Profile& linux_profile();
const Profile& ovs_userspace_profile();
// nullptr when unknown.
const Profile* find_profile(std::string_view name);
std::vector<std::string> profile_names();

}  // namespace ctc
