// What `ovstest test-conntrack pcap` prints per packet, parsed. OVS 3.1.0
// tests/test-conntrack.c test_pcap() prints "<count>: <flags>\n" for every
// packet of a batch after conntrack_execute(), where <count> numbers the
// packets from 1 and <flags> is format_flags(ct_state_to_string, ct_state,
// '|') (lib/flow.c): the names of the set bits, lowest bit first, joined by
// '|' ("new|trk", "est|rpl|trk"); "0" when no bit is set; unnamed bits as one
// hexadecimal "0x..." item at the end. The names and bits are CS_STATES in
// lib/packets.h: new 0x01, est 0x02, rel 0x04, rpl 0x08, inv 0x10, trk 0x20,
// snat 0x40, dnat 0x80.
#pragma once

#include <cstdint>
#include <string_view>

#include "reference/common/result.h"
#include "reference/conntrack/ct_types.h"

namespace ctc::ovs_conntrack_lib {

struct CtStateLine {
  uint64_t packet_number = 0;  // 1-based, as printed
  CtState state;
};

// The flags field alone. kInvalidArgument naming the item for anything that
// is not a CS_STATES name or "0" (an "0x..." item means OVS set a bit we
// cannot represent: also an error).
Result<CtState> parse_ct_state_flags(std::string_view flags);

// One whole line, without its newline.
Result<CtStateLine> parse_ct_state_line(std::string_view line);

}  // namespace ctc::ovs_conntrack_lib
