#include "reference/packet/checksum.h"

#include <bit>
#include <cstring>

namespace ctc {
namespace {

// One's-complement addition: the carry out of the top bit wraps around to the
// bottom (RFC 1071's end-around carry).
uint64_t add_with_carry(uint64_t acc, uint64_t value) {
  acc += value;
  return acc + (acc < value ? 1 : 0);
}

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
  // The bytes are summed as native-endian words, 8 at a time, with end-around
  // carry: 2^16 = 1 modulo 0xffff, so a 64-bit word folds to the sum of its
  // 16-bit words (RFC 1071 section 2(C)), and the sum of byte-swapped words is
  // the byte-swapped sum (section 2(B)), so one swap at the end gives the
  // big-endian sum. Checksums run over every payload byte of every packet,
  // several times per packet in the fuzzers.
  const uint8_t* at = bytes.data();
  size_t left = bytes.size();
  uint64_t acc = 0;
  for (; left >= 8; at += 8, left -= 8) acc = add_with_carry(acc, load<uint64_t>(at));
  // The tail keeps its even alignment: 4, then 2, then 1 byte.
  if (left & 4) {
    acc = add_with_carry(acc, load<uint32_t>(at));
    at += 4;
  }
  if (left & 2) {
    acc = add_with_carry(acc, load<uint16_t>(at));
    at += 2;
  }
  if (left & 1) {
    const uint8_t last[2] = {*at, 0};  // odd length: pad with zero
    acc = add_with_carry(acc, load<uint16_t>(last));
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
