// The built-in conntrack's lookup key: one direction of a connection plus its
// zone, in 48 flat bytes compared with memcmp and hashed once. Equal keys mean
// equal ctc::Tuple values (including each address's family) in equal zones.
#pragma once

#include <cstdint>
#include <cstring>

#include "reference/conntrack/ct_types.h"

namespace ctc::builtin {

struct Key {
  uint8_t src[16];
  uint8_t dst[16];
  uint16_t sport;
  uint16_t dport;
  uint16_t icmp_id;
  uint16_t zone;
  uint8_t proto;
  uint8_t src_family;  // 4 or 6 (IpFamily values)
  uint8_t dst_family;
  uint8_t icmp_type;
  uint8_t icmp_code;
  uint8_t pad[3];

  Key() { std::memset(this, 0, sizeof *this); }
  friend bool operator==(const Key& a, const Key& b) { return std::memcmp(&a, &b, sizeof a) == 0; }
};
static_assert(sizeof(Key) == 48, "Key must stay packed");

inline uint64_t hash_key(const Key& k) {
  uint64_t w[6];
  std::memcpy(w, &k, sizeof w);
  uint64_t h = 0x243f6a8885a308d3ull;
  for (uint64_t v : w) {
    h = (h ^ v) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 31;
  }
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

inline bool is_icmp_proto(uint8_t proto) { return proto == 1 || proto == 58; }

// Tuple::reversed(): swap the ends, map ICMP requests to replies and back
// (nf_conntrack_proto_icmp.c invmap, OVS reverse_icmp_type).
inline Key reversed(const Key& k) {
  Key r = k;
  std::memcpy(r.src, k.dst, 16);
  std::memcpy(r.dst, k.src, 16);
  r.src_family = k.dst_family;
  r.dst_family = k.src_family;
  r.sport = k.dport;
  r.dport = k.sport;
  if (k.proto == 1) {
    switch (k.icmp_type) {
      case 8: r.icmp_type = 0; break;
      case 0: r.icmp_type = 8; break;
      case 13: case 15: case 17: r.icmp_type = static_cast<uint8_t>(k.icmp_type + 1); break;
      case 14: case 16: case 18: r.icmp_type = static_cast<uint8_t>(k.icmp_type - 1); break;
      default: break;
    }
  } else if (k.proto == 58) {
    if (k.icmp_type == 128) r.icmp_type = 129;
    else if (k.icmp_type == 129) r.icmp_type = 128;
  }
  return r;
}

inline IpAddress address_of(const uint8_t* bytes, uint8_t family) {
  IpAddress a;
  a.family = family == 6 ? IpFamily::kV6 : IpFamily::kV4;
  std::memcpy(a.bytes.data(), bytes, family == 6 ? 16 : 4);
  return a;
}

inline void set_address(uint8_t* bytes, uint8_t& family, const IpAddress& a) {
  std::memset(bytes, 0, 16);
  std::memcpy(bytes, a.bytes.data(), a.size());
  family = a.is_v4() ? 4 : 6;
}

inline Tuple to_tuple(const Key& k) {
  Tuple t;
  t.src = address_of(k.src, k.src_family);
  t.dst = address_of(k.dst, k.dst_family);
  t.protocol = k.proto;
  t.src_port = k.sport;
  t.dst_port = k.dport;
  t.icmp_id = k.icmp_id;
  t.icmp_type = k.icmp_type;
  t.icmp_code = k.icmp_code;
  return t;
}

}  // namespace ctc::builtin
