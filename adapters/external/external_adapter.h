// A system under test in another process, speaking PROTOCOL.md on
// stdin/stdout. The adapter owns the child: it is stopped on shutdown, on
// destruction and when it misbehaves.
#pragma once

#include <memory>
#include <string>

#include "adapters/adapter.h"
#include "adapters/registry.h"

namespace ctc {

// Starts the program and greets it; an error when it cannot be started.
Result<std::unique_ptr<Adapter>> make_external_adapter(const AdapterOptions& options);

}  // namespace ctc
