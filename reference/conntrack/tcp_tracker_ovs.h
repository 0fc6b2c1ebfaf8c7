// TCP tracking as Open vSwitch's userspace conntrack does it
// (lib/conntrack-tcp.c, v3.1.0, derived from OpenBSD pf): two peer states,
// Guido van Rooij's sequence tracking, pf-style timeout classes.
#pragma once

#include <memory>

#include "reference/conntrack/tcp_tracker.h"

namespace ctc {

std::unique_ptr<TcpTrackerFactory> make_ovs_tcp_tracker_factory(const Profile& profile);

}  // namespace ctc
