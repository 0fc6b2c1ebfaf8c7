#include "properties/invariants.h"

#include <algorithm>
#include <sstream>

#include "properties/generators/traffic_gen.h"
#include "properties/observation.h"
#include "properties/tcp_state_order.h"
#include "reference/conntrack/packet_tuple.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/table_format.h"
#include "runner/runner.h"

namespace ctc {
namespace {

using Table = std::vector<ConnectionSnapshot>;

// The same flow, ignoring the ICMP type/code a tuple carries for direction.
bool same_flow(const Tuple& a, const Tuple& b) {
  return a.src == b.src && a.dst == b.dst && a.protocol == b.protocol &&
         a.src_port == b.src_port && a.dst_port == b.dst_port && a.icmp_id == b.icmp_id;
}

Tuple swapped(const Tuple& t) {
  Tuple out = t;
  std::swap(out.src, out.dst);
  std::swap(out.src_port, out.dst_port);
  return out;
}

// How precisely an adapter's dumps give timers. OVS (dpctl/dump-conntrack,
// lib/conntrack.c conn_to_ct_dpif_entry(): (expiration - now) / 1000) and
// ctnetlink report whole seconds, rounded down, so a dumped timer t means a
// true timer in [t, t + 1 s); in-process engines report it exactly. Read off
// the observation: when every dumped timer is a whole number of seconds, they
// are taken as whole seconds (exact timers that happen to be whole still
// satisfy every check made at that resolution).
Duration timer_resolution(const Observation& obs) {
  constexpr Duration kSecond = Duration::seconds(1);
  for (const StepRecord& rec : obs.steps) {
    if (!rec.table) continue;
    for (const ConnectionSnapshot& c : *rec.table) {
      if (c.remaining.ns % kSecond.ns != 0) return Duration{};
    }
  }
  return kSecond;
}

const ConnectionSnapshot* find_by_key(const Table& table, const ConnectionSnapshot& c) {
  for (const ConnectionSnapshot& x : table) {
    if (x.zone == c.zone && x.original == c.original) return &x;
  }
  return nullptr;
}

class InvariantChecker {
 public:
  InvariantChecker(const TrafficPlan& plan, const CheckContext& ctx, const Scenario& scenario)
      : plan_(plan), ctx_(ctx), scenario_(scenario),
        with_time_(ctx.adapter.capabilities().virtual_time) {
    const auto timeouts = gen::timeout_millis(ctx.profile);
    longest_ = Duration::millis(timeouts.empty() ? 0 : timeouts.back());
  }

  CheckResult run() {
    if (!ctx_.adapter.capabilities().table_dump) {
      // Every invariant here reads the conntrack table around each step.
      return PropertyFailure{.skipped = ctx_.adapter.id() + " gives no conntrack table dump"};
    }
    auto obs = observe(ctx_.adapter, scenario_, {.profile = &ctx_.profile, .dump_every_step = true});
    if (!obs.ok()) return fail_harness(obs.error().message);
    resolution_ = timer_resolution(*obs);
    Table before;
    for (const StepRecord& rec : obs->steps) {
      index_ = rec.index;
      if (!rec.table) return std::nullopt;  // no dumps: only what needs none was checked
      const Step& step = scenario_.steps[rec.index];
      CheckResult r;
      if (const auto* inject = std::get_if<InjectStep>(&step)) {
        r = check_inject(*inject, rec, before);
      } else if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
        r = check_advance(advance->duration, before, *rec.table);
      } else if (const auto* flush = std::get_if<FlushStep>(&step)) {
        r = check_flush(*flush, *rec.table);
      }
      if (!r) r = check_timers(*rec.table);
      if (r) return r;
      before = *rec.table;
    }
    return std::nullopt;
  }

 private:
  CheckResult check_inject(const InjectStep& inject, const StepRecord& rec, const Table& before) {
    if (rec.classification && rec.classification->has(CtState::kNew) &&
        rec.classification->has(CtState::kRpl)) {
      return fail("reply-never-new", "never +new and +rpl together",
                  describe_classification(rec.classification));
    }
    auto packet = parse_frame(inject.frame);
    if (!packet.ok()) return std::nullopt;
    const Zone zone = lookup_zone(plan_.pipeline, inject.port);
    Tuple tuple;
    const bool tracked = !packet->is_icmp_error() &&
                         extract_tuple(*packet, ctx_.profile, tuple) == InvalidReason::kNone;
    if (tracked) {
      const TcpHeader* tcp = packet->tcp();
      const bool bare_syn = tcp && tcp->has(tcp_flag::kSyn) && !tcp->has(tcp_flag::kAck);
      if (auto r = check_reply_not_new(rec, before, zone, tuple, bare_syn)) return r;
      if (auto r = check_nat_round_trip(rec, zone, tuple)) return r;
    }
    return check_state_order(before, *rec.table);
  }

  CheckResult check_reply_not_new(const StepRecord& rec, const Table& before, Zone zone,
                                  const Tuple& tuple, bool bare_syn) {
    if (!rec.classification || !rec.classification->has(CtState::kNew)) return std::nullopt;
    const ConnectionSnapshot* as_reply = nullptr;
    for (const ConnectionSnapshot& c : before) {
      if (c.zone != zone) continue;
      if (same_flow(c.original, tuple)) return std::nullopt;  // its own original direction
      if (same_flow(c.reply, tuple)) as_reply = &c;
    }
    if (as_reply == nullptr) return std::nullopt;
    if (as_reply->original.protocol == ip_proto::kTcp) {
      const std::string& state = as_reply->protocol_state;
      // A SYN may recycle a closing connection the other way round.
      if (tcp_state_is_closing(ctx_.profile, state)) return std::nullopt;
      if (bare_syn && tcp_reply_syn_is_new(ctx_.profile, state)) return std::nullopt;
    }
    return fail("reply-never-new",
                "not +new: the reply direction of " + format_connection(*as_reply, {.timeout = false}),
                describe_classification(rec.classification));
  }

  CheckResult check_nat_round_trip(const StepRecord& rec, Zone zone, const Tuple& tuple) {
    if (!rec.classification || rec.classification->has(CtState::kInv)) return std::nullopt;
    const ConnectionSnapshot* conn = nullptr;
    bool original = true;
    for (const ConnectionSnapshot& c : *rec.table) {
      if (c.zone != zone) continue;
      if (same_flow(c.original, tuple)) conn = &c, original = true;
      else if (same_flow(c.reply, tuple)) conn = &c, original = false;
      if (conn != nullptr) break;
    }
    if (conn == nullptr) return std::nullopt;
    // The packet leaves as the other direction's tuple, reversed.
    const Tuple want = swapped(original ? conn->reply : conn->original);
    for (const OutputFrame& f : rec.outputs) {
      if (f.port.value == 3) continue;  // the audit port sees packets as they came
      auto out = parse_frame(f.bytes);
      Tuple got;
      if (!out.ok() || extract_tuple(*out, ctx_.profile, got) != InvalidReason::kNone) continue;
      if (!same_flow(got, want)) {
        return fail("nat-round-trip",
                    "leaves as " + want.to_string() + " (" +
                        format_connection(*conn, {.timeout = false}) + ")",
                    "left as " + got.to_string());
      }
    }
    return std::nullopt;
  }

  CheckResult check_state_order(const Table& before, const Table& after) {
    for (const ConnectionSnapshot& c : after) {
      if (c.original.protocol != ip_proto::kTcp) continue;
      const ConnectionSnapshot* old = find_by_key(before, c);
      if (old && !tcp_state_may_follow(ctx_.profile, old->protocol_state, c.protocol_state)) {
        return fail("tcp-state-order",
                    "from " + old->protocol_state + " only forwards (or a recycle when closing)",
                    old->protocol_state + " -> " + c.protocol_state + ": " +
                        format_connection(c, {.timeout = false}));
      }
    }
    return std::nullopt;
  }

  // A dumped timer t stands for a true timer in [t, t + resolution_) (just t
  // when exact). The checks below fail only when no true timers consistent
  // with the dumps satisfy the rule.
  bool surely_at_most(Duration shown, Duration limit) const {
    return resolution_.ns == 0 ? shown <= limit : shown + resolution_ <= limit;
  }

  CheckResult check_advance(Duration d, const Table& before, const Table& after) {
    for (const ConnectionSnapshot& c : before) {
      const ConnectionSnapshot* now = find_by_key(after, c);
      if (now && surely_at_most(c.remaining, d)) {
        return fail("timeout", "expired: " + format_duration_text(c.remaining) + " left, " +
                                   format_duration_text(d) + " passed",
                    "still there: " + format_connection(*now));
      }
      if (!with_time_) continue;
      if (!now && c.remaining > d) {
        return fail("timeout", "alive until its timeout: " + format_connection(c),
                    "gone after " + format_duration_text(d));
      }
      if (now && !timers_agree(now->remaining, c.remaining - d)) {
        return fail("timeout", "timer down by " + format_duration_text(d) + ": " +
                                   format_connection(c),
                    format_connection(*now));
      }
    }
    for (const ConnectionSnapshot& c : after) {
      if (!find_by_key(before, c)) {
        return fail("timeout", "no connection appears while time passes",
                    format_connection(c));
      }
    }
    return std::nullopt;
  }

  // Could the timer dumped as `shown` be `expected` (itself known only to
  // within the resolution)? Two intervals [x, x + r) overlap.
  bool timers_agree(Duration shown, Duration expected) const {
    if (resolution_.ns == 0) return shown == expected;
    return shown < expected + resolution_ && expected < shown + resolution_;
  }

  CheckResult check_flush(const FlushStep& flush, const Table& after) {
    for (const ConnectionSnapshot& c : after) {
      if (!flush.zone || c.zone == *flush.zone) {
        return fail("flush", "nothing left in what was flushed", format_connection(c));
      }
    }
    return std::nullopt;
  }

  CheckResult check_timers(const Table& table) {
    if (!with_time_) return std::nullopt;
    for (const ConnectionSnapshot& c : table) {
      if (surely_at_most(c.remaining, Duration{}) || c.remaining > longest_) {
        return fail("timeout",
                    "0 < timeout <= " + format_duration_text(longest_) + " (the profile's longest)",
                    format_connection(c));
      }
    }
    return std::nullopt;
  }

  static std::string format_duration_text(Duration d) {
    std::ostringstream os;
    os << d;
    return os.str();
  }

  CheckResult fail(std::string check, std::string expected, std::string observed) {
    PropertyFailure f;
    f.check = std::move(check);
    f.step_index = index_;
    f.step = describe_step(scenario_.steps[index_]);
    f.expected = std::move(expected);
    f.observed = std::move(observed);
    f.scenarios = {scenario_};
    return f;
  }

  CheckResult fail_harness(std::string message) {
    PropertyFailure f;
    f.check = "harness";
    f.harness_error = true;
    f.observed = std::move(message);
    f.scenarios = {scenario_};
    return f;
  }

  const TrafficPlan& plan_;
  const CheckContext& ctx_;
  const Scenario& scenario_;
  bool with_time_;
  Duration longest_;
  Duration resolution_;  // of the dumped timers: 0 exact, else whole seconds
  size_t index_ = 0;
};

}  // namespace

CheckResult check_invariants(const TrafficPlan& plan, const CheckContext& context) {
  const Scenario scenario = build_scenario(plan, context.name, context.origin,
                                           {.describe_steps = context.describe_steps});
  return InvariantChecker(plan, context, scenario).run();
}

}  // namespace ctc
