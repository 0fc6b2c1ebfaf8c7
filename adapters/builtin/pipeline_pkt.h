// One packet instance inside the built-in pipeline, and the flow fields read
// from and written to its bytes (the same field definitions as ovs-fields(7)
// and flow_program.h: one place for matching, set_field, load and move).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "adapters/builtin/fast_conntrack.h"
#include "adapters/builtin/frame.h"
#include "reference/flow/flow_program.h"

namespace ctc::builtin {

struct Pkt {
  Frame f;
  uint16_t in_port = 0;
  std::array<uint32_t, 8> regs{};
  uint64_t metadata = 0;
  CtMeta ct;
  // False after ct() without table=: the ct fields read as zero.
  bool ct_visible = true;
  uint8_t table = 0;  // where a recirculated copy resumes

  void reset(uint16_t port, std::span<const uint8_t> frame) {
    f.load(frame);
    in_port = port;
    regs = {};
    metadata = 0;
    ct = CtMeta{};
    ct_visible = true;
  }

  // Becomes `other`; `other` is left with this one's old byte buffer, to
  // reuse, and is not to be read again. One copy where a swap makes three
  // (hot path: every ct(table=) that ends a pass hands its packet over).
  void take(Pkt& other) {
    std::vector<uint8_t> spare = std::move(f.bytes);
    *this = std::move(other);
    other.f.bytes = std::move(spare);
  }
};

// Fields other than the three read_field() handles inline.
U128 read_packet_field(const Pkt& p, FlowField field);

// Inline for the fields nearly every rule matches on (hot path: rule lookup).
inline U128 read_field(const Pkt& p, FlowField field) {
  switch (field) {
    case FlowField::kInPort: return {0, p.in_port};
    case FlowField::kDlType: return {0, p.f.l.ether_type};
    case FlowField::kCtState: return {0, p.ct_visible ? p.ct.state.bits() : 0u};
    default: return read_packet_field(p, field);
  }
}

// (old & ~mask) | (value & mask); false when the packet lacks the field.
bool write_field(Pkt& p, FlowField field, const U128& value, const U128& mask);

U128 shl(const U128& v, unsigned n);
U128 shr(const U128& v, unsigned n);
U128 ones(unsigned offset, unsigned n_bits);  // bits [offset, offset + n_bits)

}  // namespace ctc::builtin
