// Sequence-number arithmetic modulo 2^32 (RFC 1982 style), named so that
// window checks read as sentences.
#pragma once

#include <cstdint>

namespace ctc {

inline bool seq_before(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
inline bool seq_after(uint32_t a, uint32_t b) { return seq_before(b, a); }
inline bool seq_at_or_after(uint32_t a, uint32_t b) { return !seq_before(a, b); }
inline bool seq_at_or_before(uint32_t a, uint32_t b) { return !seq_after(a, b); }

}  // namespace ctc
