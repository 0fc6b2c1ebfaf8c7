#include "adapters/registry.h"

#include "adapters/builtin/builtin_adapter.h"
#include "adapters/external/external_adapter.h"
#include "adapters/kernel_ovs/kernel_ovs_adapter.h"
#include "adapters/linux_netfilter/linux_netfilter_adapter.h"
#include "adapters/ovs_conntrack_lib/ovs_conntrack_lib_adapter.h"
#include "adapters/ovs_userspace/ovs_userspace_adapter.h"
#include "adapters/reference/reference_adapter.h"

namespace ctc {
namespace {

struct Entry {
  const char* id;
  const char* description;
  const char* unavailable_reason;  // nullptr: available
};

constexpr Entry kEntries[] = {
    {"reference", "the reference oracle (in process)", nullptr},
    {"builtin", "the built-in fast conntrack engine (in process)", nullptr},
    {"ovs-userspace", "Open vSwitch userspace conntrack (ovs-vswitchd --enable-dummy sandbox)",
     nullptr},
    {"linux-netfilter", "Linux nf_conntrack in network namespaces (root; nftables policy)", nullptr},
    {"kernel-ovs", "kernel Open vSwitch datapath (openvswitch.ko in a qemu VM; scripts/kernel-ovs-image.sh)",
     nullptr},
    {"ovs-conntrack-lib",
     "Open vSwitch's conntrack library through `ovstest test-conntrack pcap` (commit-all program only; scripts/build-ovstest.sh)",
     nullptr},
    {"external", "any program speaking adapters/external/PROTOCOL.md (--external-cmd)", nullptr},
};

}  // namespace

// Why an adapter that is built in cannot run on this machine; empty when it can.
static std::string runtime_unavailable_reason(const std::string& id) {
  if (id == "linux-netfilter") return linux_netfilter_unavailable_reason();
  if (id == "ovs-userspace") return ovs_userspace_unavailable_reason();
  if (id == "kernel-ovs") return kernel_ovs_unavailable_reason().value_or("");
  if (id == "ovs-conntrack-lib") return ovs_conntrack_lib_unavailable_reason();
  return {};
}

std::vector<AdapterInfo> list_adapters() {
  std::vector<AdapterInfo> out;
  for (const Entry& e : kEntries) {
    std::string reason = e.unavailable_reason ? e.unavailable_reason : runtime_unavailable_reason(e.id);
    out.push_back({e.id, e.description, reason.empty(), reason});
  }
  return out;
}

Result<std::unique_ptr<Adapter>> make_adapter(const std::string& id, const AdapterOptions& options) {
  if (id == "reference") return make_reference_adapter();
  if (id == "builtin") return make_builtin_adapter();
  if (id == "external") return make_external_adapter(options);
  if (id == "linux-netfilter") return make_linux_netfilter_adapter(options);
  if (id == "ovs-userspace") return make_ovs_userspace_adapter(options);
  if (id == "kernel-ovs") return make_kernel_ovs_adapter(options);
  if (id == "ovs-conntrack-lib") return make_ovs_conntrack_lib_adapter(options);
  for (const Entry& e : kEntries) {
    if (id == e.id) {
      return Error{ErrorCode::kUnsupported, "adapter '" + id + "' is unavailable: " +
                                                std::string(e.unavailable_reason)};
    }
  }
  std::string known;
  for (const Entry& e : kEntries) known += std::string(known.empty() ? "" : ", ") + e.id;
  return Error{ErrorCode::kNotFound, "unknown adapter '" + id + "' (known: " + known + ")"};
}

}  // namespace ctc
