// Generated traffic as data: a plan says what happens (a handshake variant,
// data, perturbations, a close, time), and build_scenario() turns it into
// frames with correct sequence numbers. Generators (generators/*.h) produce
// and shrink plans; shrinking a plan keeps it meaningful, which shrinking raw
// frames would not.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "properties/programs.h"
#include "reference/packet/addresses.h"
#include "reference/scenario/scenario.h"

namespace ctc {

struct Endpoints {
  IpAddress client;
  IpAddress server;
  uint16_t client_port = 40000;
  uint16_t server_port = 80;
  friend bool operator==(const Endpoints&, const Endpoints&) = default;
};

enum class TcpOpening : uint8_t {
  kHandshake,         // SYN, SYN-ACK, ACK
  kSynRetransmit,     // SYN, SYN, SYN-ACK, ACK
  kSimultaneousOpen,  // SYN, SYN (crossing), SYN-ACK, SYN-ACK
  kSynOnly,           // SYN and nothing back
  kSynAckFirst,       // a SYN-ACK with no SYN before it
  kMidStream,         // no handshake: data first (pickup)
};

enum class TcpEventKind : uint8_t {
  kClientData,
  kServerData,
  kClientAck,       // pure ACK
  kRetransmit,      // the last segment again
  kOutOfWindow,     // a client segment far outside the window
  kBadAck,          // a client segment acknowledging data never sent
  kServerRst,
  kClientRst,
  kClientFin,
  kServerFin,
  kAdvance,         // time passes: `amount` seconds
};

struct TcpEvent {
  TcpEventKind kind = TcpEventKind::kClientData;
  uint16_t amount = 100;  // payload bytes, or seconds for kAdvance
  friend bool operator==(const TcpEvent&, const TcpEvent&) = default;
};

struct TcpPlan {
  Endpoints endpoints;
  TcpOpening opening = TcpOpening::kHandshake;
  uint32_t client_isn = 1000;
  uint32_t server_isn = 5000;
  uint8_t client_wscale = 0;  // 0: no window-scale option
  uint8_t server_wscale = 0;
  uint16_t window = 65535;
  std::vector<TcpEvent> events;
  bool reuse_after_close = false;  // a new SYN on the same tuple at the end
  friend bool operator==(const TcpPlan&, const TcpPlan&) = default;
};

enum class UdpEventKind : uint8_t { kRequest, kResponse, kAdvance, kIcmpErrorFromServer };
struct UdpEvent {
  UdpEventKind kind = UdpEventKind::kRequest;
  uint16_t amount = 10;  // payload bytes or seconds
  friend bool operator==(const UdpEvent&, const UdpEvent&) = default;
};
struct UdpPlan {
  Endpoints endpoints;
  std::vector<UdpEvent> events;
  friend bool operator==(const UdpPlan&, const UdpPlan&) = default;
};

enum class IcmpEventKind : uint8_t { kRequest, kReply, kAdvance, kUnrelatedError, kCorruptQuote };
struct IcmpEvent {
  IcmpEventKind kind = IcmpEventKind::kRequest;
  uint16_t amount = 1;  // sequence number or seconds
  friend bool operator==(const IcmpEvent&, const IcmpEvent&) = default;
};
struct IcmpPlan {
  Endpoints endpoints;  // ports unused; client_port is the echo identifier
  std::vector<IcmpEvent> events;
  friend bool operator==(const IcmpPlan&, const IcmpPlan&) = default;
};

// Several connections through one pipeline; their packets interleave in the
// order `interleaving` gives (indices into the flows, consumed in turn).
struct TrafficPlan {
  PipelineSpec pipeline;
  std::vector<TcpPlan> tcp;
  std::vector<UdpPlan> udp;
  std::vector<IcmpPlan> icmp;
  std::vector<uint8_t> interleaving;
  friend bool operator==(const TrafficPlan&, const TrafficPlan&) = default;
};

// The scenario: pipeline ports and flows, the frames in interleaved order,
// advances, and a table check at the end. `name` must be one word.
Scenario build_scenario(const TrafficPlan& plan, const std::string& name, const std::string& origin);

std::ostream& operator<<(std::ostream& os, const TcpPlan& p);
std::ostream& operator<<(std::ostream& os, const UdpPlan& p);
std::ostream& operator<<(std::ostream& os, const IcmpPlan& p);
std::ostream& operator<<(std::ostream& os, const TrafficPlan& p);

}  // namespace ctc
