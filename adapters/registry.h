// Adapter ids used everywhere (CLI, reports, known-divergence list):
// reference, builtin, ovs-userspace, ovs-conntrack-lib, linux-netfilter, kernel-ovs,
// external.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.h"

namespace ctc {

struct AdapterOptions {
  // external: the program to start and its arguments (one string, split on spaces).
  std::string external_command;
  // Longest a single adapter call may take before it counts as a hang.
  Duration call_timeout = Duration::seconds(10);
};

struct AdapterInfo {
  std::string id;
  std::string description;
  bool available = false;  // built into this binary and usable here
  std::string unavailable_reason;
};

std::vector<AdapterInfo> list_adapters();

// An error (kNotFound / kUnsupported) names the id and why it cannot be made.
Result<std::unique_ptr<Adapter>> make_adapter(const std::string& id, const AdapterOptions& options);

}  // namespace ctc
