#include "properties/traffic_plan.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <sstream>
#include <utility>

#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

// Addresses as each side sees them, after the pipeline's NAT.
struct Views {
  IpAddress client_src, client_dst;  // what the client sends
  IpAddress server_src, server_dst;  // what the server sends
  Port inside, outside;              // where the client's and the server's packets enter
};

Views views_for(const PipelineSpec& pipeline, const Endpoints& e) {
  Views v{e.client, e.server, e.server, e.client, inside_port(pipeline), outside_port(pipeline)};
  if (!e.client.is_v4() || !pipeline.nat_address.is_v4()) return v;  // NAT pipelines: IPv4 only
  if (pipeline.kind == PipelineKind::kSnatGateway) v.server_dst = pipeline.nat_address;
  if (pipeline.kind == PipelineKind::kDnatBalancer) {
    v.client_dst = pipeline.virtual_ip;
    v.server_src = pipeline.nat_address;
  }
  return v;
}

// One flow's steps, in order. Describing each packet in words is a good part
// of the cost of building a scenario: property runs skip it until a case fails.
struct Steps {
  bool describe = true;
  std::deque<Step> list;
};

void inject(Steps& steps, Port port, const Packet& packet) {
  InjectStep step;
  step.port = port;
  step.frame = serialize_frame(packet);
  if (steps.describe) {
    std::ostringstream summary;
    summary << packet;
    step.source = summary.str();
  }
  steps.list.push_back(std::move(step));
}

void advance(Steps& steps, uint32_t millis) {
  steps.list.push_back(AdvanceStep{Duration::millis(millis)});
}

CorruptQuote corruption_of(uint32_t amount) { return static_cast<CorruptQuote>(amount % 3); }

// An ICMP error from `from` to `to` quoting `quoted` (as its sender sent it),
// corrupted when asked. The error type is one both families quote with.
Packet icmp_error_packet(const IpAddress& from, const IpAddress& to, Packet quoted,
                         std::optional<CorruptQuote> corruption) {
  size_t l4_bytes = 8;
  if (corruption == CorruptQuote::kSwapped) std::swap(quoted.ip->src, quoted.ip->dst);
  if (corruption == CorruptQuote::kWrongPort) {
    if (auto* t = quoted.tcp()) t->dst_port = static_cast<uint16_t>(t->dst_port + 1);
    if (auto* u = quoted.udp()) u->dst_port = static_cast<uint16_t>(u->dst_port + 1);
    if (auto* i = quoted.icmp()) i->rest ^= 0x00010000u;  // another echo identifier
  }
  if (corruption == CorruptQuote::kTruncated) l4_bytes = 2;
  const bool v4 = from.is_v4();
  PacketBuilder b;
  b.ip(from, to).icmp_error(v4 ? icmp_type::kDestUnreachable : icmpv6_type::kDestUnreachable,
                            v4 ? 3 : 4, quoted, l4_bytes);
  return b.packet();
}

class TcpBuilder {
 public:
  TcpBuilder(const TcpPlan& plan, const PipelineSpec& pipeline, bool describe)
      : plan_(plan), views_(views_for(pipeline, plan.endpoints)),
        client_next_(plan.client_isn), server_next_(plan.server_isn) {
    steps_.describe = describe;
  }

  Steps build() {
    open();
    for (const TcpEvent& e : plan_.events) event(e);
    if (held_) emit_held();
    if (plan_.reuse_after_close) {
      client_next_ += 100000;  // a fresh ISN well ahead of the old one
      client(tcp_flag::kSyn, client_next_, 0, 0, true);
    }
    return std::move(steps_);
  }

 private:
  void open() {
    const uint32_t cisn = plan_.client_isn, sisn = plan_.server_isn;
    switch (plan_.opening) {
      case TcpOpening::kHandshake:
        client(tcp_flag::kSyn, cisn, 0, 0, true);
        server(tcp_flag::kSyn | tcp_flag::kAck, sisn, cisn + 1, 0, true);
        client(tcp_flag::kAck, cisn + 1, sisn + 1, 0, false);
        break;
      case TcpOpening::kSynRetransmit:
        client(tcp_flag::kSyn, cisn, 0, 0, true);
        client(tcp_flag::kSyn, cisn, 0, 0, true);
        server(tcp_flag::kSyn | tcp_flag::kAck, sisn, cisn + 1, 0, true);
        client(tcp_flag::kAck, cisn + 1, sisn + 1, 0, false);
        break;
      case TcpOpening::kSimultaneousOpen:
        client(tcp_flag::kSyn, cisn, 0, 0, true);
        server(tcp_flag::kSyn, sisn, 0, 0, true);
        server(tcp_flag::kSyn | tcp_flag::kAck, sisn, cisn + 1, 0, true);
        client(tcp_flag::kSyn | tcp_flag::kAck, cisn, sisn + 1, 0, true);
        break;
      case TcpOpening::kSynOnly:
        client(tcp_flag::kSyn, cisn, 0, 0, true);
        break;
      case TcpOpening::kSynAckFirst:
        server(tcp_flag::kSyn | tcp_flag::kAck, sisn, cisn + 1, 0, true);
        break;
      case TcpOpening::kMidStream:
        client_next_ = cisn;
        server_next_ = sisn;
        return;
    }
    client_next_ = cisn + 1;
    server_next_ = sisn + 1;
  }

  void event(const TcpEvent& e) {
    const uint8_t pa = tcp_flag::kPsh | tcp_flag::kAck;
    switch (e.kind) {
      case TcpEventKind::kClientData: {
        const uint16_t len = payload_len(e.amount);
        if (!first_client_data_) first_client_data_ = std::pair{client_next_, len};
        client(pa, client_next_, server_next_, len, false);
        client_next_ += len;
        break;
      }
      case TcpEventKind::kServerData: {
        const uint16_t len = payload_len(e.amount);
        server(pa, server_next_, client_next_, len, false);
        server_next_ += len;
        break;
      }
      case TcpEventKind::kClientAck:
        client(tcp_flag::kAck, client_next_, server_next_, 0, false);
        break;
      case TcpEventKind::kServerAck:
        server(tcp_flag::kAck, server_next_, client_next_, 0, false);
        break;
      case TcpEventKind::kRetransmit:
        if (last_) emit(last_port_, *last_);
        break;
      case TcpEventKind::kReorder:
        reorder_next_ = true;
        break;
      case TcpEventKind::kOldRetransmit:
        if (first_client_data_) {
          client(pa, first_client_data_->first, server_next_, first_client_data_->second, false);
        }
        break;
      case TcpEventKind::kOutOfWindow:
        client(pa, client_next_ + 0x40000000u, server_next_, 10, false);
        break;
      case TcpEventKind::kServerOutOfWindow:
        server(pa, server_next_ + 0x40000000u, client_next_, 10, false);
        break;
      case TcpEventKind::kBadAck:
        client(tcp_flag::kAck, client_next_, server_next_ + 0x20000000u, 0, false);
        break;
      case TcpEventKind::kWindowUpdate:
        client(tcp_flag::kAck, client_next_, server_next_, 0, false,
               static_cast<uint16_t>(std::min<uint32_t>(e.amount, 65535)));
        break;
      case TcpEventKind::kServerRst:
        server(tcp_flag::kRst | tcp_flag::kAck, server_next_, client_next_, 0, false);
        break;
      case TcpEventKind::kClientRst:
        client(tcp_flag::kRst | tcp_flag::kAck, client_next_, server_next_, 0, false);
        break;
      case TcpEventKind::kClientFin:
        client(tcp_flag::kFin | tcp_flag::kAck, client_next_, server_next_, 0, false);
        client_next_ += 1;
        break;
      case TcpEventKind::kServerFin:
        server(tcp_flag::kFin | tcp_flag::kAck, server_next_, client_next_, 0, false);
        server_next_ += 1;
        break;
      case TcpEventKind::kClientSyn:
        // amount 0: the original SYN again; otherwise a new ISN (port reuse).
        if (e.amount != 0) client_next_ += e.amount * 100000u;
        client(tcp_flag::kSyn, e.amount == 0 ? plan_.client_isn : client_next_, 0, 0, true);
        if (e.amount != 0) client_next_ += 1;
        break;
      case TcpEventKind::kIcmpErrorFromPath:
      case TcpEventKind::kCorruptIcmpError:
        if (last_client_at_server_) {
          std::optional<CorruptQuote> corruption;
          if (e.kind == TcpEventKind::kCorruptIcmpError) corruption = corruption_of(e.amount);
          emit(views_.outside, icmp_error_packet(views_.server_src, views_.server_dst,
                                                 *last_client_at_server_, corruption));
        }
        break;
      case TcpEventKind::kAdvance:
        if (held_) emit_held();  // a held segment is sent before time passes
        advance(steps_, e.amount);
        break;
    }
  }

  static uint16_t payload_len(uint32_t amount) {
    return static_cast<uint16_t>(std::min<uint32_t>(amount, 1460));
  }

  void client(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, bool syn_options,
              std::optional<uint16_t> window = std::nullopt) {
    const Endpoints& e = plan_.endpoints;
    const Packet p = segment(views_.client_src, views_.client_dst, e.client_port, e.server_port,
                             flags, seq, ack, len, plan_.client_wscale, syn_options, window);
    // What the server receives, NAT applied: what a router's error quotes.
    Packet at_server = p;
    at_server.ip->src = views_.server_dst;
    at_server.ip->dst = views_.server_src;
    last_client_at_server_ = at_server;
    emit(views_.inside, p);
  }

  void server(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, bool syn_options) {
    const Endpoints& e = plan_.endpoints;
    emit(views_.outside, segment(views_.server_src, views_.server_dst, e.server_port,
                                 e.client_port, flags, seq, ack, len, plan_.server_wscale,
                                 syn_options, std::nullopt));
  }

  Packet segment(const IpAddress& src, const IpAddress& dst, uint16_t sport, uint16_t dport,
                 uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, uint8_t wscale,
                 bool syn_options, std::optional<uint16_t> window) const {
    PacketBuilder b;
    b.ip(src, dst).tcp(sport, dport, flags, seq, ack, window.value_or(plan_.window));
    if (syn_options) {
      b.tcp_option(TcpOption::mss(1460));
      if (wscale > 0) {
        b.tcp_option(TcpOption::nop());
        b.tcp_option(TcpOption::window_scale(wscale));
      }
    }
    if (len > 0) b.payload_size(len);
    return b.packet();
  }

  // Every segment leaves through here so that a reorder can hold one back.
  void emit(Port port, const Packet& p) {
    last_ = p;
    last_port_ = port;
    if (reorder_next_) {
      reorder_next_ = false;
      held_ = std::pair{port, p};
      return;
    }
    inject(steps_, port, p);
    if (held_) emit_held();
  }

  void emit_held() {
    inject(steps_, held_->first, held_->second);
    held_.reset();
  }

  const TcpPlan& plan_;
  Views views_;
  uint32_t client_next_;
  uint32_t server_next_;
  std::optional<Packet> last_;
  Port last_port_;
  std::optional<Packet> last_client_at_server_;
  std::optional<std::pair<uint32_t, uint16_t>> first_client_data_;  // seq, length
  bool reorder_next_ = false;
  std::optional<std::pair<Port, Packet>> held_;
  Steps steps_;
};

Steps build_udp(const UdpPlan& plan, const PipelineSpec& pipeline, bool describe) {
  const Views v = views_for(pipeline, plan.endpoints);
  const Endpoints& e = plan.endpoints;
  Steps steps{describe, {}};
  std::optional<Packet> last_request_at_server;
  for (const UdpEvent& ev : plan.events) {
    const size_t len = std::min<uint32_t>(ev.amount, 1400);
    switch (ev.kind) {
      case UdpEventKind::kRequest: {
        PacketBuilder b;
        b.ip(v.client_src, v.client_dst).udp(e.client_port, e.server_port).payload_size(len);
        inject(steps, v.inside, b.packet());
        // What the server receives: NAT applied (this is what its errors quote).
        PacketBuilder at_server;
        at_server.ip(v.server_dst, v.server_src).udp(e.client_port, e.server_port).payload_size(len);
        last_request_at_server = at_server.packet();
        break;
      }
      case UdpEventKind::kResponse: {
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst).udp(e.server_port, e.client_port).payload_size(len);
        inject(steps, v.outside, b.packet());
        break;
      }
      case UdpEventKind::kAdvance:
        advance(steps, ev.amount);
        break;
      case UdpEventKind::kIcmpErrorFromServer:
      case UdpEventKind::kCorruptIcmpError: {
        if (!last_request_at_server) break;
        std::optional<CorruptQuote> corruption;
        if (ev.kind == UdpEventKind::kCorruptIcmpError) corruption = corruption_of(ev.amount);
        inject(steps, v.outside,
               icmp_error_packet(v.server_src, v.server_dst, *last_request_at_server, corruption));
        break;
      }
    }
  }
  return steps;
}

Steps build_icmp(const IcmpPlan& plan, const PipelineSpec& pipeline, bool describe) {
  const Views v = views_for(pipeline, plan.endpoints);
  const uint16_t id = plan.endpoints.client_port;
  Steps steps{describe, {}};
  std::optional<Packet> last_request_at_server;
  for (const IcmpEvent& ev : plan.events) {
    const uint16_t seq = static_cast<uint16_t>(ev.amount);
    switch (ev.kind) {
      case IcmpEventKind::kRequest: {
        PacketBuilder b;
        b.ip(v.client_src, v.client_dst).icmp_echo_request(id, seq);
        inject(steps, v.inside, b.packet());
        PacketBuilder at_server;
        at_server.ip(v.server_dst, v.server_src).icmp_echo_request(id, seq);
        last_request_at_server = at_server.packet();
        break;
      }
      case IcmpEventKind::kReply: {
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst).icmp_echo_reply(id, seq);
        inject(steps, v.outside, b.packet());
        break;
      }
      case IcmpEventKind::kAdvance:
        advance(steps, ev.amount);
        break;
      case IcmpEventKind::kUnrelatedError: {
        PacketBuilder never_sent;
        never_sent.ip(v.server_dst, v.server_src).udp(static_cast<uint16_t>(1000 + seq), 9);
        inject(steps, v.outside,
               icmp_error_packet(v.server_src, v.server_dst, never_sent.packet(), std::nullopt));
        break;
      }
      case IcmpEventKind::kCorruptQuote:
      case IcmpEventKind::kErrorForRequest: {
        if (!last_request_at_server) break;
        std::optional<CorruptQuote> corruption;
        if (ev.kind == IcmpEventKind::kCorruptQuote) corruption = CorruptQuote::kSwapped;
        inject(steps, v.outside,
               icmp_error_packet(v.server_src, v.server_dst, *last_request_at_server, corruption));
        break;
      }
    }
  }
  return steps;
}

bool has_icmp_errors(const TrafficPlan& plan) {
  for (const TcpPlan& p : plan.tcp) {
    for (const TcpEvent& e : p.events) {
      if (e.kind == TcpEventKind::kIcmpErrorFromPath || e.kind == TcpEventKind::kCorruptIcmpError) {
        return true;
      }
    }
  }
  for (const UdpPlan& p : plan.udp) {
    for (const UdpEvent& e : p.events) {
      if (e.kind == UdpEventKind::kIcmpErrorFromServer || e.kind == UdpEventKind::kCorruptIcmpError) {
        return true;
      }
    }
  }
  for (const IcmpPlan& p : plan.icmp) {
    for (const IcmpEvent& e : p.events) {
      if (e.kind != IcmpEventKind::kRequest && e.kind != IcmpEventKind::kReply &&
          e.kind != IcmpEventKind::kAdvance) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Scenario build_scenario(const TrafficPlan& plan, const std::string& name, const std::string& origin,
                        const BuildOptions& options) {
  Scenario s;
  s.name = name;
  s.origin = origin;
  s.ports = pipeline_ports();
  s.flows = pipeline_flows(plan.pipeline);
  s.features = pipeline_features(plan.pipeline);
  std::vector<Steps> flows;
  auto add_feature = [&](const std::string& f) {
    if (!s.has_feature(f)) s.features.push_back(f);
  };
  for (const TcpPlan& p : plan.tcp) {
    flows.push_back(TcpBuilder(p, plan.pipeline, options.describe_steps).build());
    add_feature("tcp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (const UdpPlan& p : plan.udp) {
    flows.push_back(build_udp(p, plan.pipeline, options.describe_steps));
    add_feature("udp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (const IcmpPlan& p : plan.icmp) {
    flows.push_back(build_icmp(p, plan.pipeline, options.describe_steps));
    add_feature("icmp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (uint8_t pick : plan.interleaving) {
    if (flows.empty()) break;
    std::deque<Step>& from = flows[pick % flows.size()].list;
    if (from.empty()) continue;
    s.steps.push_back(std::move(from.front()));
    from.pop_front();
  }
  for (Steps& rest : flows) {
    for (Step& step : rest.list) s.steps.push_back(std::move(step));
  }
  // Capability needs: the runner skips what an adapter cannot do.
  for (const Step& step : s.steps) {
    if (std::holds_alternative<AdvanceStep>(step)) add_feature("timeout");
  }
  if (has_icmp_errors(plan)) add_feature("icmp-related");
  s.steps.push_back(CheckTableStep{});
  return s;
}

Port inside_port(const PipelineSpec& pipeline) { return Port{uint16_t(pipeline.mirrored ? 2 : 1)}; }
Port outside_port(const PipelineSpec& pipeline) { return Port{uint16_t(pipeline.mirrored ? 1 : 2)}; }

}  // namespace ctc
