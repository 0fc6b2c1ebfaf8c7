// RapidCheck generators for traffic plans, composed from small ones.
// Addresses and ports come from small pools so that tuples collide and
// connections interact; amounts straddle the profiles' timeout boundaries.
#pragma once

#include <rapidcheck.h>

#include "properties/traffic_plan.h"

namespace ctc::gen {

inline rc::Gen<IpAddress> client_v4() {
  return rc::gen::map(rc::gen::inRange<uint8_t>(1, 5),
                      [](uint8_t host) { return IpAddress::v4(10, 0, 0, host); });
}
inline rc::Gen<IpAddress> server_v4() {
  return rc::gen::map(rc::gen::inRange<uint8_t>(1, 4),
                      [](uint8_t host) { return IpAddress::v4(172, 16, 0, host); });
}
inline IpAddress v6_host(uint8_t net, uint8_t host) {
  std::array<uint8_t, 16> b{0xfd, 0x00, 0, net};
  b[15] = host;
  return IpAddress::v6(b);
}

// Endpoints of one family; IPv6 only where the pipeline has no NAT.
inline rc::Gen<Endpoints> endpoints(bool allow_v6) {
  return rc::gen::mapcat(rc::gen::weightedElement<bool>({{3, false}, {allow_v6 ? 1u : 0u, true}}),
                         [](bool v6) {
    return rc::gen::build<Endpoints>(
        rc::gen::set(&Endpoints::client,
                     v6 ? rc::gen::map(rc::gen::inRange<uint8_t>(1, 4),
                                       [](uint8_t h) { return v6_host(1, h); })
                        : client_v4()),
        rc::gen::set(&Endpoints::server,
                     v6 ? rc::gen::map(rc::gen::inRange<uint8_t>(1, 4),
                                       [](uint8_t h) { return v6_host(2, h); })
                        : server_v4()),
        rc::gen::set(&Endpoints::client_port, rc::gen::inRange<uint16_t>(40000, 40004)),
        rc::gen::set(&Endpoints::server_port, rc::gen::element<uint16_t>(22, 53, 80, 443)));
  });
}

// Seconds that straddle the interesting timeouts (30/60/120 s and 5 days).
inline rc::Gen<uint16_t> advance_seconds() {
  return rc::gen::element<uint16_t>(1, 10, 29, 30, 31, 59, 60, 61, 119, 120, 121, 300, 3600);
}

inline rc::Gen<TcpEvent> tcp_event() {
  return rc::gen::mapcat(
      rc::gen::weightedElement<TcpEventKind>({
          {6, TcpEventKind::kClientData}, {6, TcpEventKind::kServerData},
          {3, TcpEventKind::kClientAck}, {2, TcpEventKind::kRetransmit},
          {1, TcpEventKind::kOutOfWindow}, {1, TcpEventKind::kBadAck},
          {1, TcpEventKind::kServerRst}, {1, TcpEventKind::kClientRst},
          {2, TcpEventKind::kClientFin}, {2, TcpEventKind::kServerFin},
          {1, TcpEventKind::kAdvance}}),
      [](TcpEventKind kind) {
        rc::Gen<uint16_t> amount = kind == TcpEventKind::kAdvance
                                       ? advance_seconds()
                                       : rc::gen::element<uint16_t>(1, 100, 1000, 1460);
        return rc::gen::map(amount, [kind](uint16_t a) { return TcpEvent{kind, a}; });
      });
}

inline rc::Gen<TcpPlan> tcp_plan(bool allow_v6) {
  return rc::gen::build<TcpPlan>(
      rc::gen::set(&TcpPlan::endpoints, endpoints(allow_v6)),
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
      rc::gen::set(&TcpPlan::events, rc::gen::container<std::vector<TcpEvent>>(tcp_event())),
      rc::gen::set(&TcpPlan::reuse_after_close, rc::gen::weightedElement<bool>({{5, false}, {1, true}})));
}

inline rc::Gen<UdpPlan> udp_plan(bool allow_v6) {
  auto event = rc::gen::mapcat(
      rc::gen::weightedElement<UdpEventKind>({{5, UdpEventKind::kRequest},
                                              {4, UdpEventKind::kResponse},
                                              {2, UdpEventKind::kAdvance},
                                              {1, UdpEventKind::kIcmpErrorFromServer}}),
      [](UdpEventKind kind) {
        auto amount = kind == UdpEventKind::kAdvance ? advance_seconds()
                                                     : rc::gen::element<uint16_t>(0, 8, 100);
        return rc::gen::map(amount, [kind](uint16_t a) { return UdpEvent{kind, a}; });
      });
  return rc::gen::build<UdpPlan>(
      rc::gen::set(&UdpPlan::endpoints, endpoints(allow_v6)),
      rc::gen::set(&UdpPlan::events, rc::gen::container<std::vector<UdpEvent>>(event)));
}

inline rc::Gen<IcmpPlan> icmp_plan(bool allow_v6) {
  auto event = rc::gen::mapcat(
      rc::gen::weightedElement<IcmpEventKind>({{5, IcmpEventKind::kRequest},
                                               {4, IcmpEventKind::kReply},
                                               {2, IcmpEventKind::kAdvance},
                                               {1, IcmpEventKind::kUnrelatedError},
                                               {1, IcmpEventKind::kCorruptQuote}}),
      [](IcmpEventKind kind) {
        auto amount = kind == IcmpEventKind::kAdvance ? advance_seconds()
                                                      : rc::gen::inRange<uint16_t>(1, 4);
        return rc::gen::map(amount, [kind](uint16_t a) { return IcmpEvent{kind, a}; });
      });
  return rc::gen::build<IcmpPlan>(
      rc::gen::set(&IcmpPlan::endpoints, endpoints(allow_v6)),
      rc::gen::set(&IcmpPlan::events, rc::gen::container<std::vector<IcmpEvent>>(event)));
}

inline rc::Gen<PipelineSpec> pipeline() {
  return rc::gen::build<PipelineSpec>(
      rc::gen::set(&PipelineSpec::kind,
                   rc::gen::weightedElement<PipelineKind>({{4, PipelineKind::kFirewall},
                                                           {1, PipelineKind::kZonePerPort},
                                                           {2, PipelineKind::kSnatGateway},
                                                           {2, PipelineKind::kDnatBalancer}})),
      rc::gen::set(&PipelineSpec::zone, rc::gen::element<uint16_t>(0, 1, 7, 65535)),
      rc::gen::set(&PipelineSpec::second_zone, rc::gen::element<uint16_t>(2, 9)));
}

// Up to a few connections of each kind, interleaved.
inline rc::Gen<TrafficPlan> traffic_plan() {
  return rc::gen::mapcat(pipeline(), [](const PipelineSpec& p) {
    const bool allow_v6 = p.kind == PipelineKind::kFirewall || p.kind == PipelineKind::kZonePerPort;
    return rc::gen::build<TrafficPlan>(
        rc::gen::set(&TrafficPlan::pipeline, rc::gen::just(p)),
        rc::gen::set(&TrafficPlan::tcp, rc::gen::resize(
                                            4, rc::gen::container<std::vector<TcpPlan>>(tcp_plan(allow_v6)))),
        rc::gen::set(&TrafficPlan::udp, rc::gen::resize(
                                            3, rc::gen::container<std::vector<UdpPlan>>(udp_plan(allow_v6)))),
        rc::gen::set(&TrafficPlan::icmp, rc::gen::resize(
                                             3, rc::gen::container<std::vector<IcmpPlan>>(icmp_plan(allow_v6)))),
        rc::gen::set(&TrafficPlan::interleaving, rc::gen::container<std::vector<uint8_t>>(
                                                     rc::gen::inRange<uint8_t>(0, 8))));
  });
}

}  // namespace ctc::gen
