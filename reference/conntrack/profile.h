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
  // reply itself; OVS userspace sets it for every packet of an existing
  // connection after the first (lib/conntrack.c conn_update_state).
  bool est_requires_reply = true;
};

const Profile& linux_profile();
const Profile& ovs_userspace_profile();
// nullptr when unknown.
const Profile* find_profile(std::string_view name);
std::vector<std::string> profile_names();

}  // namespace ctc
