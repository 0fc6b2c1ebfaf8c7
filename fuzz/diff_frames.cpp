#include "fuzz/diff_frames.h"

#include <utility>

#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc::fuzz {
namespace {

// A forced checksum: wrong unless the real one happens to be this value,
// which is deterministic, so both sides still see the same bytes.
constexpr uint16_t kWrongChecksum = 0x0bad;

PacketBuilder base(const Op& op, const PipelineSpec& spec, Packet&& spent) {
  PacketBuilder b(std::move(spent));
  b.ip(endpoint(spec, op.ipv6, op.src), endpoint(spec, op.ipv6, op.dst));
  if (op.bad_ip_checksum && !op.ipv6) b.ip_checksum(kWrongChecksum);
  return b;
}

Packet tcp_packet(const Op& op, const PipelineSpec& spec, Packet&& spent) {
  PacketBuilder b = base(op, spec, std::move(spent));
  b.tcp(port_number(op.sport), port_number(op.dport), op.flags, op.seq, op.ack, op.window);
  if (op.mss) b.tcp_option(TcpOption::mss(1460));
  if (op.sack_permitted) b.tcp_option(TcpOption::sack_permitted());
  if (op.wscale <= 14) b.tcp_option(TcpOption::window_scale(op.wscale));
  b.payload_size(op.payload);
  if (op.bad_l4_checksum) b.l4_checksum(kWrongChecksum);
  return std::move(b).packet();
}

Packet udp_packet(const Op& op, const PipelineSpec& spec, Packet&& spent) {
  PacketBuilder b = base(op, spec, std::move(spent));
  b.udp(port_number(op.sport), port_number(op.dport));
  b.payload_size(op.payload);
  if (op.bad_l4_checksum) b.l4_checksum(kWrongChecksum);
  return std::move(b).packet();
}

Packet echo_packet(const Op& op, const PipelineSpec& spec, Packet&& spent) {
  PacketBuilder b = base(op, spec, std::move(spent));
  uint8_t type = 0;
  if (op.ipv6) {
    type = op.echo_reply ? icmpv6_type::kEchoReply : icmpv6_type::kEchoRequest;
  } else {
    type = op.echo_reply ? icmp_type::kEchoReply : icmp_type::kEchoRequest;
  }
  b.icmp(type, op.echo_code, uint32_t{op.echo_id} << 16 | op.echo_seq);
  b.payload_size(op.payload);
  if (op.bad_l4_checksum) b.l4_checksum(kWrongChecksum);
  return std::move(b).packet();
}

// Type and code on the wire; ICMPv6 has no redirect-for-conntrack or source
// quench, so those become destination-unreachable there.
std::pair<uint8_t, uint8_t> error_type_code(IcmpErrorKind kind, uint8_t code, bool v6) {
  if (v6) {
    switch (kind) {
      case IcmpErrorKind::kTimeExceeded: return {icmpv6_type::kTimeExceeded, code % 2};
      case IcmpErrorKind::kTooBig: return {icmpv6_type::kPacketTooBig, 0};
      case IcmpErrorKind::kParamProblem: return {icmpv6_type::kParameterProblem, code % 4};
      default: return {icmpv6_type::kDestUnreachable, code % 8};
    }
  }
  switch (kind) {
    case IcmpErrorKind::kUnreachable: return {icmp_type::kDestUnreachable, code};
    case IcmpErrorKind::kTimeExceeded: return {icmp_type::kTimeExceeded, code % 2};
    case IcmpErrorKind::kTooBig: return {icmp_type::kDestUnreachable, 4};  // frag needed
    case IcmpErrorKind::kParamProblem: return {icmp_type::kParameterProblem, 0};
    case IcmpErrorKind::kRedirect: return {icmp_type::kRedirect, code % 4};
    case IcmpErrorKind::kSourceQuench: return {icmp_type::kSourceQuench, 0};
  }
  return {icmp_type::kDestUnreachable, code};
}

std::optional<Packet> error_packet(const Op& op, const PipelineSpec& spec,
                                   std::span<const SentFrame> history) {
  if (history.empty()) return std::nullopt;
  const SentFrame& sent = history[history.size() - 1 - op.quote_back % history.size()];
  Packet quoted = sent.injected;
  if (op.quote_output && !sent.emitted.empty()) {
    auto emitted = parse_frame(sent.emitted);
    if (emitted.ok()) quoted = std::move(emitted).value();
  }
  if (!quoted.ip) return std::nullopt;
  if (op.corruption == QuoteCorruption::kSwapAddresses) std::swap(quoted.ip->src, quoted.ip->dst);

  const bool v6 = !quoted.ip->src.is_v4();
  const IpAddress src = endpoint(spec, v6, op.src);
  const IpAddress dst = op.to_quoted_source ? quoted.ip->src : endpoint(spec, v6, op.dst);
  size_t quoted_l4 = op.quote_all ? kMaxPayload + 60 : 8;
  if (op.corruption == QuoteCorruption::kCut) quoted_l4 = op.corrupt_at % 8;

  const auto [type, code] = error_type_code(op.error_kind, op.error_code, v6);
  PacketBuilder b;
  b.ip(src, dst);
  b.icmp_error(type, code, quoted, quoted_l4);
  if (op.bad_l4_checksum) b.l4_checksum(kWrongChecksum);
  Packet packet = std::move(b).packet();
  if (op.corruption == QuoteCorruption::kXorByte && !packet.payload.empty()) {
    // One wrong byte anywhere in the quote: header fields, lengths, ports.
    packet.payload[op.corrupt_at % packet.payload.size()] ^=
        op.corrupt_with == 0 ? uint8_t{0xff} : op.corrupt_with;
  }
  return packet;
}

}  // namespace

std::optional<Packet> build_packet(const Op& op, const PipelineSpec& spec,
                                   std::span<const SentFrame> history, Packet&& spent) {
  switch (op.kind) {
    case OpKind::kTcp: return tcp_packet(op, spec, std::move(spent));
    case OpKind::kUdp: return udp_packet(op, spec, std::move(spent));
    case OpKind::kIcmpEcho: return echo_packet(op, spec, std::move(spent));
    case OpKind::kIcmpError: return error_packet(op, spec, history);
    default: return std::nullopt;
  }
}

}  // namespace ctc::fuzz
