#include "adapters/linux_netfilter/frame_codec.h"

#include "reference/packet/checksum.h"
#include "reference/packet/packet.h"

namespace ctc::linux_netfilter {
namespace {

constexpr size_t kEthernetHeader = 14;
constexpr size_t kVlanTag = 4;
constexpr size_t kIpv4TtlOffset = 8;
constexpr size_t kIpv4FlagsOffset = 6;
constexpr size_t kIpv4ChecksumOffset = 10;
constexpr uint8_t kIpv4DontFragment = 0x40;  // in the first flags byte
constexpr size_t kIpv6HopLimitOffset = 7;
constexpr size_t kIpv6NextHeaderOffset = 6;
constexpr size_t kIpv6Header = 40;

uint16_t be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

int ip_version(std::span<const uint8_t> ip) { return ip.empty() ? 0 : ip[0] >> 4; }

size_t ipv4_header_length(std::span<const uint8_t> ip) { return size_t{ip[0] & 0x0fu} * 4; }

void fix_ipv4_checksum(std::vector<uint8_t>& ip) {
  const size_t ihl = ipv4_header_length(ip);
  if (ihl < 20 || ihl > ip.size()) return;
  ip[kIpv4ChecksumOffset] = 0;
  ip[kIpv4ChecksumOffset + 1] = 0;
  const uint16_t sum = internet_checksum(std::span<const uint8_t>(ip.data(), ihl));
  ip[kIpv4ChecksumOffset] = static_cast<uint8_t>(sum >> 8);
  ip[kIpv4ChecksumOffset + 1] = static_cast<uint8_t>(sum);
}

void restore_ipv4(std::span<const uint8_t> in, std::vector<uint8_t>& out, bool audit_copy) {
  if (in.size() < 20 || out.size() < 20) return;
  bool changed = false;
  if (out[kIpv4TtlOffset] + 1 == in[kIpv4TtlOffset]) {
    out[kIpv4TtlOffset] = in[kIpv4TtlOffset];
    changed = true;
  }
  if (audit_copy && !(in[kIpv4FlagsOffset] & kIpv4DontFragment) &&
      (out[kIpv4FlagsOffset] & kIpv4DontFragment)) {
    out[kIpv4FlagsOffset] &= static_cast<uint8_t>(~kIpv4DontFragment);
    changed = true;
  }
  if (changed) fix_ipv4_checksum(out);
}

void restore_ipv6(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (in.size() < kIpv6Header || out.size() < kIpv6Header) return;
  if (out[kIpv6HopLimitOffset] + 1 == in[kIpv6HopLimitOffset]) {
    out[kIpv6HopLimitOffset] = in[kIpv6HopLimitOffset];
  }
}

}  // namespace

std::optional<SplitFrame> split_frame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthernetHeader) return std::nullopt;
  size_t header = kEthernetHeader;
  uint16_t type = be16(frame, 12);
  if (type == ether_type::kVlan) {
    if (frame.size() < kEthernetHeader + kVlanTag) return std::nullopt;
    header += kVlanTag;
    type = be16(frame, 16);
  }
  if (type != ether_type::kIpv4 && type != ether_type::kIpv6) return std::nullopt;
  SplitFrame split;
  split.link_header.assign(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(header));
  split.ip = frame.subspan(header);
  if (split.ip.empty()) return std::nullopt;
  return split;
}

std::vector<uint8_t> restore_frame(const OutputContext& context, std::vector<uint8_t> ip_packet) {
  const SplitFrame& injected = *context.injected;
  const int version = ip_version(ip_packet);
  if (version == 4 && ip_version(injected.ip) == 4) {
    restore_ipv4(injected.ip, ip_packet, context.audit_copy);
  } else if (version == 6 && ip_version(injected.ip) == 6) {
    restore_ipv6(injected.ip, ip_packet);
  }
  std::vector<uint8_t> frame = injected.link_header;
  const uint16_t type = version == 6 ? ether_type::kIpv6 : ether_type::kIpv4;
  frame[frame.size() - 2] = static_cast<uint8_t>(type >> 8);
  frame[frame.size() - 1] = static_cast<uint8_t>(type);
  frame.insert(frame.end(), ip_packet.begin(), ip_packet.end());
  return frame;
}

bool is_router_noise(std::span<const uint8_t> ip) {
  if (ip_version(ip) != 6 || ip.size() < kIpv6Header + 1) return false;
  const bool link_local = ip[8] == 0xfe && (ip[9] & 0xc0) == 0x80;
  bool unspecified = true;
  for (size_t i = 8; i < 24; ++i) unspecified = unspecified && ip[i] == 0;
  if (!link_local && !unspecified) return false;
  // Neighbour discovery (133-137) and MLD (130-132, 143), possibly behind a
  // hop-by-hop header (MLD carries router alert).
  size_t at = kIpv6Header;
  uint8_t next = ip[kIpv6NextHeaderOffset];
  if (next == ip_proto::kHopByHop && ip.size() > at + 8) {
    next = ip[at];
    at += (size_t{ip[at + 1]} + 1) * 8;
  }
  if (next != ip_proto::kIcmpv6 || ip.size() <= at) return false;
  const uint8_t type = ip[at];
  return (type >= 130 && type <= 137) || type == 143;
}

}  // namespace ctc::linux_netfilter
