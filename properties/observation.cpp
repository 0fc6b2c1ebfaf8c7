#include "properties/observation.h"


namespace ctc {
namespace {

Error step_error(const Adapter& a, size_t index, const char* what, const Error& e) {
  return Error{e.code, a.id() + ": step " + std::to_string(index + 1) + ": " + what + ": " +
                           e.message};
}

}  // namespace

Result<Observation> observe(Adapter& adapter, const Scenario& scenario,
                            const ObserveOptions& options) {
  const ScenarioSetup setup{scenario.ports, scenario.flows, options.profile};
  if (auto st = adapter.load(setup); !st.ok()) return step_error(adapter, 0, "load", st.error());
  const bool can_dump = adapter.capabilities().table_dump;
  Observation obs;
  obs.steps.reserve(scenario.steps.size());
  for (size_t i = 0; i < scenario.steps.size(); ++i) {
    const Step& step = scenario.steps[i];
    StepRecord rec;
    rec.index = i;
    bool dump = options.dump_every_step;
    if (const auto* inject = std::get_if<InjectStep>(&step)) {
      auto r = adapter.inject(inject->port, inject->frame);
      if (!r.ok()) return step_error(adapter, i, "inject", r.error());
      rec.outputs = std::move(r->outputs);
      rec.classification = r->classification;
    } else if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
      if (auto st = adapter.advance(advance->duration); !st.ok()) {
        return step_error(adapter, i, "advance", st.error());
      }
    } else if (const auto* flush = std::get_if<FlushStep>(&step)) {
      if (auto st = adapter.flush(flush->zone); !st.ok()) {
        return step_error(adapter, i, "flush", st.error());
      }
    } else {
      dump = true;
    }
    if (dump && can_dump) {
      auto table = adapter.dump_table();
      if (!table.ok()) return step_error(adapter, i, "dump", table.error());
      rec.table = std::move(*table);
    }
    obs.steps.push_back(std::move(rec));
  }
  return obs;
}

std::vector<std::string> table_text(const std::vector<ConnectionSnapshot>& table,
                                    bool with_timeout) {
  return table_rows(table, with_timeout);
}

}  // namespace ctc
