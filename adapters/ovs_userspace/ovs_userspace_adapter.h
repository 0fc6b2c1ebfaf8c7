// Adapter `ovs-userspace`: a real ovs-vswitchd (Open vSwitch 3.1, userspace
// datapath on dummy ports) in a private sandbox (ovs_sandbox.h).
//
// - load(): the first call starts the sandbox (~0.1 s), later calls reuse it
//   (~20 ms): flows replaced (ovs-ofctl replace-flows), datapath flow cache
//   purged (revalidator/purge), conntrack flushed, MAC learning flushed
//   (fdb/flush), TCP sequence checking set from the profile, missing ports
//   added. Not reset: fragments waiting for reassembly (lib/ipf.c has no
//   flush command; they expire with time). After a daemon crash or hang the
//   next load() starts a fresh sandbox.
// - inject(): the frame goes in followed by a marker frame (OvsInjectPath
//   says how); the outputs are the frames each scenario port's stream socket
//   received before its copy of the marker (ovs_probe.h). Within one port the
//   order is the order OVS sent them; across ports it is the order they were
//   read, which OVS does not tie to the order of the output actions (each
//   dummy stream sends one queued frame per main-loop pass). A frame that
//   makes OVS queue more than 99 frames on one port loses the marker there
//   (netdev-dummy drops past 100) and the call times out.
// - classification: through the probe tables of ovs_probe.h.
// - advance(): `time/warp` on a clock stopped with `time/stop` at the first
//   load; whole milliseconds, the remainder carried to the next call.
// - dump_table()/flush(): `dpctl/dump-conntrack -m -s` (ovs_dump_parser.h) and
//   `dpctl/flush-conntrack [zone=N]`, over one persistent unixctl connection.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/adapter.h"
#include "adapters/registry.h"

namespace ctc {

// How inject() hands the frame and its marker to OVS. Outputs are read from
// the port stream sockets either way.
enum class OvsInjectPath {
  // One `netdev-dummy/receive PORT FRAME MARKER` call on the control
  // connection: both frames are queued at once. OVS reads a stream socket one
  // frame (in two reads: length, then body) per main-loop pass, so this path
  // saves main-loop passes (3 per packet instead of ~4-5): measured 10-30%
  // less ovs-vswitchd CPU per packet and usually a higher rate.
  kUnixctlReceive,
  // Frame and marker written to the port's own stream socket (DIR/pN.sock).
  kPortStream,
};

struct OvsUserspaceTuning {
  OvsInjectPath inject = OvsInjectPath::kUnixctlReceive;
};

// kNotFound with the missing programs when Open vSwitch is not installed.
// Nothing is started until the first load().
Result<std::unique_ptr<Adapter>> make_ovs_userspace_adapter(const AdapterOptions& options);
Result<std::unique_ptr<Adapter>> make_ovs_userspace_adapter(const AdapterOptions& options,
                                                            OvsUserspaceTuning tuning);

// Empty when the adapter can run here, otherwise why not (for list_adapters()).
std::string ovs_userspace_unavailable_reason();

// What the adapter measured about itself, for tests and benchmarks.
struct OvsUserspaceDiagnostics {
  std::string sandbox_dir;  // empty when no sandbox is running
  int sandboxes_started = 0;
  Duration last_load;  // wall-clock time of the last load()
  bool last_load_started_sandbox = false;
};

// nullopt when `adapter` is not an ovs-userspace adapter.
std::optional<OvsUserspaceDiagnostics> ovs_userspace_diagnostics(const Adapter& adapter);

}  // namespace ctc
