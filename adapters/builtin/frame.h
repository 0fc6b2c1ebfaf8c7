// The built-in engine's view of one frame: the raw bytes plus the offsets of
// each header, found once by a single pass (extract()). Fields are read from
// and written to the bytes in place; checksums are verified lazily and kept
// right by incremental updates (csum.h).
//
// What counts as well formed is the packet model's rule
// (reference/packet/packet_parser.h), so that both engines agree on which
// frames are IP at all: a frame that model cannot parse is "malformed" here
// and only its Ethernet header is visible.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "adapters/builtin/csum.h"

namespace ctc::builtin {

enum class L4Kind : uint8_t { kNone, kTcp, kUdp, kIcmp };
// kAtomic: an IPv6 fragment header with offset 0 and no more fragments; still
// a fragment for conntrack (IpHeader::is_fragment), but a whole segment.
enum class FragKind : uint8_t { kNone, kFirst, kLater, kAtomic };

// How a checksum will look when the frame leaves (packet_builder.cpp semantics:
// a field rewrite "resets" a checksum, i.e. it is computed afresh).
enum class CsumMode : uint8_t {
  kKeep,         // untouched: the bytes as received
  kIncremental,  // was correct and is kept correct by deltas as fields change
  kRecompute,    // computed in full over the bytes when the frame leaves
};

struct Layout {
  uint32_t size = 0;       // bytes of the frame
  uint32_t l3 = 0;         // IP header offset
  uint32_t l4 = 0;         // upper-layer header offset
  uint32_t ip_end = 0;     // end of the IP packet (Ethernet padding excluded)
  uint32_t frag_hdr = 0;   // IPv6 fragment header offset, 0 if none
  uint16_t ether_type = 0; // after the VLAN tag; the raw bytes 12-13 when malformed
  uint8_t family = 0;      // 0: not IP; 4; 6
  uint8_t protocol = 0;    // upper-layer protocol (after IPv6 extension headers)
  uint8_t tcp_hlen = 0;
  uint8_t wscale = 0;      // TCP window scale option (first one, when well sized)
  bool has_wscale = false;
  bool sack_perm = false;
  L4Kind l4_kind = L4Kind::kNone;
  FragKind frag = FragKind::kNone;
  bool has_eth = false;    // at least 14 bytes
  bool has_vlan = false;
  bool malformed = false;  // the packet model rejects it: only Ethernet fields are visible

  uint32_t l4_len() const { return ip_end - l4; }
  uint32_t payload_len() const {  // after the upper-layer header
    switch (l4_kind) {
      case L4Kind::kTcp: return l4_len() - tcp_hlen;
      case L4Kind::kUdp:
      case L4Kind::kIcmp: return l4_len() - 8;
      case L4Kind::kNone: break;
    }
    return l4_len();
  }
  size_t addr_len() const { return family == 4 ? 4 : 16; }
  uint32_t src_at() const { return l3 + (family == 4 ? 12 : 8); }
  uint32_t dst_at() const { return l3 + (family == 4 ? 16 : 24); }
};

// Finds the headers of `n` bytes at `d`. Never fails: a frame the packet
// model would reject is marked malformed.
void extract(const uint8_t* d, uint32_t n, Layout& out);

// Offsets of a packet quoted inside an ICMP error (the lenient parse of
// packet_parser.h parse_quoted_packet), relative to the quote's start.
struct QuotedLayout {
  bool ok = false;
  uint8_t family = 0;
  uint8_t protocol = 0;
  bool fragment = false;
  L4Kind l4_kind = L4Kind::kNone;
  uint32_t l4 = 0;        // may equal size when nothing follows the IP header
  uint32_t l4_avail = 0;  // bytes of the upper layer present
};
QuotedLayout extract_quoted(const uint8_t* q, uint32_t n);

// A frame inside the engine, with its checksum bookkeeping.
struct Frame {
  std::vector<uint8_t> bytes;
  Layout l;
  // Lazily computed: the checksums as received (Packet::ip_checksum_ok / l4_checksum_ok).
  bool verified = false;
  bool ip_ok = true;
  bool l4_ok = true;
  bool l4_good = false;  // verified correct over the full segment (incremental updates are exact)
  bool udp_zero = false; // UDP over IPv4 without checksum
  bool modified = false;
  CsumMode ip_mode = CsumMode::kKeep;
  CsumMode l4_mode = CsumMode::kKeep;

  void load(std::span<const uint8_t> frame) {
    bytes.assign(frame.begin(), frame.end());
    extract(bytes.data(), static_cast<uint32_t>(bytes.size()), l);
    verified = false;
    modified = false;
    ip_mode = l4_mode = CsumMode::kKeep;
  }
  uint8_t* data() { return bytes.data(); }
  const uint8_t* data() const { return bytes.data(); }
  bool is_ip() const { return l.family != 0; }

  // Fills ip_ok / l4_ok / l4_good, once.
  void verify() {
    if (!verified) verify_now();
  }
  bool is_icmp_error() const {
    if (l.l4_kind != L4Kind::kIcmp) return false;
    const uint8_t type = bytes[l.l4];
    if (l.family == 4) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    return type >= 1 && type <= 4;
  }

  // Checksums after a rewrite: reset_checksums_after_rewrite (NAT, where UDP
  // over IPv4 without a checksum keeps none) or a set_field (where it gets one).
  void reset_checksums(bool keep_udp_zero);
  // Writes bytes covered by the IPv4 header checksum and/or the L4 checksum
  // (in_l4_csum: the field is in the pseudo-header or the L4 header itself).
  void write_l3(uint32_t at, const uint8_t* src, size_t n, bool in_ip_csum, bool in_l4_csum);

  // The bytes that leave the engine (PipelinePacket::frame()).
  void emit(std::vector<uint8_t>& out) const;
  void emit_append(std::vector<uint8_t>& out) const;

 private:
  void verify_now();
  void l4_checksum_full(uint8_t* d, uint32_t end) const;
};

}  // namespace ctc::builtin
