// Plans in words: names of openings and events, and the one-line forms
// counterexamples are printed in.
#include <ostream>
#include <string>

#include "properties/traffic_plan.h"

namespace ctc {

const char* to_string(TcpOpening o) {
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

const char* to_string(TcpEventKind k) {
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
    case TcpEventKind::kServerAck: return "sack";
    case TcpEventKind::kReorder: return "reorder";
    case TcpEventKind::kOldRetransmit: return "old-retx";
    case TcpEventKind::kServerOutOfWindow: return "soow";
    case TcpEventKind::kWindowUpdate: return "cwin";
    case TcpEventKind::kClientSyn: return "csyn";
    case TcpEventKind::kIcmpErrorFromPath: return "icmp-error";
    case TcpEventKind::kCorruptIcmpError: return "corrupt-icmp-error";
  }
  return "?";
}

const char* to_string(UdpEventKind k) {
  switch (k) {
    case UdpEventKind::kRequest: return "req";
    case UdpEventKind::kResponse: return "resp";
    case UdpEventKind::kAdvance: return "advance";
    case UdpEventKind::kIcmpErrorFromServer: return "icmp-error";
    case UdpEventKind::kCorruptIcmpError: return "corrupt-icmp-error";
  }
  return "?";
}

const char* to_string(IcmpEventKind k) {
  switch (k) {
    case IcmpEventKind::kRequest: return "req";
    case IcmpEventKind::kReply: return "reply";
    case IcmpEventKind::kAdvance: return "advance";
    case IcmpEventKind::kUnrelatedError: return "unrelated-error";
    case IcmpEventKind::kCorruptQuote: return "corrupt-quote";
    case IcmpEventKind::kErrorForRequest: return "error-for-request";
  }
  return "?";
}

namespace {

// Milliseconds as seconds with the remainder only when there is one: "30s", "29.999s".
void print_millis(std::ostream& os, uint32_t ms) {
  os << ms / 1000;
  if (ms % 1000 != 0) {
    const std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    os << "." << frac;
  }
  os << "s";
}

template <class Kind>
void print_event(std::ostream& os, Kind kind, uint32_t amount, bool is_advance) {
  os << to_string(kind) << ":";
  if (is_advance) {
    print_millis(os, amount);
  } else {
    os << amount;
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Endpoints& e) {
  return os << e.client << ":" << e.client_port << ">" << e.server << ":" << e.server_port;
}

std::ostream& operator<<(std::ostream& os, const TcpEvent& e) {
  print_event(os, e.kind, e.amount, e.kind == TcpEventKind::kAdvance);
  return os;
}
std::ostream& operator<<(std::ostream& os, const UdpEvent& e) {
  print_event(os, e.kind, e.amount, e.kind == UdpEventKind::kAdvance);
  return os;
}
std::ostream& operator<<(std::ostream& os, const IcmpEvent& e) {
  print_event(os, e.kind, e.amount, e.kind == IcmpEventKind::kAdvance);
  return os;
}

std::ostream& operator<<(std::ostream& os, const TcpPlan& p) {
  os << "tcp " << p.endpoints << " " << to_string(p.opening) << " isn=" << p.client_isn << "/"
     << p.server_isn << " wscale=" << unsigned{p.client_wscale} << "/" << unsigned{p.server_wscale}
     << " win=" << p.window << " [";
  for (const TcpEvent& e : p.events) os << ' ' << e;
  return os << " ]" << (p.reuse_after_close ? " reuse" : "");
}

std::ostream& operator<<(std::ostream& os, const UdpPlan& p) {
  os << "udp " << p.endpoints << " [";
  for (const UdpEvent& e : p.events) os << ' ' << e;
  return os << " ]";
}

std::ostream& operator<<(std::ostream& os, const IcmpPlan& p) {
  os << "icmp " << p.endpoints << " [";
  for (const IcmpEvent& e : p.events) os << ' ' << e;
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
