#include "properties/relabeling.h"

#include <algorithm>
#include <array>
#include <optional>
#include <sstream>

#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

constexpr std::array<uint16_t, 4> kServicePorts = {22, 53, 80, 443};

// One checksum field and the 16-bit words it covers: a byte range and, for
// TCP/UDP/ICMPv6, the pseudo-header's addresses elsewhere in the frame.
struct ChecksumRegion {
  size_t field = 0;
  size_t begin = 0;
  size_t end = 0;
  std::vector<size_t> pseudo_words;
  bool zero_means_none = false;  // UDP over IPv4: a zero checksum was never computed
};

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
uint16_t checksum_after(uint16_t sum, uint16_t old_word, uint16_t new_word) {
  uint32_t s = static_cast<uint16_t>(~sum);
  s += static_cast<uint16_t>(~old_word);
  s += new_word;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

// Writes 16-bit words into a frame and keeps every registered checksum that
// covers them right, recursively (an inner checksum is itself covered by the
// outer ICMP checksum).
class Rewriter {
 public:
  explicit Rewriter(std::vector<uint8_t>& bytes) : b_(bytes) {}

  bool has(size_t offset, size_t len) const { return offset + len <= b_.size(); }
  uint16_t get(size_t o) const { return static_cast<uint16_t>(b_[o] << 8 | b_[o + 1]); }
  uint8_t byte(size_t o) const { return b_[o]; }

  void add_region(ChecksumRegion r) {
    if (has(r.field, 2)) regions_.push_back(std::move(r));
  }

  void write(size_t o, uint16_t value) {
    if (!has(o, 2)) return;
    const uint16_t old = get(o);
    if (old == value) return;
    b_[o] = static_cast<uint8_t>(value >> 8);
    b_[o + 1] = static_cast<uint8_t>(value);
    for (const ChecksumRegion& r : regions_) {
      if (r.field == o || !covers(r, o)) continue;
      const uint16_t sum = get(r.field);
      if (r.zero_means_none && sum == 0) continue;
      uint16_t next = checksum_after(sum, old, value);
      if (r.zero_means_none && next == 0) next = 0xffff;
      write(r.field, next);
    }
  }

  void write_address(size_t o, const IpAddress& a) {
    for (size_t i = 0; i < a.size(); i += 2) {
      write(o + i, static_cast<uint16_t>(a.bytes[i] << 8 | a.bytes[i + 1]));
    }
  }

  IpAddress read_address(size_t o, bool v4) const {
    if (v4) return IpAddress::v4(b_[o], b_[o + 1], b_[o + 2], b_[o + 3]);
    std::array<uint8_t, 16> a{};
    for (size_t i = 0; i < 16; ++i) a[i] = b_[o + i];
    return IpAddress::v6(a);
  }

  size_t size() const { return b_.size(); }

 private:
  static bool covers(const ChecksumRegion& r, size_t o) {
    if (o >= r.begin && o < r.end) return true;
    for (size_t w : r.pseudo_words) {
      if (w == o) return true;
    }
    return false;
  }

  std::vector<uint8_t>& b_;
  std::vector<ChecksumRegion> regions_;
};

bool is_icmp_error_type(bool v4, uint8_t type) {
  if (v4) {
    return type == icmp_type::kDestUnreachable || type == icmp_type::kSourceQuench ||
           type == icmp_type::kRedirect || type == icmp_type::kTimeExceeded ||
           type == icmp_type::kParameterProblem;
  }
  return type >= icmpv6_type::kDestUnreachable && type <= icmpv6_type::kParameterProblem;
}

bool is_echo_type(bool v4, uint8_t type) {
  return v4 ? (type == icmp_type::kEchoRequest || type == icmp_type::kEchoReply)
            : (type == icmpv6_type::kEchoRequest || type == icmpv6_type::kEchoReply);
}

// Renames the IP packet starting at `ip` (an outer one, or one quoted inside
// an ICMP error, possibly cut short).
void rename_ip(Rewriter& w, const Relabeling& r, size_t ip, bool quoted) {
  if (!w.has(ip, 1)) return;
  const uint8_t version = w.byte(ip) >> 4;
  const bool v4 = version == 4;
  if (!v4 && version != 6) return;
  const size_t header_len = v4 ? size_t{(w.byte(ip) & 0x0fu) * 4u} : 40;
  if (!w.has(ip, v4 ? 20 : 40) || header_len < 20) return;
  const size_t src = ip + (v4 ? 12 : 8), dst = ip + (v4 ? 16 : 24), alen = v4 ? 4 : 16;
  const uint8_t protocol = w.byte(ip + (v4 ? 9 : 6));
  const size_t l4 = ip + header_len;
  const bool later_fragment = v4 && (w.get(ip + 6) & 0x1fff) != 0;
  // Where the L4 segment ends: the IP length, or the bytes we have (a quote).
  const size_t declared = v4 ? w.get(ip + 2) : size_t{40} + w.get(ip + 4);
  const size_t l4_end = std::min(w.size(), ip + declared);

  std::vector<size_t> pseudo;
  for (size_t i = 0; i < alen; i += 2) {
    pseudo.push_back(src + i);
    pseudo.push_back(dst + i);
  }
  if (v4) w.add_region({.field = ip + 10, .begin = ip, .end = ip + header_len});
  const bool l4_known = !later_fragment && (protocol == ip_proto::kTcp || protocol == ip_proto::kUdp ||
                                            protocol == (v4 ? ip_proto::kIcmp : ip_proto::kIcmpv6));
  if (l4_known && protocol == ip_proto::kTcp) {
    w.add_region({.field = l4 + 16, .begin = l4, .end = l4_end, .pseudo_words = pseudo});
  } else if (l4_known && protocol == ip_proto::kUdp) {
    w.add_region({.field = l4 + 6, .begin = l4, .end = l4_end, .pseudo_words = pseudo,
                  .zero_means_none = v4});
  } else if (l4_known) {
    w.add_region({.field = l4 + 2, .begin = l4, .end = l4_end,
                  .pseudo_words = v4 ? std::vector<size_t>{} : pseudo});
  }

  // Read everything first: the writes below must see the original values.
  const IpAddress old_src = w.read_address(src, v4), old_dst = w.read_address(dst, v4);
  IpAddress new_src = r.address(old_src), new_dst = r.address(old_dst);
  if (r.swap_direction) std::swap(new_src, new_dst);
  w.write_address(src, new_src);
  w.write_address(dst, new_dst);
  if (!l4_known) return;

  if (protocol == ip_proto::kTcp || protocol == ip_proto::kUdp) {
    const bool have_src = w.has(l4, 2), have_dst = w.has(l4 + 2, 2);
    const uint16_t sport = have_src ? w.get(l4) : 0, dport = have_dst ? w.get(l4 + 2) : 0;
    uint16_t new_sport = r.port(sport), new_dport = r.port(dport);
    // A quote cut inside the ports (a corrupted quote) cannot swap them.
    if (r.swap_direction && have_src && have_dst) std::swap(new_sport, new_dport);
    if (have_src) w.write(l4, new_sport);
    if (have_dst) w.write(l4 + 2, new_dport);
    return;
  }
  if (!w.has(l4, 1)) return;
  const uint8_t type = w.byte(l4);
  if (is_echo_type(v4, type) && w.has(l4 + 4, 2)) {
    w.write(l4 + 4, r.port(w.get(l4 + 4)));
  } else if (!quoted && is_icmp_error_type(v4, type)) {
    rename_ip(w, r, l4 + 8, true);
  }
}

}  // namespace

IpAddress Relabeling::address(const IpAddress& a) const {
  IpAddress out = a;
  if (a.is_v4()) {
    out.bytes[2] ^= v4_octet_xor;
  } else {
    out.bytes[3] ^= v6_byte_xor;
  }
  return out;
}

uint16_t Relabeling::port(uint16_t p) const {
  if (p >= 32768) return static_cast<uint16_t>(p ^ (high_port_xor & 0x7fff));
  for (size_t i = 0; i < kServicePorts.size(); ++i) {
    if (kServicePorts[i] == p) return kServicePorts[i ^ (service_xor & 3u)];
  }
  return p;
}

Zone Relabeling::zone(Zone z) const { return Zone{static_cast<uint16_t>(z.value ^ zone_xor)}; }

Port Relabeling::switch_port(Port p) const {
  if (!swap_switch_ports || (p.value != 1 && p.value != 2)) return p;
  return Port{static_cast<uint16_t>(3 - p.value)};
}

Tuple Relabeling::tuple(const Tuple& t) const {
  Tuple out = t;
  out.src = address(t.src);
  out.dst = address(t.dst);
  out.src_port = port(t.src_port);
  out.dst_port = port(t.dst_port);
  out.icmp_id = port(t.icmp_id);
  if (swap_direction) {
    std::swap(out.src, out.dst);
    std::swap(out.src_port, out.dst_port);
  }
  return out;
}

ConnectionSnapshot Relabeling::row(const ConnectionSnapshot& c) const {
  ConnectionSnapshot out = c;
  out.zone = zone(c.zone);
  out.original = tuple(c.original);
  out.reply = tuple(c.reply);
  return out;
}

PipelineSpec Relabeling::pipeline(const PipelineSpec& spec) const {
  PipelineSpec out = spec;
  out.zone = zone(Zone{spec.zone}).value;
  out.second_zone = zone(Zone{spec.second_zone}).value;
  out.nat_address = address(spec.nat_address);
  out.virtual_ip = address(spec.virtual_ip);
  // NAT port ranges are below 32768 and not service ports: the port map
  // leaves them alone, so the range needs no renaming.
  out.mirrored = spec.mirrored != swap_switch_ports;
  return out;
}

std::vector<uint8_t> Relabeling::frame(std::span<const uint8_t> bytes) const {
  std::vector<uint8_t> out(bytes.begin(), bytes.end());
  Rewriter w(out);
  if (!w.has(0, 14)) return out;
  size_t ip = 14;
  uint16_t ether = w.get(12);
  if (ether == ether_type::kVlan && w.has(16, 2)) {
    ether = w.get(16);
    ip = 18;
  }
  if (ether != ether_type::kIpv4 && ether != ether_type::kIpv6) return out;
  rename_ip(w, *this, ip, false);
  return out;
}

OutputFrame Relabeling::output(const OutputFrame& f) const {
  return OutputFrame{switch_port(f.port), frame(f.bytes)};
}

Scenario Relabeling::scenario(const Scenario& s, const PipelineSpec& renamed_pipeline) const {
  Scenario out = s;
  out.flows = pipeline_flows(renamed_pipeline);
  for (Step& step : out.steps) {
    if (auto* inject = std::get_if<InjectStep>(&step)) {
      inject->port = switch_port(inject->port);
      inject->frame = frame(inject->frame);
      if (inject->source.empty()) continue;  // not described: stays so
      if (auto p = parse_frame(inject->frame); p.ok()) {
        std::ostringstream text;
        text << *p;
        inject->source = text.str();
      }
      if (inject->expect.output_ports) {
        for (Port& p : *inject->expect.output_ports) p = switch_port(p);
      }
    } else if (auto* flush = std::get_if<FlushStep>(&step)) {
      if (flush->zone) flush->zone = zone(*flush->zone);
    }
  }
  return out;
}

Relabeling mirror_relabeling(const PipelineSpec& spec) {
  return Relabeling{.swap_switch_ports = true, .swap_direction = !has_nat(spec)};
}

std::ostream& operator<<(std::ostream& os, const Relabeling& r) {
  os << "relabel(v4^" << unsigned{r.v4_octet_xor} << " v6^" << unsigned{r.v6_byte_xor}
     << " port^" << r.high_port_xor << " service^" << unsigned{r.service_xor} << " zone^"
     << r.zone_xor;
  if (r.swap_switch_ports) os << " ports1<->2";
  if (r.swap_direction) os << " src<->dst";
  return os << ")";
}

}  // namespace ctc
