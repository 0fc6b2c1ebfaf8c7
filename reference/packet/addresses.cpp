#include "reference/packet/addresses.h"

#include <arpa/inet.h>

#include <cstdio>
#include <ostream>

namespace ctc {

Result<MacAddress> MacAddress::parse(std::string_view text) {
  MacAddress mac;
  if (text.size() != 17) return invalid_argument("bad MAC address '" + std::string(text) + "'");
  for (size_t i = 0; i < 6; ++i) {
    unsigned value = 0;
    for (size_t j = 0; j < 2; ++j) {
      char c = text[i * 3 + j];
      unsigned digit;
      if (c >= '0' && c <= '9') digit = c - '0';
      else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      else return invalid_argument("bad MAC address '" + std::string(text) + "'");
      value = value * 16 + digit;
    }
    if (i < 5 && text[i * 3 + 2] != ':') {
      return invalid_argument("bad MAC address '" + std::string(text) + "'");
    }
    mac.bytes[i] = static_cast<uint8_t>(value);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buf;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  a.family = IpFamily::kV4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return v4((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
  IpAddress a;
  a.family = IpFamily::kV6;
  a.bytes = bytes;
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  // inet_pton reads a C string: an embedded NUL would cut the text short and
  // accept "1.2.3.4\0garbage" as 1.2.3.4. Reject it outright.
  if (s.find('\0') != std::string::npos) {
    return invalid_argument("bad IP address (embedded NUL)");
  }
  if (s.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) {
      return invalid_argument("bad IPv6 address '" + s + "'");
    }
    a.family = IpFamily::kV6;
    return a;
  }
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) != 1) {
    return invalid_argument("bad IPv4 address '" + s + "'");
  }
  a.family = IpFamily::kV4;
  return a;
}

uint32_t IpAddress::v4_host_order() const {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         bytes[3];
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

IpAddress IpAddress::plus(uint64_t n) const {
  IpAddress r = *this;
  int i = static_cast<int>(size()) - 1;
  unsigned carry = 0;
  for (; i >= 0 && (n != 0 || carry != 0); --i) {
    unsigned sum = r.bytes[i] + static_cast<unsigned>(n & 0xff) + carry;
    r.bytes[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
    n >>= 8;
  }
  return r;
}

uint64_t IpAddress::offset_from(const IpAddress& low) const {
  // Subtract byte-wise; anything above 64 bits of difference saturates.
  std::array<uint8_t, 16> diff{};
  int borrow = 0;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    int d = int{bytes[i]} - int{low.bytes[i]} - borrow;
    borrow = d < 0;
    diff[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  uint64_t result = 0;
  const size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    if (n - i > 8 && diff[i] != 0) return UINT64_MAX;
    if (n - i <= 8) result = (result << 8) | diff[i];
  }
  return result;
}

bool IpAddress::in_prefix(const IpAddress& network, unsigned prefix_len) const {
  if (family != network.family) return false;
  const unsigned full = prefix_len / 8;
  for (unsigned i = 0; i < full && i < 16; ++i) {
    if (bytes[i] != network.bytes[i]) return false;
  }
  const unsigned rest = prefix_len % 8;
  if (rest == 0 || full >= 16) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == (network.bytes[full] & mask);
}

std::ostream& operator<<(std::ostream& os, const IpAddress& a) { return os << a.to_string(); }
std::ostream& operator<<(std::ostream& os, const MacAddress& a) { return os << a.to_string(); }

}  // namespace ctc
