#include "properties/builtin_faults.h"

#include "adapters/reference/reference_adapter.h"
#include "adapters/registry.h"

#if defined(CTC_HAVE_BUILTIN_ADAPTER)
#include "adapters/builtin/builtin_adapter.h"
#endif

namespace ctc {

const std::vector<FaultInfo>& builtin_faults() {
  static const std::vector<FaultInfo> kFaults = {
      {builtin::Fault::kReplyTupleNotSwapped, "reply-tuple-not-swapped"},
      {builtin::Fault::kNoWindowCheck, "no-window-check"},
      {builtin::Fault::kIcmpErrorsNeverRelated, "icmp-errors-never-related"},
      {builtin::Fault::kTimeoutOffByOneState, "timeout-off-by-one-state"},
      {builtin::Fault::kZoneIgnoredInKey, "zone-ignored-in-key"},
  };
  return kFaults;
}

bool builtin_engine_available() {
#if defined(CTC_HAVE_BUILTIN_ADAPTER)
  return true;
#else
  return false;
#endif
}

Result<std::unique_ptr<Adapter>> make_builtin_engine(std::optional<builtin::Fault> fault) {
#if defined(CTC_HAVE_BUILTIN_ADAPTER)
  return make_builtin_adapter(BuiltinOptions{.fault = fault});
#else
  (void)fault;
  return unsupported("the built-in engine (adapters/builtin) is not part of this build");
#endif
}

DefaultSut make_default_sut() {
  if (auto builtin = make_builtin_engine(); builtin.ok()) return {std::move(*builtin), ""};
  if (auto registered = make_adapter("builtin", AdapterOptions{}); registered.ok()) {
    return {std::move(*registered), ""};
  }
  return {make_reference_adapter(),
          "the built-in engine is not part of this build: properties run against the reference"};
}

}  // namespace ctc
