// Which frames the commit-all program hands to conntrack.
#include "adapters/ovs_conntrack_lib/frame_dispatch.h"

#include <gtest/gtest.h>

#include "reference/packet/packet_builder.h"

namespace ctc::ovs_conntrack_lib {
namespace {

const IpAddress kA = IpAddress::v4(10, 0, 0, 1), kB = IpAddress::v4(10, 0, 0, 2);

TEST(FrameDispatch, Ipv4AndIpv6AreTracked) {
  EXPECT_EQ(dispatch_frame(PacketBuilder().ip(kA, kB).udp(1, 2).frame()), FrameDispatch::kIp);
  const IpAddress a6 = IpAddress::parse("fd00::1").value(), b6 = IpAddress::parse("fd00::2").value();
  EXPECT_EQ(dispatch_frame(PacketBuilder().ip(a6, b6).tcp(1, 2, tcp_flag::kSyn).frame()),
            FrameDispatch::kIp);
}

TEST(FrameDispatch, VlanTaggedIpIsTrackedAsOvsMatchesIt) {
  EXPECT_EQ(dispatch_frame(PacketBuilder().vlan(5).ip(kA, kB).udp(1, 2).frame()),
            FrameDispatch::kIp);
}

TEST(FrameDispatch, NonIpFramesAreNot) {
  EXPECT_EQ(dispatch_frame(PacketBuilder().ether_type(0x0806).payload_size(28).frame()),
            FrameDispatch::kNotIp);
  EXPECT_EQ(dispatch_frame(std::vector<uint8_t>(10, 0)), FrameDispatch::kNotIp);
}

TEST(FrameDispatch, TruncatedIpv4IsStillIp) {
  std::vector<uint8_t> frame = PacketBuilder().ip(kA, kB).udp(1, 2).frame();
  frame.resize(18);
  EXPECT_EQ(dispatch_frame(frame), FrameDispatch::kIp);
}

TEST(FrameDispatch, Ipv4FragmentsAreSetApart) {
  EXPECT_EQ(dispatch_frame(PacketBuilder().ip(kA, kB).ipv4_fragment(0, true, 7).udp(1, 2).frame()),
            FrameDispatch::kIpFragment);
  EXPECT_EQ(
      dispatch_frame(PacketBuilder().ip(kA, kB).ipv4_fragment(10, false, 7).payload_size(8).frame()),
      FrameDispatch::kIpFragment);
}

TEST(FrameDispatch, Ipv6FragmentHeaderIsSetApart) {
  // Ethernet, then an IPv6 header whose next header is 44 (Fragment).
  std::vector<uint8_t> frame(14 + 40 + 8, 0);
  frame[12] = 0x86;
  frame[13] = 0xdd;
  frame[14] = 0x60;
  frame[14 + 5] = 8;   // payload length
  frame[14 + 6] = 44;  // next header: Fragment
  EXPECT_EQ(dispatch_frame(frame), FrameDispatch::kIpFragment);
}

}  // namespace
}  // namespace ctc::ovs_conntrack_lib
