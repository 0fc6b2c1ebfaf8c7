#include "adapters/ovs_conntrack_lib/frame_dispatch.h"

namespace ctc::ovs_conntrack_lib {
namespace {

constexpr uint16_t kEthTypeIp = 0x0800;
constexpr uint16_t kEthTypeIpv6 = 0x86dd;
constexpr uint16_t kTpidVlan = 0x8100;
constexpr uint16_t kTpidQinQ = 0x88a8;
constexpr int kMaxVlanHeaders = 2;  // lib/flow.h FLOW_MAX_VLAN_HEADERS
constexpr size_t kEthHeaderSize = 14;
constexpr size_t kVlanHeaderSize = 4;

uint16_t read_be16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

bool is_ipv4_fragment(std::span<const uint8_t> frame, size_t l3) {
  if (frame.size() < l3 + 8) return false;  // conntrack finds it malformed instead
  const uint16_t flags_and_offset = read_be16(frame, l3 + 6);
  const bool more_fragments = flags_and_offset & 0x2000;
  const uint16_t offset = flags_and_offset & 0x1fff;
  return more_fragments || offset != 0;
}

// Walks the extension headers that may precede a Fragment header (RFC 8200
// section 4.1 order: Hop-by-Hop, Destination Options, Routing).
bool is_ipv6_fragment(std::span<const uint8_t> frame, size_t l3) {
  constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kDestOptions = 60;
  constexpr size_t kFixedHeader = 40;
  if (frame.size() < l3 + kFixedHeader) return false;
  uint8_t next = frame[l3 + 6];
  size_t at = l3 + kFixedHeader;
  for (int hops = 0; hops < 8; ++hops) {
    if (next == kFragment) return true;
    if (next != kHopByHop && next != kRouting && next != kDestOptions) return false;
    if (frame.size() < at + 2) return false;
    next = frame[at];
    at += (size_t{frame[at + 1]} + 1) * 8;
  }
  return false;
}

}  // namespace

FrameDispatch dispatch_frame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthHeaderSize) return FrameDispatch::kNotIp;
  size_t type_at = 12;
  uint16_t eth_type = read_be16(frame, type_at);
  for (int tags = 0; tags < kMaxVlanHeaders && (eth_type == kTpidVlan || eth_type == kTpidQinQ);
       ++tags) {
    type_at += kVlanHeaderSize;
    if (frame.size() < type_at + 2) return FrameDispatch::kNotIp;
    eth_type = read_be16(frame, type_at);
  }
  const size_t l3 = type_at + 2;
  if (eth_type == kEthTypeIp) {
    return is_ipv4_fragment(frame, l3) ? FrameDispatch::kIpFragment : FrameDispatch::kIp;
  }
  if (eth_type == kEthTypeIpv6) {
    return is_ipv6_fragment(frame, l3) ? FrameDispatch::kIpFragment : FrameDispatch::kIp;
  }
  return FrameDispatch::kNotIp;
}

}  // namespace ctc::ovs_conntrack_lib
