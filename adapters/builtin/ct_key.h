// The built-in conntrack's lookup key: one direction of a connection plus its
// zone, as six 64-bit words built in registers (no byte stores that a word
// load would then wait for), compared word by word and hashed once. Equal
// keys mean equal ctc::Tuple values (each address's family included) in
// equal zones.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "reference/conntrack/ct_types.h"

namespace ctc::builtin {

struct Key {
  // Words 0-1: source address bytes, 2-3: destination (IPv4: first 4 bytes).
  // Word 4: sport | dport << 16 | icmp_id << 32 | zone << 48.
  // Word 5: proto | src_family << 8 | dst_family << 16 | icmp_type << 24 | icmp_code << 32.
  uint64_t w[6] = {0, 0, 0, 0, 0, 0};

  const uint8_t* src() const { return reinterpret_cast<const uint8_t*>(&w[0]); }
  const uint8_t* dst() const { return reinterpret_cast<const uint8_t*>(&w[2]); }
  uint16_t sport() const { return static_cast<uint16_t>(w[4]); }
  uint16_t dport() const { return static_cast<uint16_t>(w[4] >> 16); }
  uint16_t icmp_id() const { return static_cast<uint16_t>(w[4] >> 32); }
  uint16_t zone() const { return static_cast<uint16_t>(w[4] >> 48); }
  uint8_t proto() const { return static_cast<uint8_t>(w[5]); }
  uint8_t src_family() const { return static_cast<uint8_t>(w[5] >> 8); }
  uint8_t dst_family() const { return static_cast<uint8_t>(w[5] >> 16); }
  uint8_t icmp_type() const { return static_cast<uint8_t>(w[5] >> 24); }
  uint8_t icmp_code() const { return static_cast<uint8_t>(w[5] >> 32); }

  void set16(int word, int shift, uint16_t v) {
    w[word] = (w[word] & ~(uint64_t{0xffff} << shift)) | (uint64_t{v} << shift);
  }
  void set8(int shift, uint8_t v) { w[5] = (w[5] & ~(uint64_t{0xff} << shift)) | (uint64_t{v} << shift); }
  void set_sport(uint16_t v) { set16(4, 0, v); }
  void set_dport(uint16_t v) { set16(4, 16, v); }
  void set_zone(uint16_t v) { set16(4, 48, v); }
  void set_icmp_id(uint16_t v) { set16(4, 32, v); }
  void set_icmp_type(uint8_t v) { set8(24, v); }

  friend bool operator==(const Key& a, const Key& b) {
    return ((a.w[0] ^ b.w[0]) | (a.w[1] ^ b.w[1]) | (a.w[2] ^ b.w[2]) | (a.w[3] ^ b.w[3]) |
            (a.w[4] ^ b.w[4]) | (a.w[5] ^ b.w[5])) == 0;
  }
};

// Address words from `n` (4 or 16) wire bytes.
// Built in registers and stored whole: a narrower store followed by a word
// load of the same bytes would stall store-to-load forwarding.
inline void address_words(const uint8_t* bytes, size_t n, uint64_t& hi, uint64_t& lo) {
  if (n == 4) {
    uint32_t v;
    std::memcpy(&v, bytes, 4);
    hi = v;
    if constexpr (std::endian::native == std::endian::big) hi <<= 32;
    lo = 0;
  } else {
    uint64_t a, b;
    std::memcpy(&a, bytes, 8);
    std::memcpy(&b, bytes + 8, 8);
    hi = a;
    lo = b;
  }
}

inline uint64_t mix_multiply(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Never 0 (0 means "no hash" to the prefetch hints).
inline uint64_t hash_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                           uint64_t w5) {
  const uint64_t a = mix_multiply(w0 ^ 0xa0761d6478bd642full, w1 ^ 0xe7037ed1a0b428dbull);
  const uint64_t b = mix_multiply(w2 ^ 0x8ebc6af09c88c6e3ull, w3 ^ 0x589965cc75374cc3ull);
  const uint64_t c = mix_multiply(w4 ^ 0x1d8e4e27c47d124full, w5 ^ 0xa0761d6478bd642full);
  const uint64_t h = mix_multiply(a ^ c, b ^ 0xe7037ed1a0b428dbull);
  return h == 0 ? 1 : h;
}
inline uint64_t hash_key(const Key& k) {
  return hash_words(k.w[0], k.w[1], k.w[2], k.w[3], k.w[4], k.w[5]);
}

inline bool is_icmp_proto(uint8_t proto) { return proto == 1 || proto == 58; }

// Tuple::reversed(): swap the ends, map ICMP requests to replies and back
// (nf_conntrack_proto_icmp.c invmap, OVS reverse_icmp_type).
inline Key reversed(const Key& k) {
  Key r = k;
  r.w[0] = k.w[2];
  r.w[1] = k.w[3];
  r.w[2] = k.w[0];
  r.w[3] = k.w[1];
  r.set_sport(k.dport());
  r.set_dport(k.sport());
  r.set8(8, k.dst_family());
  r.set8(16, k.src_family());
  const uint8_t type = k.icmp_type();
  if (k.proto() == 1) {
    switch (type) {
      case 8: r.set_icmp_type(0); break;
      case 0: r.set_icmp_type(8); break;
      case 13: case 15: case 17: r.set_icmp_type(static_cast<uint8_t>(type + 1)); break;
      case 14: case 16: case 18: r.set_icmp_type(static_cast<uint8_t>(type - 1)); break;
      default: break;
    }
  } else if (k.proto() == 58) {
    if (type == 128) r.set_icmp_type(129);
    else if (type == 129) r.set_icmp_type(128);
  }
  return r;
}

inline IpAddress address_of(const uint8_t* bytes, uint8_t family) {
  IpAddress a;
  a.family = family == 6 ? IpFamily::kV6 : IpFamily::kV4;
  std::memcpy(a.bytes.data(), bytes, family == 6 ? 16 : 4);
  return a;
}

// Replaces the source (or destination) address of `k` with `a`.
inline void set_address(Key& k, bool source, const IpAddress& a) {
  uint64_t hi, lo;
  address_words(a.bytes.data(), a.size(), hi, lo);
  k.w[source ? 0 : 2] = hi;
  k.w[source ? 1 : 3] = lo;
  k.set8(source ? 8 : 16, a.is_v4() ? 4 : 6);
}

inline Tuple to_tuple(const Key& k) {
  Tuple t;
  t.src = address_of(k.src(), k.src_family());
  t.dst = address_of(k.dst(), k.dst_family());
  t.protocol = k.proto();
  t.src_port = k.sport();
  t.dst_port = k.dport();
  t.icmp_id = k.icmp_id();
  t.icmp_type = k.icmp_type();
  t.icmp_code = k.icmp_code();
  return t;
}

}  // namespace ctc::builtin
