#include "reference/scenario/scenario.h"

#include <algorithm>
#include <ostream>

namespace ctc {

bool Scenario::applies_to_profile(const std::string& profile) const {
  return profiles.empty() || std::find(profiles.begin(), profiles.end(), profile) != profiles.end();
}

bool Scenario::has_feature(const std::string& feature) const {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

std::ostream& operator<<(std::ostream& os, const Port& p) { return os << p.value; }

}  // namespace ctc
