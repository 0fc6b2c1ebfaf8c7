// TCP tracking as Linux nf_conntrack does it (net/netfilter/nf_conntrack_proto_tcp.c,
// kernel 6.1): one state per connection from the tcp_conntracks[dir][class][state]
// table, and tcp_in_window() sequence/window checks per direction.
#pragma once

#include <memory>

#include "reference/conntrack/tcp_tracker.h"

namespace ctc {

std::unique_ptr<TcpTrackerFactory> make_linux_tcp_tracker_factory(const Profile& profile);

}  // namespace ctc
