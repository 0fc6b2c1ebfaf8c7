// Adapter `ovs-conntrack-lib`: Open vSwitch's userspace conntrack library
// (lib/conntrack.c, OVS 3.1.0 from Debian's openvswitch-source) driven through
// OVS's own test program, `ovstest test-conntrack pcap FIFO`
// (ovstest_process.h). A second, much faster way into the same code the
// `ovs-userspace` adapter reaches through ovs-vswitchd, for bulk checks.
//
// What it can run: only the commit-all program (commit_all_program.h), the
// pipeline test-conntrack hard-codes; load() refuses anything else with
// kUnsupported and the reason (a skip). The outputs follow from that program
// (IP frames leave unchanged on the port the in_port maps to, other frames
// are dropped untracked); the classification is what OVS's conntrack says.
//
// - load(): the ovs-userspace profile exactly as defined (test-conntrack
//   cannot change conntrack settings: TCP sequence checking stays on,
//   lib/conntrack.c conntrack_init), the program recognised, then a fresh
//   ovstest process (a few ms): no state survives from the last scenario.
// - inject(): frames that OVS sees as IP go to ovstest, one pcap record each,
//   and the flags printed for it are the classification; IP fragments are an
//   error (frame_dispatch.h says why).
// - advance(): ovstest tracks on the real clock (test-conntrack passes
//   time_msec() as `now`) and cannot be moved, and the runner skips
//   scenarios tagged `timeout`. A scenario may still advance a little: as long
//   as neither clock reaches OVS's shortest default timeout (30 s,
//   lib/conntrack-tp.c ct_dpif_netdev_tp_def) nor the profile's, no
//   connection can expire on either side and the results cannot depend on
//   time. Past that, advance() and inject() fail with kUnsupported.
// - dump_table(): kUnsupported (test-conntrack prints no table).
// - flush(): all zones or zone 0 restart the process; another zone holds
//   nothing (everything is committed in zone 0), so there is nothing to do.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/adapter.h"
#include "adapters/registry.h"

namespace ctc {

// kUnsupported with the reason when ovstest (scripts/build-ovstest.sh) or
// stdbuf is missing. Nothing starts until load().
Result<std::unique_ptr<Adapter>> make_ovs_conntrack_lib_adapter(const AdapterOptions& options);

// Empty when the adapter can run here, otherwise why not (for list_adapters()).
std::string ovs_conntrack_lib_unavailable_reason();

struct OvsConntrackLibDiagnostics {
  std::string ovstest;      // the binary in use
  std::string process_dir;  // empty when no ovstest process runs
  int processes_started = 0;
  uint64_t frames_tracked = 0;  // by the current process
};

// nullopt when `adapter` is not an ovs-conntrack-lib adapter.
std::optional<OvsConntrackLibDiagnostics> ovs_conntrack_lib_diagnostics(const Adapter& adapter);

}  // namespace ctc
