// Invariants checked on one adapter's run of a generated plan, with the
// table dumped after every step:
//   reply-never-new   a packet in the reply direction of a live connection
//                     is never +new (unless it recycles a closing one);
//   nat-round-trip    what leaves is the connection's other tuple reversed:
//                     translating there and back restores the original;
//   timeout           nothing survives its timeout, nothing dies early, and
//                     no timer exceeds the profile's longest timeout;
//   tcp-state-order   a TCP state never moves backwards except as the
//                     profile says (tcp_state_order.h);
//   flush             a flush leaves nothing behind in what it flushed.
#pragma once

#include "properties/property_check.h"
#include "properties/traffic_plan.h"

namespace ctc {

CheckResult check_invariants(const TrafficPlan& plan, const CheckContext& context);

}  // namespace ctc
