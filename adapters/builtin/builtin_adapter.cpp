#include "adapters/builtin/builtin_adapter.h"

#include <memory>
#include <optional>
#include <string>

#include "adapters/builtin/builtin_engine.h"
#include "adapters/instance_pool.h"
#include "reference/flow/flow_program_cache.h"

namespace ctc {
namespace {

class BuiltinAdapter final : public Adapter {
 public:
  explicit BuiltinAdapter(BuiltinOptions options) : options_(options) {}

  std::string id() const override { return "builtin"; }

  Capabilities capabilities() const override {
    Capabilities caps;
    caps.profiles = {"linux", "ovs-userspace"};
    return caps;
  }

  Status load(const ScenarioSetup& setup) override {
    if (setup.profile == nullptr) return invalid_argument("no profile given");
    auto program = programs_.get(setup.flows);
    if (!program.ok()) return invalid_argument("flows: " + program.error().message);
    want_trace_ = setup.want_trace;
    auto [engine, built] = engines_.get(*program, *setup.profile, [&](const Profile& profile,
                                                                       const FlowProgram& flows) {
      return std::make_unique<builtin::BuiltinEngine>(profile, flows, options_.fault);
    });
    if (!built) engine->conntrack().reset();
    engine_ = engine;
    std::vector<uint16_t> ports;
    for (const PortDecl& p : setup.ports) ports.push_back(p.port.value);
    engine_->set_ports(ports);
    now_ = 0;
    return ok_status();
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    return inject_through_into(port, frame);
  }

  Status inject_into(Port port, std::span<const uint8_t> frame, InjectResult& out) override {
    if (!engine_) {
      out = InjectResult{};
      return internal_error("inject before load");
    }
    result_.clear();
    engine_->process(port.value, frame, now_, result_, want_trace_);
    // resize() keeps the frames that stay, and assign() their storage.
    out.outputs.resize(result_.outputs.size());
    for (size_t i = 0; i < result_.outputs.size(); ++i) {
      const builtin::EngineOutput& o = result_.outputs[i];
      const auto bytes = result_.frame(o);
      out.outputs[i].port = Port{o.port};
      out.outputs[i].bytes.assign(bytes.begin(), bytes.end());
    }
    out.classification = result_.classification.empty() ? std::nullopt : result_.classification[0];
    out.trace = std::move(result_.trace);
    return ok_status();
  }

  Status advance(Duration duration) override {
    if (duration.ns < 0) return invalid_argument("time cannot go backwards");
    now_ += duration.ns;
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (!engine_) return internal_error("dump before load");
    return engine_->conntrack().dump(now_);
  }

  Status flush(std::optional<Zone> zone) override {
    if (!engine_) return internal_error("flush before load");
    if (zone) {
      engine_->conntrack().flush_zone(zone->value);
    } else {
      engine_->conntrack().flush();
    }
    return ok_status();
  }

  void shutdown() override {
    engine_ = nullptr;
    engines_.clear();
  }

 private:
  BuiltinOptions options_;
  FlowProgramCache programs_;
  bool want_trace_ = true;
  InstancePool<builtin::BuiltinEngine> engines_;
  builtin::BuiltinEngine* engine_ = nullptr;  // the loaded one, owned by engines_
  builtin::BatchResult result_;
  int64_t now_ = 0;
};

}  // namespace

std::unique_ptr<Adapter> make_builtin_adapter(BuiltinOptions options) {
  return std::make_unique<BuiltinAdapter>(options);
}

}  // namespace ctc
