// Internet checksum arithmetic for the built-in engine, on raw bytes: a fast
// full sum (RFC 1071, native-order 32-bit loads) and RFC 1624 incremental
// updates, so that NAT and set_field touch only the words they change.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ctc::builtin {

inline uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t load32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline void store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// Folds a wide one's-complement sum to 16 bits (never 0 unless every term was 0).
inline uint16_t fold(uint64_t s) {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// A 128-bit sum kept as 64 bits plus the count of carries out of them.
struct WideSum {
  unsigned long long sum = 0;
  unsigned long long carries = 0;

  void add(uint64_t v) {
    sum += v;
    carries += sum < v;
  }
  // Four words in one carry chain (add, adc, adc, adc where the compiler has
  // the builtin): hot path, every tracked packet's checksum is verified.
  void add4(const uint8_t* p) {
    unsigned long long w[4];
    std::memcpy(w, p, sizeof w);
#if __has_builtin(__builtin_addcll)
    unsigned long long c;
    sum = __builtin_addcll(sum, w[0], 0, &c);
    sum = __builtin_addcll(sum, w[1], c, &c);
    sum = __builtin_addcll(sum, w[2], c, &c);
    sum = __builtin_addcll(sum, w[3], c, &c);
    carries += c;
#else
    for (unsigned long long v : w) add(v);
#endif
  }
  void add8(const uint8_t* p) {
    add4(p);
    add4(p + 32);
  }
  // `n` bytes as native words (see sum_native()). Inlined: most regions are
  // short (headers, addresses) and a call would cost as much as their sum.
  [[gnu::always_inline]] void add_bytes(const uint8_t* p, size_t n) {
    size_t i = 0;
    for (; i + 64 <= n; i += 64) add8(p + i);
    if (i + 32 <= n) {
      add4(p + i);
      i += 32;
    }
    for (int k = 0; k < 3 && i + 8 <= n; ++k, i += 8) {
      uint64_t a;
      std::memcpy(&a, p + i, 8);
      add(a);
    }
    if (i + 4 <= n) {
      uint32_t a;
      std::memcpy(&a, p + i, 4);
      add(a);
      i += 4;
    }
    if (i + 2 <= n) {
      uint16_t a;
      std::memcpy(&a, p + i, 2);
      add(a);
      i += 2;
    }
    if (i < n) {
      add(std::endian::native == std::endian::little ? uint64_t{p[i]} : uint64_t{p[i]} << 8);
    }
  }
  // Folded into 64 bits with the end-around carry (2^64 = 1 in one's complement).
  uint64_t folded() const {
    uint64_t s = sum + carries;
    if (s < carries) ++s;
    return s;
  }
};

// One's-complement sum of `n` bytes as native 64-bit words, end-around carry
// folded into 64 bits. RFC 1071: the sum is byte-order independent, so
// fold(sum_native) is the big-endian word sum byte-swapped (on little-endian
// machines); an odd tail byte is the high half of a big-endian word.
[[gnu::always_inline]] inline uint64_t sum_native(const uint8_t* p, size_t n) {
  WideSum acc;
  acc.add_bytes(p, n);
  return acc.folded();
}

// A big-endian 16-bit word as it adds into a native sum.
inline uint64_t native_word(uint16_t be_value) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<uint16_t>(be_value << 8 | be_value >> 8);
  }
  return be_value;
}

// One's-complement sum of `n` bytes read as big-endian 16-bit words (odd
// tail padded with zero), folded to 16 bits.
inline uint16_t sum_bytes(const uint8_t* p, size_t n) {
  return static_cast<uint16_t>(native_word(fold(sum_native(p, n))));
}

inline uint16_t finish(uint64_t sum) { return static_cast<uint16_t>(~fold(sum)); }

// Pseudo-header sum (RFC 793/768, RFC 8200 8.1) from raw address bytes.
inline uint16_t pseudo_sum(const uint8_t* src, const uint8_t* dst, size_t addr_len,
                           uint8_t protocol, uint32_t length) {
  uint64_t s = sum_bytes(src, addr_len);
  s += sum_bytes(dst, addr_len);
  s += (length >> 16) + (length & 0xffff) + protocol;
  return fold(s);
}

// RFC 1624 eqn. 3 bookkeeping: the sum of ~old + new over changed words.
struct Delta {
  uint64_t sum = 0;
  void word(uint16_t before, uint16_t after) {
    sum += static_cast<uint16_t>(~before);
    sum += after;
  }
  bool empty() const { return sum == 0; }
};

// Overwrites [at, at+n) of `base` with `src` and returns the delta over the
// enclosing 16-bit words. Offsets are relative to a buffer whose checksummed
// regions all start at even offsets (true for every header of a frame).
inline Delta patch(uint8_t* base, size_t at, const uint8_t* src, size_t n) {
  Delta d;
  const size_t first = at & ~size_t{1};
  const size_t last = (at + n + 1) & ~size_t{1};
  uint8_t before[40];
  std::memcpy(before, base + first, last - first);
  std::memcpy(base + at, src, n);
  for (size_t i = first; i < last; i += 2) d.word(load16(before + (i - first)), load16(base + i));
  return d;
}

inline Delta patch16(uint8_t* base, size_t at, uint16_t value) {
  uint8_t b[2];
  store16(b, value);
  return patch(base, at, b, 2);
}

// Applies a delta to the checksum stored at `csum` (RFC 1624: HC' = ~(~HC + ~m + m')).
inline void apply(uint8_t* csum, const Delta& d) {
  store16(csum, finish(uint64_t{static_cast<uint16_t>(~load16(csum))} + d.sum));
}

}  // namespace ctc::builtin
