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

}  // namespace ctc
