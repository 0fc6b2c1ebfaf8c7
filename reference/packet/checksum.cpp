#include "reference/packet/checksum.h"

#include <bit>
#include <cstring>

namespace ctc {

uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes) {
  // Big-endian 32-bit words, two per 8-byte load: 2^16 = 1 modulo 0xffff, so
  // a sum of 32-bit words folds to the same one's-complement sum as the
  // 16-bit words (RFC 1071 section 2(C)), and a 64-bit accumulator cannot
  // overflow for any frame size. Checksums run over every payload byte of
  // every packet, several times per packet in the fuzzers.
  uint64_t acc = sum;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap64(word);
    acc += (word >> 32) + (word & 0xffffffff);
  }
  for (; i + 1 < bytes.size(); i += 2) acc += (uint32_t{bytes[i]} << 8) | bytes[i + 1];
  if (i < bytes.size()) acc += uint32_t{bytes[i]} << 8;  // odd length: pad with zero
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return static_cast<uint32_t>(acc);
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

uint16_t internet_checksum(std::span<const uint8_t> bytes) {
  return checksum_finish(checksum_add(0, bytes));
}

uint32_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t length) {
  uint32_t sum = checksum_add(0, std::span<const uint8_t>(src.bytes.data(), src.size()));
  sum = checksum_add(sum, std::span<const uint8_t>(dst.bytes.data(), dst.size()));
  const uint8_t tail[8] = {static_cast<uint8_t>(length >> 24), static_cast<uint8_t>(length >> 16),
                           static_cast<uint8_t>(length >> 8),  static_cast<uint8_t>(length),
                           0, 0, 0, protocol};
  return checksum_add(sum, tail);
}

}  // namespace ctc
