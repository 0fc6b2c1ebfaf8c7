// The built-in engine behind the Adapter interface (adapter id "builtin"):
// our own conntrack and flow datapath, in process, on a virtual clock.
// BuiltinOptions::fault plants one deliberate bug so that the property tests
// can show they catch it; there is none by default.
#pragma once

#include <memory>
#include <optional>

#include "adapters/adapter.h"
#include "adapters/builtin/fast_conntrack.h"

namespace ctc {

using BuiltinFault = builtin::Fault;

struct BuiltinOptions {
  std::optional<BuiltinFault> fault;
};

std::unique_ptr<Adapter> make_builtin_adapter(BuiltinOptions options = {});

}  // namespace ctc
