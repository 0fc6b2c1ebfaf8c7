#include <iostream>

#include "cli/commands.h"
#include "reference/packet/packet_parser.h"
#include "reference/scenario/table_format.h"
#include "runner/runner.h"
#include "runner/scenario_loader.h"

namespace ctc {
namespace {

void show_inject(const std::string& who, const Result<InjectResult>& r) {
  std::cout << "  [" << who << "]";
  if (!r.ok()) {
    std::cout << " error: " << r.error().message << "\n";
    return;
  }
  std::cout << " ct_state="
            << (r->classification ? (r->classification->bits() ? r->classification->to_string()
                                                                : std::string("(untracked)"))
                                  : std::string("(not visible)"))
            << "\n";
  if (r->outputs.empty()) std::cout << "    dropped\n";
  for (const OutputFrame& f : r->outputs) {
    std::cout << "    -> port " << f.port.value << ": ";
    if (auto p = parse_frame(f.bytes); p.ok()) {
      std::cout << *p << "\n";
    } else {
      std::cout << "(unparsable)\n";
    }
  }
  if (!r->trace.empty()) {
    std::cout << "    trace:\n";
    size_t start = 0;
    while (start < r->trace.size()) {
      size_t end = r->trace.find('\n', start);
      if (end == std::string::npos) end = r->trace.size();
      std::cout << "      " << r->trace.substr(start, end - start) << "\n";
      start = end + 1;
    }
  }
}

void show_table(const std::string& who, Adapter& a) {
  auto table = a.dump_table();
  std::cout << "  [" << who << "] table:";
  if (!table.ok()) {
    std::cout << " error: " << table.error().message << "\n";
    return;
  }
  if (table->empty()) std::cout << " (empty)";
  std::cout << "\n";
  for (const ConnectionSnapshot& c : *table) std::cout << "    " << format_connection(c) << "\n";
}

}  // namespace

int explain_command(const RunCommandOptions& o) {
  const Profile* profile = find_profile(o.profile);
  if (profile == nullptr) {
    std::cerr << "ctconform: unknown profile '" << o.profile << "'\n";
    return kExitUsage;
  }
  auto scenario = load_scenario(o.suite);
  if (!scenario.ok()) {
    std::cerr << "ctconform: " << scenario.error().message << "\n";
    return kExitUsage;
  }
  auto ref = make_adapter("reference", o.adapter_options);
  auto sut = make_adapter(o.adapter, o.adapter_options);
  if (!ref.ok() || !sut.ok()) {
    std::cerr << "ctconform: " << (ref.ok() ? sut.error() : ref.error()).message << "\n";
    return kExitUsage;
  }
  Adapter& r = **ref;
  Adapter& s = **sut;
  const std::string sut_name = s.id();
  const ScenarioSetup setup{scenario->ports, scenario->flows, profile};
  for (Adapter* a : {&r, &s}) {
    if (auto st = a->load(setup); !st.ok()) {
      std::cerr << "ctconform: " << a->id() << ": load: " << st.error().message << "\n";
      return kExitSutError;
    }
  }
  std::cout << "scenario " << scenario->name << " (" << scenario->source_path << "), profile "
            << profile->name << "\n";
  for (size_t i = 0; i < scenario->steps.size(); ++i) {
    const Step& step = scenario->steps[i];
    std::cout << "step " << i + 1 << ": " << describe_step(step) << "\n";
    if (const auto* inject = std::get_if<InjectStep>(&step)) {
      show_inject("reference", r.inject(inject->port, inject->frame));
      show_inject(sut_name, s.inject(inject->port, inject->frame));
    } else if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
      (void)r.advance(advance->duration);
      (void)s.advance(advance->duration);
    } else if (const auto* flush = std::get_if<FlushStep>(&step)) {
      (void)r.flush(flush->zone);
      (void)s.flush(flush->zone);
    } else {
      show_table("reference", r);
      show_table(sut_name, s);
    }
  }
  std::cout << "end of scenario\n";
  show_table("reference", r);
  show_table(sut_name, s);
  s.shutdown();
  r.shutdown();
  return kExitPass;
}

}  // namespace ctc
