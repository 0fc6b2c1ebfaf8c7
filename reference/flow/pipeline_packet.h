// One packet instance inside the flow pipeline: the parsed packet, its
// original bytes, the OpenFlow metadata (in_port, registers, metadata) and the
// conntrack metadata. Reading and writing fields by FlowField lives here so
// that matching, set_field, load and move share one definition of each field.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_program.h"

namespace ctc {

struct PipelinePacket {
  Packet packet;
  // The frame as received, sent as-is unless modified. A view of the bytes
  // given to FlowDatapath::process(): read only during that call.
  std::span<const uint8_t> raw;
  bool modified = false;
  uint16_t in_port = 0;
  std::array<uint32_t, 8> regs{};
  uint64_t metadata = 0;
  PacketCtMetadata ct;
  // False after ct() without table=: OVS reads the ct fields as zero then,
  // while the datapath still holds the connection for a later ct().
  bool ct_visible = true;

  // The frame to send: the original bytes, or the packet rebuilt after a
  // change; written into `out` (replaced), whose storage is reused.
  void write_frame(std::vector<uint8_t>& out) const;
  // Back to the packet `frame` makes arriving on `port`: parsed, no metadata.
  // `packet` keeps its vectors' storage (hot path: every frame). It resets
  // every member above: a member added here must be reset there too.
  void start(std::span<const uint8_t> frame, uint16_t port);
};

U128 read_field(const PipelinePacket& p, FlowField field);
// Writes (old & ~mask) | (value & mask). Fields the packet does not have (a
// port on an ICMP packet) are left alone and `false` returned.
bool write_field(PipelinePacket& p, FlowField field, const U128& value, const U128& mask);

// Bits [offset, offset + n_bits) of a field value, and the inverse.
U128 extract_bits(const U128& value, unsigned offset, unsigned n_bits);
U128 bits_mask(unsigned offset, unsigned n_bits);
U128 shift_left(const U128& value, unsigned n);

}  // namespace ctc
