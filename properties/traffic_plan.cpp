#include "properties/traffic_plan.h"

#include <deque>
#include <sstream>

#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

constexpr Port kInside{1};
constexpr Port kOutside{2};

// Addresses as each side sees them, after the pipeline's NAT.
struct Views {
  IpAddress client_src, client_dst;  // what the client sends
  IpAddress server_src, server_dst;  // what the server sends
};

Views views_for(const PipelineSpec& pipeline, const Endpoints& e) {
  Views v{e.client, e.server, e.server, e.client};
  if (!e.client.is_v4() || !pipeline.nat_address.is_v4()) return v;  // NAT pipelines: IPv4 only
  if (pipeline.kind == PipelineKind::kSnatGateway) v.server_dst = pipeline.nat_address;
  if (pipeline.kind == PipelineKind::kDnatBalancer) {
    v.client_dst = pipeline.virtual_ip;
    v.server_src = pipeline.nat_address;
  }
  return v;
}

using Steps = std::deque<Step>;

void inject(Steps& steps, Port port, const Packet& packet) {
  InjectStep step;
  step.port = port;
  step.frame = serialize_frame(packet);
  std::ostringstream summary;
  summary << packet;
  step.source = summary.str();
  steps.push_back(std::move(step));
}

void advance(Steps& steps, uint16_t seconds) {
  steps.push_back(AdvanceStep{Duration::seconds(seconds)});
}

class TcpBuilder {
 public:
  TcpBuilder(const TcpPlan& plan, const PipelineSpec& pipeline)
      : plan_(plan), views_(views_for(pipeline, plan.endpoints)),
        client_next_(plan.client_isn), server_next_(plan.server_isn) {}

  Steps build() {
    open();
    for (const TcpEvent& e : plan_.events) event(e);
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
      case TcpEventKind::kClientData:
        client(pa, client_next_, server_next_, e.amount, false);
        client_next_ += e.amount;
        break;
      case TcpEventKind::kServerData:
        server(pa, server_next_, client_next_, e.amount, false);
        server_next_ += e.amount;
        break;
      case TcpEventKind::kClientAck:
        client(tcp_flag::kAck, client_next_, server_next_, 0, false);
        break;
      case TcpEventKind::kRetransmit:
        if (last_) inject(steps_, last_port_, *last_);
        break;
      case TcpEventKind::kOutOfWindow:
        client(pa, client_next_ + 0x40000000u, server_next_, 10, false);
        break;
      case TcpEventKind::kBadAck:
        client(tcp_flag::kAck, client_next_, server_next_ + 0x20000000u, 0, false);
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
      case TcpEventKind::kAdvance:
        advance(steps_, e.amount);
        break;
    }
  }

  void client(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, bool syn_options) {
    segment(kInside, views_.client_src, views_.client_dst, plan_.endpoints.client_port,
            plan_.endpoints.server_port, flags, seq, ack, len, syn_options ? plan_.client_wscale : 0,
            syn_options);
  }

  void server(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, bool syn_options) {
    segment(kOutside, views_.server_src, views_.server_dst, plan_.endpoints.server_port,
            plan_.endpoints.client_port, flags, seq, ack, len,
            syn_options ? plan_.server_wscale : 0, syn_options);
  }

  void segment(Port port, const IpAddress& src, const IpAddress& dst, uint16_t sport,
               uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len,
               uint8_t wscale, bool syn_options) {
    PacketBuilder b;
    b.ip(src, dst).tcp(sport, dport, flags, seq, ack, plan_.window);
    if (syn_options) {
      b.tcp_option(TcpOption::mss(1460));
      if (wscale > 0) {
        b.tcp_option(TcpOption::nop());
        b.tcp_option(TcpOption::window_scale(wscale));
      }
    }
    if (len > 0) b.payload_size(len);
    last_ = b.packet();
    last_port_ = port;
    inject(steps_, port, *last_);
  }

  const TcpPlan& plan_;
  Views views_;
  uint32_t client_next_;
  uint32_t server_next_;
  std::optional<Packet> last_;
  Port last_port_;
  Steps steps_;
};

Steps build_udp(const UdpPlan& plan, const PipelineSpec& pipeline) {
  const Views v = views_for(pipeline, plan.endpoints);
  const Endpoints& e = plan.endpoints;
  Steps steps;
  std::optional<Packet> last_request_at_server;
  for (const UdpEvent& ev : plan.events) {
    switch (ev.kind) {
      case UdpEventKind::kRequest: {
        PacketBuilder b;
        b.ip(v.client_src, v.client_dst).udp(e.client_port, e.server_port).payload_size(ev.amount);
        inject(steps, kInside, b.packet());
        // What the server receives: NAT applied (this is what its errors quote).
        PacketBuilder at_server;
        at_server.ip(v.server_dst, v.server_src).udp(e.client_port, e.server_port).payload_size(ev.amount);
        last_request_at_server = at_server.packet();
        break;
      }
      case UdpEventKind::kResponse: {
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst).udp(e.server_port, e.client_port).payload_size(ev.amount);
        inject(steps, kOutside, b.packet());
        break;
      }
      case UdpEventKind::kAdvance:
        advance(steps, ev.amount);
        break;
      case UdpEventKind::kIcmpErrorFromServer: {
        if (!last_request_at_server) break;
        PacketBuilder b;
        const bool v4 = v.server_src.is_v4();
        b.ip(v.server_src, v.server_dst)
            .icmp_error(v4 ? icmp_type::kDestUnreachable : icmpv6_type::kDestUnreachable,
                        v4 ? 3 : 4, *last_request_at_server);
        inject(steps, kOutside, b.packet());
        break;
      }
    }
  }
  return steps;
}

Steps build_icmp(const IcmpPlan& plan, const PipelineSpec& pipeline) {
  const Views v = views_for(pipeline, plan.endpoints);
  const uint16_t id = plan.endpoints.client_port;
  const bool v4 = v.client_src.is_v4();
  Steps steps;
  std::optional<Packet> last_request_at_server;
  for (const IcmpEvent& ev : plan.events) {
    switch (ev.kind) {
      case IcmpEventKind::kRequest: {
        PacketBuilder b;
        b.ip(v.client_src, v.client_dst).icmp_echo_request(id, ev.amount);
        inject(steps, kInside, b.packet());
        PacketBuilder at_server;
        at_server.ip(v.server_dst, v.server_src).icmp_echo_request(id, ev.amount);
        last_request_at_server = at_server.packet();
        break;
      }
      case IcmpEventKind::kReply: {
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst).icmp_echo_reply(id, ev.amount);
        inject(steps, kOutside, b.packet());
        break;
      }
      case IcmpEventKind::kAdvance:
        advance(steps, ev.amount);
        break;
      case IcmpEventKind::kUnrelatedError: {
        PacketBuilder never_sent;
        never_sent.ip(v.server_dst, v.server_src).udp(static_cast<uint16_t>(1000 + ev.amount), 9);
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst)
            .icmp_error(v4 ? icmp_type::kDestUnreachable : icmpv6_type::kDestUnreachable,
                        v4 ? 3 : 4, never_sent.packet());
        inject(steps, kOutside, b.packet());
        break;
      }
      case IcmpEventKind::kCorruptQuote: {
        if (!last_request_at_server) break;
        // The quote names the error's sender as its source: inconsistent.
        Packet quoted = *last_request_at_server;
        std::swap(quoted.ip->src, quoted.ip->dst);
        PacketBuilder b;
        b.ip(v.server_src, v.server_dst)
            .icmp_error(v4 ? icmp_type::kTimeExceeded : icmpv6_type::kTimeExceeded, 0, quoted);
        inject(steps, kOutside, b.packet());
        break;
      }
    }
  }
  return steps;
}

}  // namespace

Scenario build_scenario(const TrafficPlan& plan, const std::string& name, const std::string& origin) {
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
    flows.push_back(TcpBuilder(p, plan.pipeline).build());
    add_feature("tcp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (const UdpPlan& p : plan.udp) {
    flows.push_back(build_udp(p, plan.pipeline));
    add_feature("udp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (const IcmpPlan& p : plan.icmp) {
    flows.push_back(build_icmp(p, plan.pipeline));
    add_feature("icmp");
    if (!p.endpoints.client.is_v4()) add_feature("ipv6");
  }
  for (uint8_t pick : plan.interleaving) {
    if (flows.empty()) break;
    Steps& from = flows[pick % flows.size()];
    if (from.empty()) continue;
    s.steps.push_back(std::move(from.front()));
    from.pop_front();
  }
  for (Steps& rest : flows) {
    for (Step& step : rest) s.steps.push_back(std::move(step));
  }
  s.steps.push_back(CheckTableStep{});
  return s;
}

namespace {

const char* name_of(TcpOpening o) {
  switch (o) {
    case TcpOpening::kHandshake: return "handshake";
    case TcpOpening::kSynRetransmit: return "syn-retransmit";
    case TcpOpening::kSimultaneousOpen: return "simultaneous-open";
    case TcpOpening::kSynOnly: return "syn-only";
    case TcpOpening::kSynAckFirst: return "synack-first";
    case TcpOpening::kMidStream: return "mid-stream";
  }
  return "?";
}

const char* name_of(TcpEventKind k) {
  switch (k) {
    case TcpEventKind::kClientData: return "cdata";
    case TcpEventKind::kServerData: return "sdata";
    case TcpEventKind::kClientAck: return "cack";
    case TcpEventKind::kRetransmit: return "retx";
    case TcpEventKind::kOutOfWindow: return "oow";
    case TcpEventKind::kBadAck: return "badack";
    case TcpEventKind::kServerRst: return "srst";
    case TcpEventKind::kClientRst: return "crst";
    case TcpEventKind::kClientFin: return "cfin";
    case TcpEventKind::kServerFin: return "sfin";
    case TcpEventKind::kAdvance: return "advance";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const Endpoints& e) {
  return os << e.client << ":" << e.client_port << ">" << e.server << ":" << e.server_port;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const TcpPlan& p) {
  os << "tcp " << p.endpoints << " " << name_of(p.opening) << " isn=" << p.client_isn << "/"
     << p.server_isn << " wscale=" << unsigned{p.client_wscale} << "/" << unsigned{p.server_wscale}
     << " [";
  for (const TcpEvent& e : p.events) os << ' ' << name_of(e.kind) << ":" << e.amount;
  return os << " ]" << (p.reuse_after_close ? " reuse" : "");
}

std::ostream& operator<<(std::ostream& os, const UdpPlan& p) {
  static constexpr const char* kNames[] = {"req", "resp", "advance", "icmp-error"};
  os << "udp " << p.endpoints << " [";
  for (const UdpEvent& e : p.events) os << ' ' << kNames[static_cast<int>(e.kind)] << ":" << e.amount;
  return os << " ]";
}

std::ostream& operator<<(std::ostream& os, const IcmpPlan& p) {
  static constexpr const char* kNames[] = {"req", "reply", "advance", "unrelated-error",
                                           "corrupt-quote"};
  os << "icmp " << p.endpoints << " [";
  for (const IcmpEvent& e : p.events) os << ' ' << kNames[static_cast<int>(e.kind)] << ":" << e.amount;
  return os << " ]";
}

std::ostream& operator<<(std::ostream& os, const TrafficPlan& p) {
  os << p.pipeline << "\n";
  for (const auto& t : p.tcp) os << "  " << t << "\n";
  for (const auto& u : p.udp) os << "  " << u << "\n";
  for (const auto& i : p.icmp) os << "  " << i << "\n";
  os << "  interleaving:";
  for (uint8_t i : p.interleaving) os << ' ' << unsigned{i};
  return os;
}

}  // namespace ctc
