// Link and network addresses, as values. IPv4 and IPv6 share one type so that
// tuples, NAT ranges and flow matches handle both families the same way.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "reference/common/result.h"

namespace ctc {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static Result<MacAddress> parse(std::string_view text);  // "aa:bb:cc:dd:ee:ff"
  std::string to_string() const;
  friend auto operator<=>(const MacAddress&, const MacAddress&) = default;
};

// An IPv4 address lives in bytes[0..3] with the rest zero; family tells which.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  IpFamily family = IpFamily::kV4;

  static IpAddress v4(uint32_t host_order);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  static IpAddress v6(const std::array<uint8_t, 16>& bytes);
  static Result<IpAddress> parse(std::string_view text);  // dotted quad or RFC 4291 text

  bool is_v4() const { return family == IpFamily::kV4; }
  uint32_t v4_host_order() const;
  // Number of address bytes on the wire: 4 or 16.
  size_t size() const { return is_v4() ? 4 : 16; }
  std::string to_string() const;

  // Address arithmetic for NAT ranges: this + n, within the family.
  IpAddress plus(uint64_t n) const;
  // Distance from `low` to this (this >= low), saturating at UINT64_MAX.
  uint64_t offset_from(const IpAddress& low) const;
  // True when the first `prefix_len` bits equal `other`'s.
  bool in_prefix(const IpAddress& network, unsigned prefix_len) const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

std::ostream& operator<<(std::ostream& os, const IpAddress& a);
std::ostream& operator<<(std::ostream& os, const MacAddress& a);

}  // namespace ctc
