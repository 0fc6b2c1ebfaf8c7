// Process-wide cleanup of what adapters start, for SIGINT and SIGTERM: the
// handler SIGKILLs every registered child process, removes its private
// directory (flat: sockets, FIFOs, logs, no subfolders), then re-raises the
// signal with the disposition it replaced, so that handlers installed by
// other code chain. Normal shutdown does the same work itself and then
// unregisters. Used by the OVS sandbox (two daemons per directory) and the
// ovstest process (one child, restarted on flush).
#pragma once

#include <sys/types.h>

#include <string>

namespace ctc {

inline constexpr int kCleanupPidsPerSlot = 2;

// A slot for `dir`, or -1 when all 64 are taken (then only normal shutdown
// cleans up). Installs the handlers on first use.
int register_cleanup_dir(const std::string& dir);
// `index` < kCleanupPidsPerSlot. A pid of 0 forgets the child: call that
// before reaping it yourself, so the handler never signals a reused pid.
void register_cleanup_pid(int slot, int index, pid_t pid);
void unregister_cleanup_dir(int slot);

}  // namespace ctc
