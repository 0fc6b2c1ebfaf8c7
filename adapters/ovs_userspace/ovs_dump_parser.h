// `dpctl/dump-conntrack -m -s` text (lib/ct-dpif.c ct_dpif_format_entry) to
// ConnectionSnapshot rows. One line per connection:
//
//   tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1234,dport=80),reply=(src=10.0.0.2,
//   dst=10.0.0.1,sport=80,dport=1234),id=0,zone=1,status=0,timeout=86400,mark=42,
//   labels=0x1234,protoinfo=(state_orig=ESTABLISHED,state_reply=ESTABLISHED,...)
//
// zone, mark and labels are printed only when non-zero; the protocol name does
// not tell the family (tcp for IPv6 too): the addresses do.
//
// What the dump cannot say, and how it is filled:
// - protocol_state: TCP only, "STATE_ORIG/STATE_REPLY" with the CT_DPIF
//   names (the OVS profile's naming, reference tcp_tracker_ovs.cpp); empty
//   for other protocols, as the reference leaves it.
// - remaining: the timeout field, whole seconds rounded down (the
//   expiration in ms / 1000, lib/conntrack.c conn_to_ct_dpif_entry).
// - snat/dnat: from the reply tuple differing from the reversed original
//   (reply destination differs: snat; reply source differs: dnat). `status`
//   is always 0 in userspace.
// - seen_reply: userspace keeps no such flag in the entry. For TCP it is
//   state_reply != CLOSED (the reply peer's state only moves when the reply
//   direction sends, lib/conntrack-tcp.c tcp_conn_update); for every other
//   protocol it is reported false.
#pragma once

#include <string>
#include <vector>

#include "reference/common/result.h"
#include "reference/conntrack/conntrack.h"

namespace ctc {

Result<ConnectionSnapshot> parse_ovs_conntrack_line(const std::string& line);
// Every non-empty line; the rows sorted by (zone, original tuple) as the reference dumps them.
Result<std::vector<ConnectionSnapshot>> parse_ovs_conntrack_dump(const std::string& text);

}  // namespace ctc
