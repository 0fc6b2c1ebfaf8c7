// The one interface every system under test implements (DESIGN.md
// "Systems under test"), and the reference oracle too. The runner drives an
// Adapter without knowing which system is behind it.
//
// Two kinds of failure, never mixed: a harness problem (daemon would not
// start, EPERM, timeout) is an Error from these calls; a system that answers
// but answers wrongly is a divergence the runner finds by comparing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "reference/common/result.h"
#include "reference/conntrack/conntrack.h"
#include "reference/conntrack/profile.h"
#include "reference/scenario/scenario.h"

namespace ctc {

// What an adapter can do; the runner skips (and reports as skipped) any
// scenario that needs more. Nothing unsupported counts as a pass.
struct Capabilities {
  bool flows = true;           // runs ovs-ofctl flow programs
  bool ipv6 = true;
  bool nat = true;
  bool zones = true;
  bool marks = true;
  bool labels = true;
  bool virtual_time = true;    // advance() is exact; false: real time, timeouts compared loosely
  bool table_dump = true;
  bool classification = true;  // reports the ct_state each injected packet was given
  std::vector<std::string> profiles;  // the profiles whose semantics this system claims
};

struct OutputFrame {
  Port port;
  std::vector<uint8_t> bytes;
  friend bool operator==(const OutputFrame&, const OutputFrame&) = default;
};

struct InjectResult {
  std::vector<OutputFrame> outputs;  // in the order they left
  // The ct_state the pipeline last matched on: what the last recirculating
  // ct(table=T) handed to table T (OVS clears the ct fields after a ct()
  // without table, ofproto-dpif-xlate.c compose_conntrack_action). nullopt
  // when no ct(table=) ran. OVS-family adapters see it through a probe table.
  std::optional<CtState> classification;
  std::string trace;  // human-readable, when the adapter can say what happened
};

struct ScenarioSetup {
  std::vector<PortDecl> ports;
  std::string flows;
  const Profile* profile = nullptr;
  // InjectResult::trace is filled only when asked: building it costs more
  // than tracking the packet, and callers that never show it (fuzzing,
  // property runs) turn it off.
  bool want_trace = true;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  virtual std::string id() const = 0;
  virtual Capabilities capabilities() const = 0;

  // Prepares for one scenario: ports, program and profile; all earlier state
  // (connections, clock) is gone afterwards.
  virtual Status load(const ScenarioSetup& setup) = 0;
  virtual Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) = 0;
  // The same, into a result the caller keeps from packet to packet, so that
  // its vectors' storage is reused: loops that inject millions of frames
  // (fuzz_differential) call this. `out` is overwritten, also on error.
  // Adapters whose inject() is not dominated by a daemon round trip override it.
  virtual Status inject_into(Port port, std::span<const uint8_t> frame, InjectResult& out);
  virtual Status advance(Duration duration) = 0;
  virtual Result<std::vector<ConnectionSnapshot>> dump_table() = 0;
  virtual Status flush(std::optional<Zone> zone) = 0;
  // Releases what the adapter started (daemons, namespaces, VMs). Idempotent.
  virtual void shutdown() {}

 protected:
  // inject() for an adapter that implements inject_into().
  Result<InjectResult> inject_through_into(Port port, std::span<const uint8_t> frame) {
    InjectResult out;
    if (Status s = inject_into(port, frame, out); !s.ok()) return s.error();
    return out;
  }
};

inline Status Adapter::inject_into(Port port, std::span<const uint8_t> frame, InjectResult& out) {
  Result<InjectResult> r = inject(port, frame);
  if (!r.ok()) {
    out = InjectResult{};
    return r.error();
  }
  out = std::move(r).value();
  return ok_status();
}

}  // namespace ctc
