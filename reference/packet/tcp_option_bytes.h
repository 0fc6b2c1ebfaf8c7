// The bytes of one TCP option after its kind and length octets, stored
// inline. The options area of a TCP header is at most 40 bytes, so an
// option's data always fits in 38: parsing, building and copying a packet
// then allocate nothing per option (hot path: every TCP packet of every run).
// Offers the part of std::vector<uint8_t> the packet code uses.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <vector>

namespace ctc {

class TcpOptionBytes {
 public:
  // The 40-byte options area less the kind and length octets.
  static constexpr size_t kCapacity = 38;

  using value_type = uint8_t;
  using iterator = uint8_t*;
  using const_iterator = const uint8_t*;

  TcpOptionBytes() = default;
  // More than kCapacity bytes cannot be one option on the wire: std::length_error.
  TcpOptionBytes(std::span<const uint8_t> bytes) { assign(bytes); }  // NOLINT: implicit
  TcpOptionBytes(const std::vector<uint8_t>& bytes)                  // NOLINT: implicit
      : TcpOptionBytes(std::span<const uint8_t>(bytes)) {}
  TcpOptionBytes(std::initializer_list<uint8_t> bytes)
      : TcpOptionBytes(std::span<const uint8_t>(bytes.begin(), bytes.size())) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }
  uint8_t operator[](size_t i) const { return bytes_[i]; }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  const_iterator begin() const { return bytes_.data(); }
  const_iterator end() const { return bytes_.data() + size_; }
  iterator begin() { return bytes_.data(); }
  iterator end() { return bytes_.data() + size_; }

  void push_back(uint8_t byte) {
    check_fits(size_ + 1u);
    bytes_[size_++] = byte;
  }

  friend bool operator==(const TcpOptionBytes& a, const TcpOptionBytes& b) {
    return std::ranges::equal(a, b);
  }
  friend bool operator==(const TcpOptionBytes& a, const std::vector<uint8_t>& b) {
    return std::ranges::equal(a, b);
  }

 private:
  static void check_fits(size_t n) {
    if (n > kCapacity) throw std::length_error("a TCP option holds at most 38 data bytes");
  }
  void assign(std::span<const uint8_t> bytes) {
    check_fits(bytes.size());
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
    size_ = static_cast<uint8_t>(bytes.size());
  }

  std::array<uint8_t, kCapacity> bytes_{};
  uint8_t size_ = 0;
};

}  // namespace ctc
