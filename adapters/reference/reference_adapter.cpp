#include "adapters/reference/reference_adapter.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "adapters/instance_pool.h"
#include "reference/flow/flow_datapath.h"
#include "reference/flow/flow_program_cache.h"

namespace ctc {
namespace {

class ReferenceAdapter final : public Adapter {
 public:
  std::string id() const override { return "reference"; }

  Capabilities capabilities() const override {
    Capabilities caps;
    caps.profiles = profile_names();
    return caps;
  }

  Status load(const ScenarioSetup& setup) override {
    if (setup.profile == nullptr) return invalid_argument("no profile given");
    auto program = programs_.get(setup.flows);
    if (!program.ok()) return invalid_argument("flows: " + program.error().message);
    want_trace_ = setup.want_trace;
    auto [datapath, built] = datapaths_.get(
        *program, *setup.profile, [](const Profile& profile, const FlowProgram& flows) {
          return std::make_unique<FlowDatapath>(profile, flows);
        });
    if (!built) datapath->conntrack().reset();
    datapath_ = datapath;
    std::vector<uint16_t> ports;
    for (const PortDecl& p : setup.ports) ports.push_back(p.port.value);
    datapath_->set_ports(std::move(ports));
    now_ = Timestamp{};
    return ok_status();
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    return inject_through_into(port, frame);
  }

  Status inject_into(Port port, std::span<const uint8_t> frame, InjectResult& out) override {
    if (!datapath_) {
      out = InjectResult{};
      return internal_error("inject before load");
    }
    DatapathResult& r = result_;
    datapath_->process(port.value, frame, now_, r, want_trace_);
    out.outputs.resize(r.outputs.size());
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      out.outputs[i].port = Port{r.outputs[i].port};
      // The caller's old buffer goes back to the datapath, which refills it.
      std::swap(out.outputs[i].bytes, r.outputs[i].frame);
    }
    out.classification = r.classification;
    out.trace = std::move(r.trace);
    return ok_status();
  }

  Status advance(Duration duration) override {
    if (duration.ns < 0) return invalid_argument("time cannot go backwards");
    now_ = now_ + duration;
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (!datapath_) return internal_error("dump before load");
    return datapath_->conntrack().dump(now_);
  }

  Status flush(std::optional<Zone> zone) override {
    if (!datapath_) return internal_error("flush before load");
    if (zone) {
      datapath_->conntrack().flush_zone(*zone);
    } else {
      datapath_->conntrack().flush();
    }
    return ok_status();
  }

 private:
  FlowProgramCache programs_;
  bool want_trace_ = true;
  InstancePool<FlowDatapath> datapaths_;
  FlowDatapath* datapath_ = nullptr;  // the loaded one, owned by datapaths_
  DatapathResult result_;  // kept so that its storage is reused from packet to packet
  Timestamp now_;
};

}  // namespace

std::unique_ptr<Adapter> make_reference_adapter() { return std::make_unique<ReferenceAdapter>(); }

}  // namespace ctc
