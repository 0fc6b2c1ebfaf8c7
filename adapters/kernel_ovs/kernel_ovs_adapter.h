// Adapter `kernel-ovs`: the real Linux openvswitch.ko datapath with ct() on
// nf_conntrack, driven by ovs-vswitchd 3.1 (Debian 12), profile "linux".
//
// Modes ($CTCONFORM_KERNEL_OVS_MODE):
// - vm (the default): a qemu VM (qemu_vm.h) booting the image that
//   scripts/kernel-ovs-image.sh builds: Debian's 6.1 kernel and modules,
//   Open vSwitch, and our agent (agent_main.cpp), which owns one veth pair
//   per OpenFlow port and answers the line protocol of agent_protocol.h.
//   Without the image make_kernel_ovs_adapter() returns kNotFound telling the
//   user to run that script.
// - native: the host's own openvswitch.ko. Not implemented: it would share
//   the host's conntrack table and datapath with whatever else runs there.
//   Always an error (kUnsupported), which says whether the host could load
//   the module at all.
//
// Behaviour:
// - load(): the first call boots the VM (about 4-10 s under TCG), later
//   calls reuse it: the ports are reconciled, the flows replaced, conntrack
//   flushed, MAC learning flushed, and the sysctls of the profile set
//   (nf_conntrack_tcp_be_liberal, nf_conntrack_tcp_loose,
//   nf_conntrack_checksum). Timeouts stay at the kernel's defaults, which
//   the linux profile models. After a harness failure the next load()
//   reboots the VM.
// - inject(): the frame goes out of the agent's end of the port's veth pair;
//   outputs are the frames the other ports' ends received before the
//   barrier (agent_protocol.h explains why that takes marker rounds).
// - classification: the probe tables of ovs_probe.h, shared with
//   ovs-userspace, plus the "pre" copies of the barrier.
// - advance(): real time (the host sleeps): virtual_time is false.
// - dump_table()/flush(): `ovs-appctl dpctl/dump-conntrack -m -s`
//   (kernel_ovs_dump.h) and `dpctl/flush-conntrack [zone=N]`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/adapter.h"
#include "adapters/registry.h"

namespace ctc {

Result<std::unique_ptr<Adapter>> make_kernel_ovs_adapter(const AdapterOptions& options);

// Why the adapter cannot be made here (missing image or qemu), or nullopt
// when it can. Cheap: starts nothing.
std::optional<std::string> kernel_ovs_unavailable_reason();

// What the adapter measured about itself, for tests and benchmarks.
struct KernelOvsDiagnostics {
  bool vm_running = false;
  int qemu_pid = 0;  // 0 when no VM
  int vms_booted = 0;
  Duration last_boot_wall;     // starting qemu to the agent's READY
  Duration last_boot_guest;    // the guest's uptime at READY
  std::string kernel_release;  // of the VM
  int last_inject_rounds = 0;  // marker rounds of the last inject()
};

// nullopt when `adapter` is not a kernel-ovs adapter.
std::optional<KernelOvsDiagnostics> kernel_ovs_diagnostics(const Adapter& adapter);

}  // namespace ctc
