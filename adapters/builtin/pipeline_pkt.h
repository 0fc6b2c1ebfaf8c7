// One packet instance inside the built-in pipeline, and the flow fields read
// from and written to its bytes (the same field definitions as ovs-fields(7)
// and flow_program.h: one place for matching, set_field, load and move).
#pragma once

#include <array>
#include <cstdint>

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
};

U128 read_field(const Pkt& p, FlowField field);
// (old & ~mask) | (value & mask); false when the packet lacks the field.
bool write_field(Pkt& p, FlowField field, const U128& value, const U128& mask);

U128 shl(const U128& v, unsigned n);
U128 shr(const U128& v, unsigned n);
U128 ones(unsigned offset, unsigned n_bits);  // bits [offset, offset + n_bits)

}  // namespace ctc::builtin
