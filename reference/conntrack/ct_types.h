// Vocabulary types of connection tracking. No bare ints cross an interface:
// zones, marks, labels, states and times each have a type.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "reference/packet/addresses.h"

namespace ctc {

struct Zone {
  uint16_t value = 0;
  friend auto operator<=>(const Zone&, const Zone&) = default;
};

// 128-bit ct_label, as OVS shows it: hi is the most significant half.
struct CtLabel {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool is_zero() const { return hi == 0 && lo == 0; }
  CtLabel masked(const CtLabel& mask) const { return {hi & mask.hi, lo & mask.lo}; }
  // (this & ~mask) | (value & mask)
  CtLabel with(const CtLabel& value, const CtLabel& mask) const {
    return {(hi & ~mask.hi) | (value.hi & mask.hi), (lo & ~mask.lo) | (value.lo & mask.lo)};
  }
  static Result<CtLabel> parse(std::string_view text);  // decimal or 0x hex, up to 128 bits
  std::string to_string() const;                        // 0x hex, no leading zeros
  friend auto operator<=>(const CtLabel&, const CtLabel&) = default;
};

// ct_state bits with OVS's numbering (ovs-fields(7); dpctl shows ct_state(0x21/0x23)).
class CtState {
 public:
  static constexpr uint8_t kNew = 0x01;
  static constexpr uint8_t kEst = 0x02;
  static constexpr uint8_t kRel = 0x04;
  static constexpr uint8_t kRpl = 0x08;
  static constexpr uint8_t kInv = 0x10;
  static constexpr uint8_t kTrk = 0x20;
  static constexpr uint8_t kSnat = 0x40;
  static constexpr uint8_t kDnat = 0x80;

  constexpr CtState() = default;
  constexpr explicit CtState(uint8_t bits) : bits_(bits) {}
  constexpr uint8_t bits() const { return bits_; }
  constexpr bool has(uint8_t flag) const { return (bits_ & flag) == flag; }
  constexpr CtState with(uint8_t flag) const { return CtState(bits_ | flag); }
  constexpr CtState without(uint8_t flag) const { return CtState(bits_ & ~flag); }
  // "+trk+new"; "" for no bits. Parse accepts that form and "trk|new".
  std::string to_string() const;
  static Result<CtState> parse(std::string_view text);
  friend constexpr auto operator<=>(const CtState&, const CtState&) = default;

 private:
  uint8_t bits_ = 0;
};

// Time on the virtual clock, in nanoseconds since the scenario started.
struct Duration {
  int64_t ns = 0;
  static constexpr Duration seconds(int64_t s) { return {s * 1'000'000'000}; }
  static constexpr Duration millis(int64_t ms) { return {ms * 1'000'000}; }
  double to_seconds() const { return static_cast<double>(ns) / 1e9; }
  friend constexpr auto operator<=>(const Duration&, const Duration&) = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return {a.ns + b.ns}; }
  friend constexpr Duration operator-(Duration a, Duration b) { return {a.ns - b.ns}; }
};

struct Timestamp {
  int64_t ns = 0;
  friend constexpr auto operator<=>(const Timestamp&, const Timestamp&) = default;
  friend constexpr Timestamp operator+(Timestamp t, Duration d) { return {t.ns + d.ns}; }
  friend constexpr Duration operator-(Timestamp a, Timestamp b) { return {a.ns - b.ns}; }
  friend constexpr Timestamp operator-(Timestamp t, Duration d) { return {t.ns - d.ns}; }
};

enum class Direction : uint8_t { kOriginal, kReply };

// A connection's identity in one direction. For TCP/UDP the ports; for ICMP
// echo the identifier and the type/code (the reply tuple carries the reply
// type, as both OVS and Linux do).
struct Tuple {
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t icmp_id = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;

  // The tuple a reply would carry, before NAT (ICMP type mapped request->reply).
  Tuple reversed() const;
  std::string to_string() const;  // ovs-dpctl-like: "tcp,src=..,dst=..,sport=..,dport=.."
  friend auto operator<=>(const Tuple&, const Tuple&) = default;
};

struct TupleHash {
  size_t operator()(const Tuple& t) const noexcept;
};

std::ostream& operator<<(std::ostream& os, const Zone& z);
std::ostream& operator<<(std::ostream& os, const CtState& s);
std::ostream& operator<<(std::ostream& os, const CtLabel& l);
std::ostream& operator<<(std::ostream& os, const Tuple& t);
std::ostream& operator<<(std::ostream& os, const Duration& d);

}  // namespace ctc
