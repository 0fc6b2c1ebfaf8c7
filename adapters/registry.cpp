#include "adapters/registry.h"

#include "adapters/external/external_adapter.h"
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
    {"builtin", "the built-in fast conntrack engine (in process)",
     "not part of this build yet"},
    {"ovs-userspace", "Open vSwitch userspace conntrack (ovs-vswitchd --enable-dummy sandbox)",
     "not part of this build yet"},
    {"linux-netfilter", "Linux nf_conntrack in network namespaces", "not part of this build yet"},
    {"kernel-ovs", "kernel Open vSwitch datapath (openvswitch.ko)", "not part of this build yet"},
    {"external", "any program speaking adapters/external/PROTOCOL.md (--external-cmd)", nullptr},
};

}  // namespace

std::vector<AdapterInfo> list_adapters() {
  std::vector<AdapterInfo> out;
  for (const Entry& e : kEntries) {
    out.push_back({e.id, e.description, e.unavailable_reason == nullptr,
                   e.unavailable_reason ? e.unavailable_reason : ""});
  }
  return out;
}

Result<std::unique_ptr<Adapter>> make_adapter(const std::string& id, const AdapterOptions& options) {
  if (id == "reference") return make_reference_adapter();
  if (id == "external") return make_external_adapter(options);
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
