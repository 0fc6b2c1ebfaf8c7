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
  kRetransmit,      // the last segment again (a duplicate)
  kOutOfWindow,     // a client segment far outside the window
  kBadAck,          // a client segment acknowledging data never sent
  kServerRst,
  kClientRst,
  kClientFin,
  kServerFin,
  kAdvance,         // time passes: `amount` milliseconds
  // Added with the lifecycle generators:
  kServerAck,           // pure ACK from the server
  kReorder,             // the next two segments of this connection leave swapped
  kOldRetransmit,       // the client's first data segment again (old, already acknowledged)
  kServerOutOfWindow,   // a server segment far outside the window
  kWindowUpdate,        // a client pure ACK advertising `amount` (window units)
  kClientSyn,           // a SYN on the tuple mid-life (retransmit, or reuse when closed)
  kIcmpErrorFromPath,   // a router towards the server quotes the last client segment
  kCorruptIcmpError,    // the same, quote corrupted (variant: amount % 3, see CorruptQuote)
};

// How a quoted packet is corrupted (amount % 3 of a corrupt-quote event).
enum class CorruptQuote : uint8_t {
  kSwapped,    // source and destination exchanged: not what the sender sent
  kWrongPort,  // the destination port is off by one: no such connection
  kTruncated,  // only 2 bytes of the L4 header quoted: no ports to look up
};

struct TcpEvent {
  TcpEventKind kind = TcpEventKind::kClientData;
  uint32_t amount = 100;  // payload bytes; milliseconds for kAdvance; see each kind
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

enum class UdpEventKind : uint8_t {
  kRequest,
  kResponse,
  kAdvance,              // `amount` milliseconds
  kIcmpErrorFromServer,  // quotes the last request as the server received it
  kCorruptIcmpError,     // the same, quote corrupted (CorruptQuote: amount % 3)
};
struct UdpEvent {
  UdpEventKind kind = UdpEventKind::kRequest;
  uint32_t amount = 10;  // payload bytes or milliseconds
  friend bool operator==(const UdpEvent&, const UdpEvent&) = default;
};
struct UdpPlan {
  Endpoints endpoints;
  std::vector<UdpEvent> events;
  friend bool operator==(const UdpPlan&, const UdpPlan&) = default;
};

enum class IcmpEventKind : uint8_t {
  kRequest,
  kReply,
  kAdvance,          // `amount` milliseconds
  kUnrelatedError,   // quotes a packet never sent
  kCorruptQuote,     // quotes the last request with source and destination swapped
  kErrorForRequest,  // a router quotes the last request as sent: related
};
struct IcmpEvent {
  IcmpEventKind kind = IcmpEventKind::kRequest;
  uint32_t amount = 1;  // sequence number or milliseconds
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

struct BuildOptions {
  // Each inject step's `source` says the packet in words. Off: empty, which
  // is cheaper (property runs until a case fails).
  bool describe_steps = true;
};

// The scenario: pipeline ports and flows, the frames in interleaved order,
// advances, and a table check at the end. `name` must be one word.
Scenario build_scenario(const TrafficPlan& plan, const std::string& name, const std::string& origin,
                        const BuildOptions& options = {});

// The port a pipeline's inside (opening) side is on, and its outside.
Port inside_port(const PipelineSpec& pipeline);
Port outside_port(const PipelineSpec& pipeline);

const char* to_string(TcpOpening opening);
const char* to_string(TcpEventKind kind);
const char* to_string(UdpEventKind kind);
const char* to_string(IcmpEventKind kind);

std::ostream& operator<<(std::ostream& os, const Endpoints& e);
std::ostream& operator<<(std::ostream& os, const TcpEvent& e);
std::ostream& operator<<(std::ostream& os, const UdpEvent& e);
std::ostream& operator<<(std::ostream& os, const IcmpEvent& e);

std::ostream& operator<<(std::ostream& os, const TcpPlan& p);
std::ostream& operator<<(std::ostream& os, const UdpPlan& p);
std::ostream& operator<<(std::ostream& os, const IcmpPlan& p);
std::ostream& operator<<(std::ostream& os, const TrafficPlan& p);

}  // namespace ctc
