// Small helpers shared by the packet tests: hex literals, a byte writer for
// hand-assembled headers, and fix-ups for length/checksum fields after a
// test mutates a frame.
#pragma once

#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "reference/packet/checksum.h"
#include "reference/packet/packet_parser.h"

namespace ctc::test {

// "45 00 00 2c" (any whitespace) -> bytes.
inline std::vector<uint8_t> hex(std::string_view text) {
  std::vector<uint8_t> out;
  int nibble = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<uint8_t>(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

inline std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) s += ' ';
    s += kDigits[bytes[i] >> 4];
    s += kDigits[bytes[i] & 15];
  }
  return s;
}

struct Wire {
  std::vector<uint8_t> b;
  Wire& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Wire& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  Wire& u32(uint32_t v) { return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v)); }
  Wire& bytes(const std::vector<uint8_t>& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Wire& addr(const IpAddress& a) {
    b.insert(b.end(), a.bytes.begin(), a.bytes.begin() + static_cast<long>(a.size()));
    return *this;
  }
  size_t size() const { return b.size(); }
};

inline uint16_t get16(const std::vector<uint8_t>& f, size_t at) {
  return static_cast<uint16_t>(f[at] << 8 | f[at + 1]);
}
inline void set16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}

// Recomputes the IPv4 header checksum of the header starting at `ip`.
inline void fix_ipv4_checksum(std::vector<uint8_t>& f, size_t ip) {
  const size_t ihl = (f[ip] & 0x0f) * 4u;
  set16(f, ip + 10, 0);
  set16(f, ip + 10, internet_checksum(std::span<const uint8_t>(f.data() + ip, ihl)));
}

// Makes the IP length field (v4 total length + checksum, or v6 payload length)
// agree with the bytes present from `ip` to the end of `f`.
inline void fix_ip_length(std::vector<uint8_t>& f, size_t ip) {
  if ((f[ip] >> 4) == 4) {
    set16(f, ip + 2, static_cast<uint16_t>(f.size() - ip));
    fix_ipv4_checksum(f, ip);
  } else {
    set16(f, ip + 4, static_cast<uint16_t>(f.size() - ip - 40));
  }
}

inline std::string describe(const Result<Packet, ParseError>& r) {
  if (r.ok()) return "parsed OK";
  std::ostringstream os;
  os << r.error();
  return os.str();
}

}  // namespace ctc::test
