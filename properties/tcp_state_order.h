// The order a profile's TCP states move in, for the invariant "the state
// never moves backwards except as the profile says". Dumped state names are
// the profile's (ConnectionSnapshot::protocol_state).
#pragma once

#include <optional>
#include <string>

#include "reference/conntrack/profile.h"

namespace ctc {

// A closing connection may start over: a new SYN recycles it.
// Linux nf_conntrack_proto_tcp.c tcp_packet(): a SYN in TIME_WAIT or CLOSE
// kills the entry and looks the packet up again (RFC 1122 4.2.2.13); OVS
// lib/conntrack-tcp.c tcp_conn_update(): a SYN with both peers at or past
// FIN_WAIT_2 returns CT_UPDATE_NEW.
bool tcp_state_is_closing(const Profile& profile, const std::string& state);

// True when a bare SYN in the reply direction of a connection in `state` is
// +new by the profile. OVS lib/conntrack-tcp.c tcp_conn_update(): a bare SYN
// from an end not yet past SYN_SENT is CT_UPDATE_VALID_NEW in either
// direction (the other end's SYN of a simultaneous open). Linux reports the
// reply direction as +est (ovs_ct_get_state(): IP_CT_ESTABLISHED_REPLY).
bool tcp_reply_syn_is_new(const Profile& profile, const std::string& state);

// True when a connection dumped in `before` may be dumped in `after` next
// (the same connection: zone and original tuple). A name the order does not
// know is allowed, so a new state name is never a false alarm.
bool tcp_state_may_follow(const Profile& profile, const std::string& before,
                          const std::string& after);

}  // namespace ctc
