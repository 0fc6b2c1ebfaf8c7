// Every network namespace the adapter creates is registered here until it
// is deleted, so that SIGINT/SIGTERM and exit() remove what a destructor did
// not get to. Removal in a signal handler uses only async-signal-safe calls:
// it does what `ip netns del` does (lazy unmount of /run/netns/NAME, then
// unlink); the namespace itself dies when the process's fds close.
#pragma once

#include <string>
#include <vector>

namespace ctc::linux_netfilter {

inline constexpr const char* kNetnsRunDir = "/run/netns";

// Installs the SIGINT/SIGTERM handlers and the atexit hook (once). The
// handler removes every registered namespace, then hands the signal on to
// the handler that was there before (or the default action).
void install_netns_cleanup();

// False when the registry is full (64 live namespaces).
bool register_netns(const std::string& name);
void unregister_netns(const std::string& name);
std::vector<std::string> registered_netns();

// Lazy unmount and unlink of /run/netns/NAME; async-signal-safe. Returns
// false when neither succeeded.
bool remove_netns_mount(const char* name);

}  // namespace ctc::linux_netfilter
