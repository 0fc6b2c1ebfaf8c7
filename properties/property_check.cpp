#include "properties/property_check.h"

#include <sstream>

namespace ctc {

std::string describe(const PropertyFailure& f) {
  std::ostringstream os;
  if (f.harness_error) {
    os << "harness error: " << f.observed << "\n";
    return os.str();
  }
  os << f.check << " broken";
  if (!f.step.empty()) os << " at step " << f.step_index + 1 << " (" << f.step << ")";
  os << "\n--- required\n" << f.expected;
  if (!f.expected.empty() && f.expected.back() != '\n') os << "\n";
  os << "--- observed\n" << f.observed;
  if (!f.observed.empty() && f.observed.back() != '\n') os << "\n";
  return os.str();
}

}  // namespace ctc
