// A packetdrill-like one-line packet description, so that scenarios read as
// what they test:
//
//   tcp 10.0.0.1:1234 > 10.0.0.2:80 S seq=100 win=64240 mss=1460 wscale=7
//   tcp [fd00::1]:1234 > [fd00::2]:80 . seq=101 ack=501 len=100
//   udp 10.0.0.1:5000 > 10.0.0.2:53 len=20
//   icmp 10.0.0.1 > 10.0.0.2 echo-request id=7 seq=1
//   icmp 10.0.0.2 > 10.0.0.1 unreachable code=3 quote(udp 10.0.0.1:5000 > 10.0.0.2:53)
//
// TCP flags are tcpdump's letters: S F R P U E C and `.` (or A) for ACK.
// Options (any order): seq= ack= win= len= mss= wscale= sackok ts=V/E ttl= tos=
// vlan= eth=SRC>DST csum=0xNNNN ipcsum=0xNNNN frag=OFFSET[+] (IPv4, + = more fragments)
// ICMP kinds: echo-request echo-reply unreachable time-exceeded packet-too-big
// param-problem type=N; code= id= seq= quote(...) (errors quote the packet in
// parentheses, as it was originally sent).
#pragma once

#include <string>
#include <string_view>

#include "reference/common/result.h"
#include "reference/packet/packet.h"

namespace ctc {

// The packet the spec describes (with Ethernet header), or an error naming the
// offending word and its column (0-based).
Result<Packet> parse_packet_spec(std::string_view spec);

}  // namespace ctc
