#include "reference/conntrack/tcp_tracker.h"

#include "reference/conntrack/tcp_tracker_linux.h"
#include "reference/conntrack/tcp_tracker_ovs.h"

namespace ctc {

TcpSegment TcpSegment::from(const TcpHeader& tcp, uint32_t payload_len) {
  TcpSegment s;
  s.flags = tcp.flags;
  s.seq = tcp.seq;
  s.ack = tcp.ack;
  s.window = tcp.window;
  s.payload_len = payload_len;
  s.window_scale = tcp.window_scale();
  s.sack_permitted = tcp.sack_permitted();
  return s;
}

std::unique_ptr<TcpTrackerFactory> make_tcp_tracker_factory(const Profile& profile) {
  switch (profile.tcp_tracker) {
    case TcpTrackerKind::kLinux: return make_linux_tcp_tracker_factory(profile);
    case TcpTrackerKind::kOvsUserspace: return make_ovs_tcp_tracker_factory(profile);
  }
  return nullptr;
}

}  // namespace ctc
