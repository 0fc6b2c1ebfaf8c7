// `ovs-appctl dpctl/dump-conntrack -m -s` text of the kernel datapath to
// ConnectionSnapshot rows normalised to the "linux" profile (kernel OVS runs
// on nf_conntrack). The line format is the userspace one (lib/ct-dpif.c
// ct_dpif_format_entry), read with ovs_dump_parser.h; what differs:
//
//   tcp,orig=(...),reply=(...),id=95055714,zone=1,
//   status=SEEN_REPLY|ASSURED|CONFIRMED,timeout=431999,
//   protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,...)
//
// - protocol_state: the kernel keeps one TCP state; OVS prints it twice,
//   translated to its own names (lib/netlink-conntrack.c
//   nl_ct_tcp_state_to_dpif). Translated back to the kernel's names as the
//   reference linux tracker prints them: CLOSED->NONE, FIN_WAIT_1->FIN_WAIT,
//   CLOSING->CLOSE, the others unchanged. SYN_SENT2 is printed as SYN_SENT
//   by OVS and cannot be told apart; it reads as SYN_SENT.
// - seen_reply: the SEEN_REPLY bit of `status` (IPS_SEEN_REPLY), for every
//   protocol.
// - remaining: `timeout`, whole seconds (CTA_TIMEOUT).
// - snat/dnat: from the tuples, as the ovs-userspace parser derives them.
#pragma once

#include <string>
#include <vector>

#include "reference/common/result.h"
#include "reference/conntrack/conntrack.h"

namespace ctc::kernel_ovs {

// The kernel's name for an OVS CT_DPIF TCP state name; the input when unknown.
std::string linux_state_from_dpif(const std::string& dpif_name);

Result<ConnectionSnapshot> parse_kernel_conntrack_line(const std::string& line);
// Every non-empty line, sorted by (zone, original tuple) as the reference dumps.
Result<std::vector<ConnectionSnapshot>> parse_kernel_conntrack_dump(const std::string& text);

}  // namespace ctc::kernel_ovs
