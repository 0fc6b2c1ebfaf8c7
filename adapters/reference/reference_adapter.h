// The reference oracle behind the Adapter interface: the flow datapath with
// the reference conntrack, on a virtual clock, in process.
#pragma once

#include <memory>

#include "adapters/adapter.h"

namespace ctc {

std::unique_ptr<Adapter> make_reference_adapter();

}  // namespace ctc
