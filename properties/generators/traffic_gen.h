// RapidCheck generators for traffic plans, composed from small ones.
// Addresses and ports come from small pools so that tuples collide and
// connections interact; time advances straddle the profile's timeouts by a
// millisecond either way.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <array>
#include <vector>

#include "properties/generators/pipeline_gen.h"
#include "properties/generators/uniform.h"
#include "properties/traffic_plan.h"
#include "reference/conntrack/profile.h"

namespace ctc::gen {

// Where a plan's endpoints come from. The main pool is small so that tuples
// collide; the unrelated pool shares no address with it, so traffic drawn
// from it can never touch a main-pool connection (metamorphic "unrelated
// traffic" relation).
struct AddressPool {
  uint8_t v4_client_net = 0;   // 10.<net>.0.h
  uint8_t v4_server_net = 16;  // 172.<net>.0.h
  uint8_t v6_client_net = 1;   // fd00:0:<net>::h
  uint8_t v6_server_net = 2;
};
inline constexpr AddressPool kMainPool{};
inline constexpr AddressPool kUnrelatedPool{.v4_client_net = 1, .v4_server_net = 17,
                                            .v6_client_net = 3, .v6_server_net = 4};

inline IpAddress v6_host(uint8_t net, uint8_t host) {
  std::array<uint8_t, 16> b{0xfd, 0x00, 0, net};
  b[15] = host;
  return IpAddress::v6(b);
}

inline rc::Gen<IpAddress> client_v4(AddressPool pool = kMainPool) {
  return rc::gen::map(uniform<uint8_t>(1, 5), [pool](uint8_t host) {
    return IpAddress::v4(10, pool.v4_client_net, 0, host);
  });
}
inline rc::Gen<IpAddress> server_v4(AddressPool pool = kMainPool) {
  return rc::gen::map(uniform<uint8_t>(1, 4), [pool](uint8_t host) {
    return IpAddress::v4(172, pool.v4_server_net, 0, host);
  });
}
inline rc::Gen<IpAddress> v6_in(uint8_t net) {
  return rc::gen::map(uniform<uint8_t>(1, 4), [net](uint8_t h) { return v6_host(net, h); });
}

// Endpoints of one family; IPv6 only where the pipeline has no NAT.
inline rc::Gen<Endpoints> endpoints(bool allow_v6, AddressPool pool = kMainPool) {
  return rc::gen::mapcat(
      rc::gen::weightedElement<bool>({{3, false}, {allow_v6 ? 1u : 0u, true}}),
      [pool](bool v6) {
        return rc::gen::build<Endpoints>(
            rc::gen::set(&Endpoints::client,
                         v6 ? v6_in(pool.v6_client_net) : client_v4(pool)),
            rc::gen::set(&Endpoints::server,
                         v6 ? v6_in(pool.v6_server_net) : server_v4(pool)),
            rc::gen::set(&Endpoints::client_port, uniform<uint16_t>(40000, 40004)),
            rc::gen::set(&Endpoints::server_port, rc::gen::element<uint16_t>(22, 53, 80, 443)));
      })
      .as("endpoints");
}

// Every timeout the profile names, in milliseconds, without repeats.
inline std::vector<uint32_t> timeout_millis(const Profile& p) {
  const TcpTimeouts& t = p.timeouts.tcp;
  const Duration all[] = {t.syn_sent,  t.syn_recv,  t.established, t.fin_wait,
                          t.close_wait, t.last_ack, t.time_wait,   t.close,
                          t.syn_sent2, t.retrans,   t.unacknowledged,
                          p.timeouts.udp_first,   p.timeouts.udp_replied,
                          p.timeouts.udp_stream,  p.timeouts.icmp_first,
                          p.timeouts.icmp_reply,  p.timeouts.udp_stream_after};
  std::vector<uint32_t> out;
  for (Duration d : all) {
    const int64_t ms = d.ns / 1'000'000;
    if (ms > 0 && ms < int64_t{UINT32_MAX} - 1) out.push_back(static_cast<uint32_t>(ms));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Time advances in milliseconds: mostly a profile timeout minus one, exactly,
// or plus one millisecond (the boundary both implementations define as
// "expired at the deadline itself"), sometimes a short pause.
inline rc::Gen<uint32_t> advance_millis(const Profile& profile) {
  std::vector<uint32_t> boundaries;
  for (uint32_t t : timeout_millis(profile)) {
    boundaries.insert(boundaries.end(), {t - 1, t, t + 1});
  }
  return rc::gen::weightedOneOf<uint32_t>(
             {{1, rc::gen::element<uint32_t>(1, 1000, 10'000)},
              {3, rc::gen::elementOf(boundaries)}})
      .as("advance ms");
}

inline rc::Gen<TcpEvent> tcp_event(const Profile& profile, bool with_time = true) {
  const rc::Gen<uint32_t> wait = advance_millis(profile);
  return rc::gen::mapcat(
             rc::gen::weightedElement<TcpEventKind>({
                 {6, TcpEventKind::kClientData},       {6, TcpEventKind::kServerData},
                 {3, TcpEventKind::kClientAck},        {2, TcpEventKind::kServerAck},
                 {2, TcpEventKind::kRetransmit},       {1, TcpEventKind::kReorder},
                 {1, TcpEventKind::kOldRetransmit},    {1, TcpEventKind::kOutOfWindow},
                 {1, TcpEventKind::kServerOutOfWindow}, {1, TcpEventKind::kBadAck},
                 {1, TcpEventKind::kWindowUpdate},     {1, TcpEventKind::kServerRst},
                 {1, TcpEventKind::kClientRst},        {2, TcpEventKind::kClientFin},
                 {2, TcpEventKind::kServerFin},        {1, TcpEventKind::kClientSyn},
                 {1, TcpEventKind::kIcmpErrorFromPath}, {1, TcpEventKind::kCorruptIcmpError},
                 {with_time ? 2u : 0u, TcpEventKind::kAdvance}}),
             [wait](TcpEventKind kind) {
               rc::Gen<uint32_t> amount = rc::gen::element<uint32_t>(1, 100, 1000, 1460);
               switch (kind) {
                 case TcpEventKind::kAdvance: amount = wait; break;
                 case TcpEventKind::kWindowUpdate:
                   amount = rc::gen::element<uint32_t>(512, 0, 1, 65535);
                   break;
                 case TcpEventKind::kClientSyn:
                 case TcpEventKind::kCorruptIcmpError:
                   amount = uniform<uint32_t>(0, 3);
                   break;
                 default: break;
               }
               return rc::gen::map(amount, [kind](uint32_t a) { return TcpEvent{kind, a}; });
             })
      .as("tcp event");
}

inline rc::Gen<TcpPlan> tcp_plan(bool allow_v6, const Profile& profile,
                                 AddressPool pool = kMainPool, bool with_time = true) {
  return rc::gen::build<TcpPlan>(
             rc::gen::set(&TcpPlan::endpoints, endpoints(allow_v6, pool)),
             rc::gen::set(&TcpPlan::opening,
                          rc::gen::weightedElement<TcpOpening>({{8, TcpOpening::kHandshake},
                                                                {2, TcpOpening::kSynRetransmit},
                                                                {1, TcpOpening::kSimultaneousOpen},
                                                                {1, TcpOpening::kSynOnly},
                                                                {1, TcpOpening::kSynAckFirst},
                                                                {1, TcpOpening::kMidStream}})),
             // ISNs near the top of the sequence space exercise wrap-around.
             rc::gen::set(&TcpPlan::client_isn,
                          rc::gen::oneOf(rc::gen::element<uint32_t>(1000, 0xfffffff0u, 0x7fffffffu),
                                         rc::gen::arbitrary<uint32_t>())),
             rc::gen::set(&TcpPlan::server_isn,
                          rc::gen::oneOf(rc::gen::element<uint32_t>(5000, 0xffffff00u),
                                         rc::gen::arbitrary<uint32_t>())),
             rc::gen::set(&TcpPlan::client_wscale, rc::gen::element<uint8_t>(0, 0, 2, 7, 14)),
             rc::gen::set(&TcpPlan::server_wscale, rc::gen::element<uint8_t>(0, 0, 2, 7, 14)),
             rc::gen::set(&TcpPlan::window, rc::gen::element<uint16_t>(65535, 29200, 1024, 512)),
             rc::gen::set(&TcpPlan::events, rc::gen::container<std::vector<TcpEvent>>(
                                                tcp_event(profile, with_time))),
             rc::gen::set(&TcpPlan::reuse_after_close,
                          rc::gen::weightedElement<bool>({{5, false}, {1, true}})))
      .as("tcp plan");
}

inline rc::Gen<UdpPlan> udp_plan(bool allow_v6, const Profile& profile,
                                 AddressPool pool = kMainPool, bool with_time = true) {
  const rc::Gen<uint32_t> wait = advance_millis(profile);
  auto event = rc::gen::mapcat(
      rc::gen::weightedElement<UdpEventKind>({{5, UdpEventKind::kRequest},
                                              {4, UdpEventKind::kResponse},
                                              {with_time ? 2u : 0u, UdpEventKind::kAdvance},
                                              {1, UdpEventKind::kIcmpErrorFromServer},
                                              {1, UdpEventKind::kCorruptIcmpError}}),
      [wait](UdpEventKind kind) {
        rc::Gen<uint32_t> amount = rc::gen::element<uint32_t>(0, 8, 100);
        if (kind == UdpEventKind::kAdvance) amount = wait;
        if (kind == UdpEventKind::kCorruptIcmpError) amount = uniform<uint32_t>(0, 3);
        return rc::gen::map(amount, [kind](uint32_t a) { return UdpEvent{kind, a}; });
      });
  return rc::gen::build<UdpPlan>(
             rc::gen::set(&UdpPlan::endpoints, endpoints(allow_v6, pool)),
             rc::gen::set(&UdpPlan::events, rc::gen::container<std::vector<UdpEvent>>(event)))
      .as("udp plan");
}

inline rc::Gen<IcmpPlan> icmp_plan(bool allow_v6, const Profile& profile,
                                   AddressPool pool = kMainPool, bool with_time = true) {
  const rc::Gen<uint32_t> wait = advance_millis(profile);
  auto event = rc::gen::mapcat(
      rc::gen::weightedElement<IcmpEventKind>({{5, IcmpEventKind::kRequest},
                                               {4, IcmpEventKind::kReply},
                                               {with_time ? 2u : 0u, IcmpEventKind::kAdvance},
                                               {1, IcmpEventKind::kUnrelatedError},
                                               {1, IcmpEventKind::kCorruptQuote},
                                               {1, IcmpEventKind::kErrorForRequest}}),
      [wait](IcmpEventKind kind) {
        auto amount = kind == IcmpEventKind::kAdvance ? wait : uniform<uint32_t>(1, 4);
        return rc::gen::map(amount, [kind](uint32_t a) { return IcmpEvent{kind, a}; });
      });
  return rc::gen::build<IcmpPlan>(
             rc::gen::set(&IcmpPlan::endpoints, endpoints(allow_v6, pool)),
             rc::gen::set(&IcmpPlan::events, rc::gen::container<std::vector<IcmpEvent>>(event)))
      .as("icmp plan");
}

struct TrafficShape {
  AddressPool pool = kMainPool;
  bool with_time = true;  // false: no advances (traffic that must not move the clock)
  bool allow_v6 = true;   // IPv6 too where the pipeline has no NAT
};

// Up to a few connections of each kind through `p`, interleaved.
inline rc::Gen<TrafficPlan> traffic_for(const PipelineSpec& p, const Profile& profile,
                                        TrafficShape shape = {}) {
  const bool v6 = shape.allow_v6 && !has_nat(p);
  const AddressPool pool = shape.pool;
  const bool t = shape.with_time;
  return rc::gen::build<TrafficPlan>(
             rc::gen::set(&TrafficPlan::pipeline, rc::gen::just(p)),
             rc::gen::set(&TrafficPlan::tcp,
                          rc::gen::resize(4, rc::gen::container<std::vector<TcpPlan>>(
                                                 tcp_plan(v6, profile, pool, t)))),
             rc::gen::set(&TrafficPlan::udp,
                          rc::gen::resize(3, rc::gen::container<std::vector<UdpPlan>>(
                                                 udp_plan(v6, profile, pool, t)))),
             rc::gen::set(&TrafficPlan::icmp,
                          rc::gen::resize(3, rc::gen::container<std::vector<IcmpPlan>>(
                                                 icmp_plan(v6, profile, pool, t)))),
             rc::gen::set(&TrafficPlan::interleaving,
                          rc::gen::container<std::vector<uint8_t>>(uniform<uint8_t>(0, 8))))
      .as("traffic plan");
}

// A generated pipeline with generated traffic. `profile` must outlive the
// generator (the built-in profiles are static).
inline rc::Gen<TrafficPlan> traffic_plan(const Profile& profile, PipelineShape shape = {}) {
  return rc::gen::mapcat(pipeline(shape), [&profile, shape](const PipelineSpec& p) {
    return traffic_for(p, profile, {.with_time = !shape.commit_all_only});
  });
}

inline rc::Gen<TrafficPlan> traffic_plan() { return traffic_plan(linux_profile()); }

}  // namespace ctc::gen
