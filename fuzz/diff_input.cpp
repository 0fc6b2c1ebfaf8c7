#include "fuzz/diff_input.h"

#include <algorithm>

namespace ctc::fuzz {
namespace {

uint16_t be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}
void put16(std::span<uint8_t> b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(std::span<uint8_t> b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}

// Kind byte -> kind; weights favour TCP, the protocol with the most state.
OpKind kind_of(uint8_t b0) {
  const uint8_t k = b0 % 16;
  if (k <= 6) return OpKind::kTcp;
  if (k <= 8) return OpKind::kUdp;
  if (k == 9) return OpKind::kIcmpEcho;
  if (k == 10) return OpKind::kIcmpError;
  if (k <= 13) return OpKind::kAdvance;
  if (k == 14) return OpKind::kFlush;
  return OpKind::kFlushZone;
}

uint8_t kind_byte(OpKind kind) {
  switch (kind) {
    case OpKind::kTcp: return 0;
    case OpKind::kUdp: return 7;
    case OpKind::kIcmpEcho: return 9;
    case OpKind::kIcmpError: return 10;
    case OpKind::kAdvance: return 11;
    case OpKind::kFlush: return 14;
    case OpKind::kFlushZone: return 15;
  }
  return 0;
}

}  // namespace

Op decode_op(std::span<const uint8_t, kOpSize> r) {
  Op op;
  op.kind = kind_of(r[0]);
  if (op.injects()) {
    op.to_port2 = r[1] & 1;
    op.bad_l4_checksum = r[1] & 4;
    op.src = r[2] & 7;
    op.dst = (r[2] >> 4) & 7;
  }
  switch (op.kind) {
    case OpKind::kTcp:
    case OpKind::kUdp:
    case OpKind::kIcmpEcho:
      op.ipv6 = r[1] & 2;
      op.bad_ip_checksum = r[1] & 8;
      op.sport = r[3] & 7;
      op.dport = (r[3] >> 4) & 7;
      op.payload = static_cast<uint16_t>(be16(r, 16) % (kMaxPayload + 1));
      break;
    default: break;
  }
  switch (op.kind) {
    case OpKind::kTcp:
      op.flags = r[4];
      op.seq = be32(r, 5);
      op.ack = be32(r, 9);
      op.window = be16(r, 13);
      op.wscale = r[15] & 0x0f;
      op.mss = r[15] & 0x10;
      op.sack_permitted = r[15] & 0x20;
      break;
    case OpKind::kIcmpEcho:
      op.echo_reply = r[4] & 1;
      op.echo_code = r[5] % 4;
      op.echo_id = be16(r, 6);
      op.echo_seq = be16(r, 8);
      break;
    case OpKind::kIcmpError:
      op.to_quoted_source = r[1] & 8;
      op.quote_output = r[1] & 16;
      op.error_kind = static_cast<IcmpErrorKind>(r[4] % kIcmpErrorKindCount);
      op.error_code = r[5] % 16;
      op.quote_back = r[6];
      op.corruption = static_cast<QuoteCorruption>(r[7] % 4);
      op.corrupt_at = r[8];
      op.corrupt_with = r[9];
      op.quote_all = r[10] & 1;
      break;
    case OpKind::kAdvance:
      op.advance_mode = static_cast<AdvanceMode>(r[1] % 4);
      switch (op.advance_mode) {
        case AdvanceMode::kMillis:
        case AdvanceMode::kSeconds: op.amount = be16(r, 2); break;
        case AdvanceMode::kTimeout:
          op.timeout_index = r[2] % kTimeoutCount;
          op.nudge = r[3] % kNudgeCount;
          break;
        case AdvanceMode::kDays:
          op.days = r[2] % 8;
          op.amount = be16(r, 3);
          break;
      }
      break;
    case OpKind::kFlushZone: op.second_zone = r[1] & 1; break;
    default: break;
  }
  return op;
}

std::array<uint8_t, kOpSize> encode_op(const Op& op) {
  std::array<uint8_t, kOpSize> r{};
  r[0] = kind_byte(op.kind);
  if (op.injects()) {
    r[1] = static_cast<uint8_t>(op.to_port2 | op.ipv6 << 1 | op.bad_l4_checksum << 2 |
                                op.bad_ip_checksum << 3 | op.to_quoted_source << 3 |
                                op.quote_output << 4);
    r[2] = static_cast<uint8_t>(op.src | op.dst << 4);
    r[3] = static_cast<uint8_t>(op.sport | op.dport << 4);
    put16(r, 16, op.payload);
  }
  switch (op.kind) {
    case OpKind::kTcp:
      r[4] = op.flags;
      put32(r, 5, op.seq);
      put32(r, 9, op.ack);
      put16(r, 13, op.window);
      r[15] = static_cast<uint8_t>(op.wscale | op.mss << 4 | op.sack_permitted << 5);
      break;
    case OpKind::kIcmpEcho:
      r[4] = op.echo_reply;
      r[5] = op.echo_code;
      put16(r, 6, op.echo_id);
      put16(r, 8, op.echo_seq);
      break;
    case OpKind::kIcmpError:
      r[4] = static_cast<uint8_t>(op.error_kind);
      r[5] = op.error_code;
      r[6] = op.quote_back;
      r[7] = static_cast<uint8_t>(op.corruption);
      r[8] = op.corrupt_at;
      r[9] = op.corrupt_with;
      r[10] = op.quote_all;
      break;
    case OpKind::kAdvance:
      r[1] = static_cast<uint8_t>(op.advance_mode);
      switch (op.advance_mode) {
        case AdvanceMode::kMillis:
        case AdvanceMode::kSeconds: put16(r, 2, op.amount); break;
        case AdvanceMode::kTimeout:
          r[2] = op.timeout_index;
          r[3] = op.nudge;
          break;
        case AdvanceMode::kDays:
          r[2] = op.days;
          put16(r, 3, op.amount);
          break;
      }
      break;
    case OpKind::kFlushZone: r[1] = op.second_zone; break;
    default: break;
  }
  return r;
}

Input decode(std::span<const uint8_t> bytes) {
  Input in;
  if (bytes.size() >= 1) {
    in.header.pipeline = static_cast<PipelineKind>(bytes[0] & 3);
    in.header.ovs_profile = bytes[0] & 4;
    in.header.mirrored = bytes[0] & 8;
  }
  if (bytes.size() >= 2) {
    in.header.zone_index = bytes[1] & 7;
    in.header.second_zone_index = (bytes[1] >> 4) & 7;
  }
  if (bytes.size() >= 3) {
    in.header.nat_address = bytes[2] & 3;
    in.header.nat_ports = (bytes[2] >> 2) & 3;
  }
  if (bytes.size() <= kHeaderSize) return in;
  const size_t n = std::min((bytes.size() - kHeaderSize) / kOpSize, kMaxOps);
  in.ops.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    in.ops.push_back(decode_op(bytes.subspan(kHeaderSize + i * kOpSize).first<kOpSize>()));
  }
  return in;
}

std::vector<uint8_t> encode(const Input& input) {
  std::vector<uint8_t> out(kHeaderSize + std::min(input.ops.size(), kMaxOps) * kOpSize);
  const uint32_t h = header_bits(input.header);
  out[0] = static_cast<uint8_t>(h);
  out[1] = static_cast<uint8_t>(h >> 8);
  out[2] = static_cast<uint8_t>(h >> 16);
  for (size_t i = 0; i < input.ops.size() && i < kMaxOps; ++i) {
    const auto r = encode_op(input.ops[i]);
    std::copy(r.begin(), r.end(),
              out.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + i * kOpSize));
  }
  return out;
}

uint32_t header_bits(const Header& h) {
  return uint32_t{static_cast<uint8_t>(h.pipeline)} | uint32_t{h.ovs_profile} << 2 |
         uint32_t{h.mirrored} << 3 | uint32_t{h.zone_index} << 8 |
         uint32_t{h.second_zone_index} << 12 | uint32_t{h.nat_address} << 16 |
         uint32_t{h.nat_ports} << 18;
}

namespace {

// The IPv6 NAT address: a pipeline's (header NAT choice 2), and the packet
// endpoint standing for the NAT address in IPv6 when the pipeline's is IPv4.
const IpAddress& v6_nat_address() {
  static const IpAddress address = *IpAddress::parse("fd00:ff::1");
  return address;
}

}  // namespace

PipelineSpec pipeline_spec(const Header& h) {
  PipelineSpec spec;
  spec.kind = h.pipeline;
  spec.zone = static_cast<uint16_t>(h.zone_index + 1);
  spec.second_zone = static_cast<uint16_t>(h.second_zone_index + 1);
  spec.mirrored = h.mirrored;
  switch (h.nat_address) {
    case 0: spec.nat_address = IpAddress::v4(192, 0, 2, 1); break;
    case 1: spec.nat_address = IpAddress::v4(10, 0, 0, 1); break;
    case 2: spec.nat_address = v6_nat_address(); break;
    default: spec.nat_address = IpAddress::v4(172, 16, 0, 1); break;
  }
  switch (h.nat_ports) {
    case 1: spec.nat_port_min = spec.nat_port_max = 1024; break;
    case 2: spec.nat_port_min = 1024, spec.nat_port_max = 1025; break;
    case 3: spec.nat_port_min = 5000, spec.nat_port_max = 5010; break;
    default: break;
  }
  return spec;
}

const Profile& profile(const Header& h) {
  return h.ovs_profile ? ovs_userspace_profile() : linux_profile();
}

IpAddress endpoint(const PipelineSpec& spec, bool ipv6, uint8_t index) {
  // The addresses the hand-written corpora use, so seeds map onto the pool.
  static const IpAddress kV4[] = {
      IpAddress::v4(10, 0, 0, 1),   IpAddress::v4(10, 0, 0, 2),     IpAddress::v4(172, 16, 0, 1),
      IpAddress::v4(172, 16, 0, 2), IpAddress::v4(192, 168, 99, 1),
  };
  static const IpAddress kV6[] = {
      *IpAddress::parse("fd00:0:0:1::1"), *IpAddress::parse("fd00:0:0:1::2"),
      *IpAddress::parse("fd00:0:0:2::1"), *IpAddress::parse("fd00:0:0:2::2"),
      *IpAddress::parse("fd00:99::1"),
  };
  static const IpAddress kV6Virtual = *IpAddress::parse("fd00:64::10");
  static const IpAddress kV6Other = *IpAddress::parse("fd00:0:0:1::3");
  index %= kEndpointCount;
  if (index < 5) return ipv6 ? kV6[index] : kV4[index];
  if (index == 5) {  // the NAT address, in the packet's family when the pipeline's is other
    if (spec.nat_address.is_v4() != ipv6) return spec.nat_address;
    return ipv6 ? v6_nat_address() : IpAddress::v4(192, 0, 2, 1);
  }
  if (index == 6) return ipv6 ? kV6Virtual : spec.virtual_ip;
  return ipv6 ? kV6Other : IpAddress::v4(10, 0, 0, 3);
}

uint16_t port_number(uint8_t index) {
  // Client ports, well-known services, 0 (invalid for OVS) and the NAT range edges.
  static constexpr uint16_t kPorts[kPortCount] = {40000, 40001, 80, 53, 5000, 1024, 0, 65535};
  return kPorts[index % kPortCount];
}

Duration profile_timeout(const Profile& p, uint8_t index) {
  const TcpTimeouts& t = p.timeouts.tcp;
  const Duration all[kTimeoutCount] = {
      t.syn_sent,
      t.syn_recv,
      t.established,
      t.fin_wait,
      t.close_wait,
      t.last_ack,
      t.time_wait,
      t.close,
      t.syn_sent2,
      t.retrans,
      t.unacknowledged,
      p.timeouts.udp_first,
      p.timeouts.udp_replied,
      p.timeouts.udp_stream,
      p.timeouts.icmp_first,
      p.timeouts.icmp_reply,
      p.timeouts.other_first,
      p.timeouts.other_replied,
      p.timeouts.udp_stream_after,
  };
  return all[index % kTimeoutCount];
}

Duration advance_duration(const Op& op, const Profile& p) {
  switch (op.advance_mode) {
    case AdvanceMode::kMillis: return Duration::millis(op.amount);
    case AdvanceMode::kSeconds: return Duration::seconds(op.amount);
    case AdvanceMode::kDays: return Duration::seconds(int64_t{op.days} * 86400 + op.amount);
    case AdvanceMode::kTimeout: break;
  }
  const Duration base = profile_timeout(p, op.timeout_index);
  static constexpr Duration kNudges[kNudgeCount - 1] = {
      Duration::seconds(-1), Duration::millis(-1), Duration{-1},        Duration{0},
      Duration{1},           Duration::millis(1),  Duration::seconds(1)};
  const Duration d = op.nudge < kNudgeCount - 1 ? base + kNudges[op.nudge] : base + base;
  return d.ns < 0 ? Duration{0} : d;
}

}  // namespace ctc::fuzz
