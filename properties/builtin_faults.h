// The built-in engine's planted faults, for the suite-strength test: each
// must be caught by the properties. Kept here so that properties/ and its
// tests compile while the engine is not yet part of the build.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/builtin/fast_conntrack.h"

namespace ctc {

struct FaultInfo {
  builtin::Fault fault;
  const char* name;
};

inline std::ostream& operator<<(std::ostream& os, const FaultInfo& f) { return os << f.name; }

// Every fault BuiltinOptions can plant.
const std::vector<FaultInfo>& builtin_faults();

// False while adapters/builtin is not linked into this build.
bool builtin_engine_available();

// The built-in engine, with `fault` planted (none by default). kUnsupported
// when the engine is not part of this build.
Result<std::unique_ptr<Adapter>> make_builtin_engine(std::optional<builtin::Fault> fault = std::nullopt);

// The adapter properties run against when none is named: the built-in
// engine when it is available, otherwise the reference (and says so).
struct DefaultSut {
  std::unique_ptr<Adapter> adapter;
  std::string note;  // why it is not the built-in engine, or ""
};
DefaultSut make_default_sut();

}  // namespace ctc
