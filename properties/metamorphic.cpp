#include "properties/metamorphic.h"

#include <sstream>

#include "properties/generators/traffic_gen.h"
#include "properties/observation.h"
#include "runner/runner.h"

namespace ctc {
namespace {

struct Mismatch {
  std::string aspect;
  std::string expected;
  std::string observed;
};

// `want` is what the relation predicts (already renamed); `got` what the
// adapter did.
std::optional<Mismatch> compare_records(const StepRecord& want, const StepRecord& got,
                                        bool with_timeout) {
  if (want.outputs != got.outputs) {
    return Mismatch{"outputs", describe_outputs(want.outputs, false),
                    describe_outputs(got.outputs, false)};
  }
  if (want.classification != got.classification) {
    return Mismatch{"classification", describe_classification(want.classification),
                    describe_classification(got.classification)};
  }
  if (want.table && got.table) {
    auto a = table_text(*want.table, with_timeout), b = table_text(*got.table, with_timeout);
    if (a != b) return Mismatch{"table", describe_table(a), describe_table(b)};
  }
  return std::nullopt;
}

StepRecord relabel(const StepRecord& rec, const Relabeling& r) {
  StepRecord out = rec;
  for (OutputFrame& f : out.outputs) f = r.output(f);
  if (out.table) {
    for (ConnectionSnapshot& c : *out.table) c = r.row(c);
  }
  return out;
}

bool in_unrelated_pool(const IpAddress& a) {
  constexpr gen::AddressPool p = gen::kUnrelatedPool;
  if (a.is_v4()) {
    return (a.bytes[0] == 10 && a.bytes[1] == p.v4_client_net) ||
           (a.bytes[0] == 172 && a.bytes[1] == p.v4_server_net);
  }
  return a.bytes[0] == 0xfd && (a.bytes[3] == p.v6_client_net || a.bytes[3] == p.v6_server_net);
}

class RelationCheck {
 public:
  RelationCheck(const MetamorphicCase& c, const CheckContext& ctx)
      : case_(c), ctx_(ctx), with_timeout_(ctx.adapter.capabilities().virtual_time),
        base_(build_scenario(c.plan, ctx.name, ctx.origin, {.describe_steps = ctx.describe_steps})) {}

  CheckResult run() {
    switch (case_.relation) {
      case Relation::kRenumbering: return relabeled(renumbering(), "renumbered");
      case Relation::kMirror: return relabeled(mirror_relabeling(case_.plan.pipeline), "mirrored");
      case Relation::kFlushReplay: return flush_replay();
      case Relation::kUnrelatedTraffic: return unrelated();
    }
    return std::nullopt;
  }

 private:
  // Where NAT must pick a port on a collision, which port it picks is the
  // implementation's choice (a search from the original port, or a hash):
  // renaming ports could change it without anything being wrong. NAT
  // pipelines are renumbered in addresses and zones only.
  Relabeling renumbering() const {
    Relabeling r = case_.relabeling;
    if (has_nat(case_.plan.pipeline)) {
      r.high_port_xor = 0;
      r.service_xor = 0;
    }
    return r;
  }

  Result<Observation> run_on(const Scenario& s) {
    return observe(ctx_.adapter, s, {.profile = &ctx_.profile});
  }

  CheckResult relabeled(const Relabeling& r, const std::string& suffix) {
    Scenario other = r.scenario(base_, r.pipeline(case_.plan.pipeline));
    other.name = base_.name + "-" + suffix;
    other.description = "the " + suffix + " twin of " + base_.name + " (" + to_string(case_.relation) +
                        " relation, " + describe_relabeling(r) + ")";
    auto a = run_on(base_);
    if (!a.ok()) return harness(a.error(), {base_});
    auto b = run_on(other);
    if (!b.ok()) return harness(b.error(), {base_, other});
    for (size_t i = 0; i < base_.steps.size(); ++i) {
      if (auto m = compare_records(relabel(a->steps[i], r), b->steps[i], with_timeout_)) {
        return failure(*m, i, other, {base_, other});
      }
    }
    return std::nullopt;
  }

  CheckResult flush_replay() {
    Scenario s = base_;
    s.name = base_.name + "-flush-replay";
    const size_t n = base_.steps.size();
    const std::optional<Zone> zone =
        case_.flush_zone_only ? std::optional<Zone>(commit_zone(case_.plan.pipeline)) : std::nullopt;
    s.steps.push_back(FlushStep{zone});
    s.steps.push_back(CheckTableStep{});
    for (size_t i = 0; i < n; ++i) s.steps.push_back(base_.steps[i]);
    s.description = "flush-replay relation: steps " + std::to_string(n + 3) + "-" +
                    std::to_string(2 * n + 2) + " repeat steps 1-" + std::to_string(n) +
                    " after a flush";
    auto obs = run_on(s);
    if (!obs.ok()) return harness(obs.error(), {s});
    // After flushing the only zone the pipeline commits in, nothing is left.
    if (const auto& t = obs->steps[n + 1].table; t && !t->empty()) {
      return failure({"table", "(empty table) after the flush\n",
                      describe_table(table_text(*t, with_timeout_))},
                     n + 1, s, {s});
    }
    for (size_t i = 0; i < n; ++i) {
      if (auto m = compare_records(obs->steps[i], obs->steps[n + 2 + i], with_timeout_)) {
        return failure(*m, n + 2 + i, s, {s});
      }
    }
    return std::nullopt;
  }

  CheckResult unrelated() {
    TrafficPlan other_plan = case_.unrelated;
    other_plan.pipeline = case_.plan.pipeline;
    const Scenario other = build_scenario(other_plan, "unrelated", ctx_.origin,
                                          {.describe_steps = ctx_.describe_steps});
    // Merge: the base's steps keep their order, its final check stays last.
    Scenario merged = base_;
    merged.name = base_.name + "-with-unrelated";
    merged.description = "unrelated-traffic relation: " + base_.name +
                         " with traffic between other hosts interleaved";
    merged.steps.clear();
    std::vector<size_t> base_at;  // merged index of each base step
    const size_t base_n = base_.steps.size() - 1, other_n = other.steps.size() - 1;
    size_t bi = 0, oi = 0;
    auto take_base = [&] {
      base_at.push_back(merged.steps.size());
      merged.steps.push_back(base_.steps[bi++]);
    };
    for (bool pick_other : case_.merge) {
      if (pick_other && oi < other_n) {
        merged.steps.push_back(other.steps[oi++]);
      } else if (!pick_other && bi < base_n) {
        take_base();
      }
    }
    while (bi < base_n) take_base();
    while (oi < other_n) merged.steps.push_back(other.steps[oi++]);
    take_base();  // the final check
    for (const std::string& f : other.features) {
      if (!merged.has_feature(f)) merged.features.push_back(f);
    }

    auto a = run_on(base_);
    if (!a.ok()) return harness(a.error(), {base_});
    auto b = run_on(merged);
    if (!b.ok()) return harness(b.error(), {base_, merged});
    for (size_t i = 0; i < base_.steps.size(); ++i) {
      StepRecord got = b->steps[base_at[i]];
      if (got.table) std::erase_if(*got.table, [](const ConnectionSnapshot& c) {
        return in_unrelated_pool(c.original.src) || in_unrelated_pool(c.original.dst);
      });
      if (auto m = compare_records(a->steps[i], got, with_timeout_)) {
        return failure(*m, base_at[i], merged, {merged, base_});
      }
    }
    return std::nullopt;
  }

  static std::string describe_relabeling(const Relabeling& r) {
    std::ostringstream os;
    os << r;
    return os.str();
  }

  CheckResult failure(const Mismatch& m, size_t index, const Scenario& where,
                      std::vector<Scenario> scenarios) {
    PropertyFailure f;
    f.check = to_string(case_.relation);
    f.step_index = index;
    f.step = describe_step(where.steps[index]) + " [" + where.name + "], " + m.aspect;
    f.expected = m.expected;
    f.observed = m.observed;
    f.scenarios = std::move(scenarios);
    return f;
  }

  CheckResult harness(const Error& e, std::vector<Scenario> scenarios) {
    PropertyFailure f;
    f.check = "harness";
    f.harness_error = true;
    f.observed = e.message;
    f.scenarios = std::move(scenarios);
    return f;
  }

  const MetamorphicCase& case_;
  const CheckContext& ctx_;
  bool with_timeout_;
  Scenario base_;
};

}  // namespace

const char* to_string(Relation relation) {
  switch (relation) {
    case Relation::kRenumbering: return "renumbering";
    case Relation::kMirror: return "mirror";
    case Relation::kFlushReplay: return "flush-replay";
    case Relation::kUnrelatedTraffic: return "unrelated-traffic";
  }
  return "?";
}

CheckResult check_metamorphic(const MetamorphicCase& c, const CheckContext& context) {
  return RelationCheck(c, context).run();
}

std::ostream& operator<<(std::ostream& os, const MetamorphicCase& c) {
  os << to_string(c.relation);
  switch (c.relation) {
    case Relation::kRenumbering: os << " " << c.relabeling; break;
    case Relation::kMirror: os << " " << mirror_relabeling(c.plan.pipeline); break;
    case Relation::kFlushReplay: os << (c.flush_zone_only ? " (flush zone)" : " (flush all)"); break;
    case Relation::kUnrelatedTraffic: break;
  }
  os << "\n" << c.plan;
  if (c.relation == Relation::kUnrelatedTraffic) {
    os << "\n  unrelated:";
    for (const auto& t : c.unrelated.tcp) os << "\n    " << t;
    for (const auto& u : c.unrelated.udp) os << "\n    " << u;
    for (const auto& i : c.unrelated.icmp) os << "\n    " << i;
    os << "\n  merge:";
    for (bool b : c.merge) os << (b ? " u" : " b");
  }
  return os;
}

}  // namespace ctc
