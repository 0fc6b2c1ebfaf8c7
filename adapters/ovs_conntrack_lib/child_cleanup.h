// Process-wide cleanup of what this adapter starts, for SIGINT and SIGTERM:
// the handler SIGKILLs every registered ovstest child, removes its private
// directory (flat: the FIFO and the stderr log), then re-raises the signal
// with the disposition it replaced (which may be another adapter's cleanup
// handler, adapters/ovs_userspace/ovs_sandbox.cpp, so handlers chain). Normal
// shutdown does the same through OvstestProcess::stop(). A SIGKILL of the
// harness closes the FIFO's only writer, so ovstest reads end-of-file and
// exits by itself; only its directory (ctconform-ovslib-*) stays behind.
#pragma once

#include <sys/types.h>

#include <string>

namespace ctc::ovs_conntrack_lib {

// A slot for `dir`, or -1 when all are taken (then only normal shutdown
// cleans up). Installs the handlers on first use.
int register_child_dir(const std::string& dir);
void register_child_pid(int slot, pid_t pid);
// Call before reaping the child yourself: the handler then leaves it alone.
void forget_child_pid(int slot);
void unregister_child_dir(int slot);

}  // namespace ctc::ovs_conntrack_lib
