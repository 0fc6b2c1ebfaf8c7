// Between the scenario's Ethernet frames and the TUN's bare IP packets, and
// the normalisation that makes the kernel's forwarded packets comparable with
// the reference's outputs (OVS switches frames; it does not route):
//   - in: the link-layer header (Ethernet, with an 802.1Q tag if present) is
//     stripped; frames that carry neither IPv4 nor IPv6 never reach the
//     kernel (a TUN carries IP only) and count as dropped;
//   - out: the injected frame's own link-layer header is put back, with the
//     EtherType of the packet that left. OVS leaves MACs alone, so this is
//     exactly what the reference outputs for a forwarded packet;
//   - forwarding decrements the IPv4 TTL / IPv6 hop limit (ip_forward,
//     ip6_forward) and rewrites the IPv4 header checksum: when the packet
//     left with exactly one less, the injected value is restored and the
//     checksum recomputed;
//   - nf_dup_ipv4 sets DF on its copy ("so that the original source is
//     notified of a potentially decreased MTU on the clone route"): on the
//     audit port DF is restored to the injected value;
//   - the router's own IPv6 neighbour discovery / MLD (link-local or
//     unspecified source) is noise, not output.
// Anything else the kernel changed (NAT rewrites, its own ICMP errors) stays.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ctc::linux_netfilter {

struct SplitFrame {
  std::vector<uint8_t> link_header;  // up to and including the EtherType
  std::span<const uint8_t> ip;       // a view into the injected frame
};

// nullopt when the frame is not IPv4/IPv6 (or too short to say).
std::optional<SplitFrame> split_frame(std::span<const uint8_t> frame);

struct OutputContext {
  const SplitFrame* injected = nullptr;
  bool audit_copy = false;  // left on the audit port (a dup copy)
};

std::vector<uint8_t> restore_frame(const OutputContext& context, std::vector<uint8_t> ip_packet);

bool is_router_noise(std::span<const uint8_t> ip_packet);

}  // namespace ctc::linux_netfilter
