// Scenario text loader: any text gives a scenario or an error, never a crash;
// a scenario that loads formats back to text that loads to the same steps.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reference/scenario/scenario_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto scenario = ctc::parse_scenario_text(text, "fuzz.scenario", nullptr);
  if (!scenario.ok()) return 0;
  auto again = ctc::parse_scenario_text(ctc::format_scenario_text(*scenario, false),
                                        "fuzz.scenario", nullptr);
  if (!again.ok() || again->steps.size() != scenario->steps.size()) std::abort();
  return 0;
}
