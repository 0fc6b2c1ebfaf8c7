// The Internet checksum (RFC 1071) and the pseudo-header sums TCP, UDP and
// ICMPv6 include (RFC 793, RFC 768, RFC 8200 section 8.1).
#pragma once

#include <cstdint>
#include <span>

#include "reference/packet/addresses.h"

namespace ctc {

// A running one's-complement sum of `bytes` as 16-bit big-endian words, not
// yet folded or inverted: equal to the plain sum modulo 0xffff, and zero only
// when every byte is. `bytes` must start at an even offset of the checksummed data.
uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes);
// Folds and inverts a running sum into the value written on the wire.
uint16_t checksum_finish(uint32_t sum);
uint16_t internet_checksum(std::span<const uint8_t> bytes);
// Sum of the pseudo-header for an upper-layer packet of `length` bytes.
uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t length);

}  // namespace ctc
