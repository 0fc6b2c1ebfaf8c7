#include "reference/conntrack/ct_types.h"

#include <cstring>
#include <ostream>
#include <sstream>

namespace ctc {
namespace {

struct FlagName {
  uint8_t bit;
  const char* name;
};
// Printed in OVS's order (ovs-fields(7) lists new, est, rel, rpl, inv, trk, snat, dnat;
// ovs-ofctl prints +trk first in matches, we print trk first as well).
constexpr FlagName kFlagNames[] = {
    {CtState::kTrk, "trk"}, {CtState::kNew, "new"},   {CtState::kEst, "est"},
    {CtState::kRel, "rel"}, {CtState::kRpl, "rpl"},   {CtState::kInv, "inv"},
    {CtState::kSnat, "snat"}, {CtState::kDnat, "dnat"},
};

// Tuple hashing: one multiply per 64-bit word, then the splitmix64
// finaliser so that every input bit reaches the low bits buckets use.
uint64_t absorb(uint64_t h, uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 32);
}

uint64_t finish(uint64_t h) {
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

Result<CtLabel> CtLabel::parse(std::string_view text) {
  CtLabel l;
  const std::string original(text);
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    if (text.empty() || text.size() > 32) return invalid_argument("bad ct_label '" + original + "'");
    for (char c : text) {
      int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return invalid_argument("bad ct_label '" + original + "'");
      l.hi = (l.hi << 4) | (l.lo >> 60);
      l.lo = (l.lo << 4) | static_cast<uint64_t>(d);
    }
    return l;
  }
  if (text.empty() || text.size() > 20) return invalid_argument("bad ct_label '" + original + "'");
  unsigned __int128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return invalid_argument("bad ct_label '" + original + "'");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > UINT64_MAX) return invalid_argument("ct_label '" + original + "' too large for decimal");
  l.lo = static_cast<uint64_t>(value);
  return l;
}

std::string CtLabel::to_string() const {
  std::ostringstream os;
  os << "0x" << std::hex;
  if (hi != 0) {
    os << hi;
    os.width(16);
    os.fill('0');
    os << lo;
  } else {
    os << lo;
  }
  return os.str();
}

std::string CtState::to_string() const {
  std::string out;
  for (const FlagName& f : kFlagNames) {
    if (has(f.bit)) {
      out += '+';
      out += f.name;
    }
  }
  return out;
}

Result<CtState> CtState::parse(std::string_view text) {
  uint8_t bits = 0;
  const std::string original(text);
  auto take = [&](std::string_view name) -> bool {
    for (const FlagName& f : kFlagNames) {
      if (name == f.name) {
        bits |= f.bit;
        return true;
      }
    }
    return false;
  };
  if (text.find('|') != std::string_view::npos) {  // trace form: "new|trk"
    size_t start = 0;
    while (start <= text.size()) {
      size_t bar = text.find('|', start);
      if (bar == std::string_view::npos) bar = text.size();
      if (!take(text.substr(start, bar - start))) return invalid_argument("bad ct_state '" + original + "'");
      start = bar + 1;
    }
    return CtState(bits);
  }
  if (text.empty() || text.front() != '+') return invalid_argument("bad ct_state '" + original + "'");
  size_t at = 0;
  while (at < text.size()) {
    if (text[at] != '+') return invalid_argument("bad ct_state '" + original + "'");
    size_t next = text.find('+', at + 1);
    if (next == std::string_view::npos) next = text.size();
    if (!take(text.substr(at + 1, next - at - 1))) return invalid_argument("bad ct_state '" + original + "'");
    at = next;
  }
  return CtState(bits);
}

Tuple Tuple::reversed() const {
  Tuple r = *this;
  std::swap(r.src, r.dst);
  std::swap(r.src_port, r.dst_port);
  if (protocol == 1) {
    // nf_conntrack_proto_icmp.c invmap / OVS reverse_icmp_type: request <-> reply.
    switch (icmp_type) {
      case 8: r.icmp_type = 0; break;
      case 0: r.icmp_type = 8; break;
      case 13: r.icmp_type = 14; break;
      case 14: r.icmp_type = 13; break;
      case 15: r.icmp_type = 16; break;
      case 16: r.icmp_type = 15; break;
      case 17: r.icmp_type = 18; break;
      case 18: r.icmp_type = 17; break;
      default: break;
    }
  } else if (protocol == 58) {
    if (icmp_type == 128) r.icmp_type = 129;
    else if (icmp_type == 129) r.icmp_type = 128;
  }
  return r;
}

std::string Tuple::to_string() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

size_t TupleHash::operator()(const Tuple& t) const noexcept {
  // Hot path (every conntrack table lookup): the addresses as whole words,
  // not byte by byte; their byte order does not matter to a hash.
  auto word = [](const IpAddress& a, size_t offset) {
    uint64_t w = 0;
    std::memcpy(&w, a.bytes.data() + offset, sizeof w);
    return w;
  };
  uint64_t h = 0;
  h = absorb(h, word(t.src, 0));
  h = absorb(h, word(t.src, 8));
  h = absorb(h, word(t.dst, 0));
  h = absorb(h, word(t.dst, 8));
  h = absorb(h, (uint64_t{t.protocol} << 56) | (uint64_t{t.src_port} << 40) |
                    (uint64_t{t.dst_port} << 24) | (uint64_t{t.icmp_id} << 8) | t.icmp_type);
  h = absorb(h, (uint64_t{t.icmp_code} << 8) | static_cast<uint64_t>(t.src.family));
  return static_cast<size_t>(finish(h));
}

std::ostream& operator<<(std::ostream& os, const Zone& z) { return os << "zone=" << z.value; }
std::ostream& operator<<(std::ostream& os, const CtState& s) {
  return os << (s.bits() == 0 ? "-" : s.to_string());
}
std::ostream& operator<<(std::ostream& os, const CtLabel& l) { return os << l.to_string(); }
std::ostream& operator<<(std::ostream& os, const Duration& d) { return os << d.to_seconds() << "s"; }

std::ostream& operator<<(std::ostream& os, const Tuple& t) {
  os << "proto=" << unsigned{t.protocol} << ",src=" << t.src << ",dst=" << t.dst;
  if (t.protocol == 1 || t.protocol == 58) {
    os << ",id=" << t.icmp_id << ",type=" << unsigned{t.icmp_type} << ",code=" << unsigned{t.icmp_code};
  } else {
    os << ",sport=" << t.src_port << ",dport=" << t.dst_port;
  }
  return os;
}

}  // namespace ctc
