#include "reference/packet/checksum.h"

#include <bit>
#include <cstring>

namespace ctc {
namespace {

template <class Word>
Word load(const uint8_t* at) {
  Word word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// An address's big-endian 16-bit words, summed; at most 8 words, no overflow.
uint32_t address_sum(const IpAddress& a) {
  uint32_t sum = 0;
  for (size_t i = 0; i < a.size(); i += 2) sum += (uint32_t{a.bytes[i]} << 8) | a.bytes[i + 1];
  return sum;
}

}  // namespace

uint32_t checksum_add(uint32_t sum, std::span<const uint8_t> bytes) {
  // The bytes are summed as native-endian 32-bit words into 64-bit
  // accumulators: 2^16 = 1 modulo 0xffff, so the plain sum folds to the sum of
  // the 16-bit words (RFC 1071 section 2(C)), and the sum of byte-swapped
  // words is the byte-swapped sum (section 2(B)), so one swap at the end gives
  // the big-endian sum. Each half is below 2^32, so fewer than 2^31 8-byte
  // words (16 GiB) overflow neither an accumulator nor their sum: no carry is
  // lost, and the main loop (the two halves of each 8 bytes) is a plain sum
  // the compiler vectorizes (hot path: checksums run over every payload byte
  // of every packet).
  const uint8_t* at = bytes.data();
  size_t left = bytes.size();
  uint64_t low_halves = 0;
  uint64_t high_halves = 0;
  for (; left >= 8; at += 8, left -= 8) {
    const uint64_t word = load<uint64_t>(at);
    low_halves += word & 0xffffffff;
    high_halves += word >> 32;
  }
  uint64_t acc = low_halves + high_halves;
  if (left & 4) {
    acc += load<uint32_t>(at);
    at += 4;
  }
  // The tail keeps its even alignment: 2, then 1 byte.
  if (left & 2) {
    acc += load<uint16_t>(at);
    at += 2;
  }
  if (left & 1) {
    const uint8_t last[2] = {*at, 0};  // odd length: pad with zero
    acc += load<uint16_t>(last);
  }
  // Fold to 16 bits; a nonzero sum never folds to zero.
  acc = (acc & 0xffffffff) + (acc >> 32);
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  if constexpr (std::endian::native == std::endian::little) {
    acc = ((acc & 0xff) << 8) | (acc >> 8);
  }
  uint64_t total = uint64_t{sum} + acc;
  while (total >> 32) total = (total & 0xffffffff) + (total >> 32);
  return static_cast<uint32_t>(total);
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
  // src, dst, the 32-bit length, zero bytes and the protocol as the last
  // byte of a word; summed directly: it runs for every TCP/UDP/ICMPv6 checksum.
  return address_sum(src) + address_sum(dst) + (length >> 16) + (length & 0xffff) + protocol;
}

}  // namespace ctc
