#include "properties/prop_runner.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <sstream>

#include "properties/generators/case_gen.h"
#include "properties/generators/traffic_gen.h"
#include "properties/invariants.h"
#include "properties/metamorphic.h"
#include "properties/observation.h"
#include "runner/difference_match.h"
#include "runner/scenario_loader.h"

namespace ctc {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

template <class T>
std::string text_of(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

// One property: how to generate case `index`, how to check a case, and how
// many scenario runs one check costs.
template <class Case>
struct PropertyDef {
  PropertyKind kind;
  std::function<rc::Gen<Case>(int index)> generator;
  // `describe`: the scenarios' steps in words (only for what gets shown).
  std::function<CheckResult(const Case&, const std::string& name, const std::string& origin,
                            bool describe)>
      check;
  int executions_per_check = 1;
};

// What shrinking keeps: a smaller case that fails the same way (a property
// failure stays a property failure; a harness error stays one).
bool same_kind(const PropertyFailure& a, const PropertyFailure& b) {
  return a.harness_error == b.harness_error && a.check == b.check;
}

// Only known: a divergence a known-divergence entry explains.
bool is_known(const CheckResult& r) { return r && !r->known.empty(); }

void count_known(PropOutcome& out, const PropertyFailure& f, int case_index) {
  auto it = std::find_if(out.known_entries.begin(), out.known_entries.end(),
                         [&](const KnownTally& t) { return t.id == f.known; });
  if (it == out.known_entries.end()) {
    out.known_entries.push_back(
        {.id = f.known, .first_case = case_index, .first_detail = f.observed});
    it = std::prev(out.known_entries.end());
  }
  ++it->cases;
  ++out.known;
}

template <class Case>
PropOutcome drive(const PropertyDef<Case>& def, const PropOptions& o, const PropTarget& target) {
  PropOutcome out;
  out.property = def.kind;
  const auto start = Clock::now();
  const std::string prop = to_string(def.kind);
  for (int i = 0; i < o.count; ++i) {
    // One seed per case so that any case reproduces alone.
    const uint64_t case_seed = o.seed * 1'000'003ull + static_cast<uint64_t>(i);
    const int size = o.count <= 1 ? o.max_size : i * o.max_size / (o.count - 1);
    rc::Shrinkable<Case> current = def.generator(i)(rc::Random(case_seed), size);
    const std::string name = "prop-" + prop + "-" + std::to_string(o.seed) + "-" + std::to_string(i);
    const std::string origin =
        "prop " + prop + " seed=" + std::to_string(o.seed) + " case=" + std::to_string(i);
    CheckResult failure = def.check(current.value(), name, origin, false);
    out.executions += def.executions_per_check;
    ++out.scenarios_run;
    if (failure && !failure->skipped.empty()) {
      if (out.skipped++ == 0) out.skip_reason = failure->skipped;
      continue;
    }
    if (is_known(failure)) {
      count_known(out, *failure, i);
      continue;
    }
    if (!failure) continue;

    out.seconds_to_find = since(start);
    out.failing_case = i;
    out.failing_case_seed = case_seed;
    // Shrink: take the first smaller case that still fails the same way,
    // until none does. A candidate that is only a known divergence does not
    // fail: shrinking never walks from a real failure into a known one.
    bool progressed = true;
    while (progressed && out.shrink_steps < o.max_shrink_steps) {
      progressed = false;
      auto shrinks = current.shrinks();
      while (auto candidate = shrinks.next()) {
        if (++out.shrink_steps >= o.max_shrink_steps) break;
        CheckResult again = def.check(candidate->value(), name, origin, false);
        out.executions += def.executions_per_check;
        if (again && again->skipped.empty() && !is_known(again) && same_kind(*again, *failure)) {
          current = *candidate;
          failure = std::move(again);
          progressed = true;
          break;
        }
      }
    }
    // Once more under the final name, so that the saved scenarios carry it.
    CheckResult named = def.check(current.value(), name + "-min", origin + " (shrunk)", true);
    if (named && named->skipped.empty() && !is_known(named)) failure = std::move(named);
    out.case_text = text_of(current.value());
    const std::string header = "minimal counterexample (" + prop + ": " + failure->check +
                               ", reproduce: --property " + prop + " --seed " +
                               std::to_string(o.seed) + " --count " + std::to_string(o.count) +
                               " --max-size " + std::to_string(o.max_size) + "): ";
    if (!failure->scenarios.empty()) {
      Scenario& first = failure->scenarios.front();
      first.description = one_line(header + (first.description.empty() ? "" : first.description + "; ") +
                                   out.case_text);
      out.minimal = first;
    }
    if (!o.save_dir.empty()) {
      for (const Scenario& s : failure->scenarios) {
        auto saved = save_scenario(s, o.save_dir);
        if (!saved.ok()) continue;
        SavedScenario entry{*saved, ""};
        if (target.reference != nullptr && target.sut != nullptr && target.profile != nullptr) {
          Runner runner(*target.reference, *target.sut, {.profile = target.profile});
          const ScenarioVerdict v = runner.run_one(s);
          entry.replay = to_string(v.kind);
          if (v.divergence) {
            entry.replay += " at step " + std::to_string(v.divergence->step_index + 1) + " (" +
                            v.divergence->aspect + ")";
          }
        }
        out.saved.push_back(std::move(entry));
      }
    }
    out.verdict = failure->verdict;
    out.failure = std::move(failure);
    break;
  }
  out.seconds = since(start);
  return out;
}

// The pipelines generated for `sut`: NAT port ranges of several ports only
// where the system picks the port as the oracle does (PipelineShape), which
// our own engines do and real systems do not.
gen::PipelineShape pipeline_shape_for(const Adapter& sut) {
  const std::string id = sut.id();
  return {.multi_port_nat_ranges = id == "builtin" || id == "reference",
          .commit_all_only = id == "ovs-conntrack-lib"};
}

bool is_failure(const ScenarioVerdict& v) {
  return v.kind == VerdictKind::kDiverge || v.kind == VerdictKind::kError;
}

// What the differential property runs on: the runner (both adapters in lock
// step) and, to recognise known divergences by their symptom, the adapters
// themselves with the entries that describe one for this adapter and profile.
struct Differential {
  Runner& runner;
  const Profile& profile;
  Adapter* reference = nullptr;  // null (with sut): no known-divergence matching
  Adapter* sut = nullptr;
  std::vector<const KnownDivergence*> known;
};

// One side once more with every step observed (the runner stops at the first
// difference), as the runner compares it: tables at `check` steps and at the end.
Result<RunRecord> record_run(Adapter& adapter, const Scenario& scenario, const Profile& profile,
                             bool tables) {
  auto observation = observe(adapter, scenario, {.profile = &profile});
  if (!observation.ok()) return observation.error();
  RunRecord record;
  for (StepRecord& step : observation->steps) {
    record.push_back({.outputs = std::move(step.outputs),
                      .classification = step.classification,
                      .table = tables ? std::move(step.table) : std::nullopt});
  }
  RecordedStep end;
  if (tables) {
    auto table = adapter.dump_table();
    if (!table.ok()) return table.error();
    end.table = std::move(*table);
  }
  record.push_back(std::move(end));
  return record;
}

struct KnownCheck {
  std::string ids;     // set: the entries whose symptom explains every difference
  std::string detail;  // what explains it, or why nothing does
};

// The case is run again on both sides and each symptom judges all of it. The
// re-run must diverge where the runner's run did (same step, same aspect): a
// divergence that does not come back is not declared known. Entries sharing
// a symptom cannot be told apart by it: the case names them all ("a or b").
KnownCheck check_known(const Differential& d, const Scenario& scenario, const Divergence& found) {
  KnownCheck out;
  if (d.known.empty() || d.reference == nullptr || d.sut == nullptr) return out;
  const Capabilities caps = d.sut->capabilities();
  const CompareScope scope{.classification = caps.classification,
                           .tables = caps.table_dump,
                           .exact_time = caps.virtual_time};
  auto ref = record_run(*d.reference, scenario, d.profile, scope.tables);
  auto sut = record_run(*d.sut, scenario, d.profile, scope.tables);
  if (!ref.ok() || !sut.ok()) {
    out.detail = "the re-run to check known divergences failed: " +
                 (ref.ok() ? sut.error() : ref.error()).message;
    return out;
  }
  std::vector<DifferenceKind> judged;
  for (const KnownDivergence* k : d.known) {
    const DifferenceKind kind = *k->difference;
    if (std::find(judged.begin(), judged.end(), kind) != judged.end()) continue;
    judged.push_back(kind);
    const DifferenceExplanation e = explain_difference(kind, scenario, *ref, *sut, scope);
    const bool same_place = e.first_step == found.step_index && e.first_aspect == found.aspect;
    if (e.explained && same_place) {
      for (const KnownDivergence* other : d.known) {
        if (other->difference == kind) out.ids += (out.ids.empty() ? "" : " or ") + other->id;
      }
      out.detail = e.detail;
      return out;
    }
    out.detail += std::string(out.detail.empty() ? "" : "; ") + to_string(kind) +
                  " does not explain it: " +
                  (e.explained ? "the re-run diverged elsewhere" : e.detail);
  }
  return out;
}

CheckResult differential_check(const Differential& d, const TrafficPlan& plan,
                               const std::string& name, const std::string& origin, bool describe) {
  Scenario scenario = build_scenario(plan, name, origin, {.describe_steps = describe});
  ScenarioVerdict v = d.runner.run_one(scenario);
  if (v.kind == VerdictKind::kSkip) return PropertyFailure{.skipped = v.reason};
  if (!is_failure(v)) return std::nullopt;
  PropertyFailure f;
  f.check = "differential";
  f.harness_error = v.kind == VerdictKind::kError;
  if (v.divergence) {
    f.step_index = v.divergence->step_index;
    f.step = v.divergence->step + ", " + v.divergence->aspect;
    f.expected = "as the reference:\n" + v.divergence->expected;
    f.observed = v.divergence->observed;
    if (v.kind == VerdictKind::kDiverge) {
      KnownCheck known = check_known(d, scenario, *v.divergence);
      if (!known.ids.empty()) {
        f.known = known.ids;
        f.observed = known.detail;
      } else if (!known.detail.empty()) {
        if (!f.observed.empty() && f.observed.back() != '\n') f.observed += "\n";
        f.observed += "(not a known divergence: " + known.detail + ")\n";
      }
    }
  } else {
    f.observed = v.reason;
  }
  f.scenarios = {std::move(scenario)};
  f.verdict = std::move(v);
  return f;
}

PropertyDef<TrafficPlan> differential_def(const Differential& d, gen::PipelineShape shape) {
  return {PropertyKind::kDifferential,
          [&profile = d.profile, shape](int) { return gen::traffic_plan(profile, shape); },
          [&d](const TrafficPlan& plan, const std::string& name, const std::string& origin,
               bool describe) { return differential_check(d, plan, name, origin, describe); },
          2};
}

}  // namespace

const char* to_string(PropertyKind kind) {
  switch (kind) {
    case PropertyKind::kDifferential: return "differential";
    case PropertyKind::kMetamorphic: return "metamorphic";
    case PropertyKind::kInvariants: return "invariants";
  }
  return "?";
}

Result<std::vector<PropertyKind>> parse_properties(std::string_view text) {
  if (text == "all") return std::vector<PropertyKind>(std::begin(kAllProperties), std::end(kAllProperties));
  std::vector<PropertyKind> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view word = text.substr(0, comma);
    bool found = false;
    for (PropertyKind k : kAllProperties) {
      if (word == to_string(k)) {
        out.push_back(k);
        found = true;
      }
    }
    if (!found) {
      return invalid_argument("unknown property '" + std::string(word) +
                              "' (differential, metamorphic, invariants or all)");
    }
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (out.empty()) return invalid_argument("no property named");
  return out;
}

PropOutcome run_property(PropertyKind kind, const PropTarget& target, const PropOptions& options) {
  const Profile& profile = *target.profile;
  Adapter& sut = *target.sut;
  const gen::PipelineShape shape = pipeline_shape_for(sut);
  switch (kind) {
    case PropertyKind::kDifferential: {
      Runner runner(*target.reference, sut, {.profile = &profile});
      Differential d{
          .runner = runner, .profile = profile, .reference = target.reference, .sut = &sut};
      if (options.known != nullptr) {
        d.known = options.known->with_difference(sut.id(), profile.name);
      }
      return drive(differential_def(d, shape), options, target);
    }
    case PropertyKind::kMetamorphic: {
      PropertyDef<MetamorphicCase> def{
          kind,
          [&profile, shape](int index) {
            constexpr int kRelations = sizeof(kAllRelations) / sizeof(kAllRelations[0]);
            return gen::metamorphic_case(kAllRelations[index % kRelations], profile, shape);
          },
          [&](const MetamorphicCase& c, const std::string& name, const std::string& origin,
              bool describe) { return check_metamorphic(c, {sut, profile, name, origin, describe}); },
          2};
      return drive(def, options, target);
    }
    case PropertyKind::kInvariants: {
      PropertyDef<TrafficPlan> def{
          kind, [&profile, shape](int) { return gen::traffic_plan(profile, shape); },
          [&](const TrafficPlan& plan, const std::string& name, const std::string& origin,
              bool describe) { return check_invariants(plan, {sut, profile, name, origin, describe}); },
          1};
      return drive(def, options, target);
    }
  }
  return {};
}

PropOutcome run_differential_property(Runner& runner, const PropOptions& options) {
  const Differential d{.runner = runner, .profile = linux_profile()};
  return drive(differential_def(d, gen::PipelineShape{}), options, PropTarget{});
}

}  // namespace ctc
