// The conntrack tuple of a packet, with the profile's validity rules for
// what may be tracked at all.
#pragma once

#include "reference/conntrack/ct_types.h"
#include "reference/conntrack/invalid_reason.h"
#include "reference/conntrack/profile.h"
#include "reference/packet/packet.h"

namespace ctc {

// Fills `tuple` from an IP packet (not an ICMP error; the caller handles
// those). Returns why the packet cannot be tracked, or kNone.
InvalidReason extract_tuple(const Packet& packet, const Profile& profile, Tuple& tuple);

// The fewest bytes, from its L4 header on, that an ICMP error's quote of a
// `protocol` packet must carry under `profile` (Profile::icmp_error_min_quoted_l4).
// 0 when the profile asks for no more than the tuple needs, and for
// protocols without ports.
size_t min_quoted_l4_bytes(const Profile& profile, IpFamily family, uint8_t protocol);

}  // namespace ctc
