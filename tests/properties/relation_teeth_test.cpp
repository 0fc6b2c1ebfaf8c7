// Each metamorphic relation and each invariant has teeth of its own: a
// wrapper around the reference breaks exactly one thing, and the property
// meant for it must notice within a small budget. (The built-in engine's
// planted faults, mutation_test.cpp, are mostly caught differentially; these
// show the single-adapter properties catch what no oracle is needed for.)
#include <gtest/gtest.h>

#include "adapters/reference/reference_adapter.h"
#include "properties/prop_runner.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

enum class Breakage {
  kFlushDoesNothing,     // flush-replay
  kHighPortsDropped,     // renumbering: ports >= 50000 are silently dropped
  kPortTwoDeaf,          // mirror: nothing that enters on port 2 gets out
  kCrowdedTableDrops,    // unrelated traffic: with 4+ connections, packets are dropped
  kClockStopped,         // timeout invariant
  kEverythingNew,        // reply-never-new
  kNatForgotten,         // nat-round-trip: frames leave as they came
  kTimeWaitShownAsSynSent,  // tcp-state-order
};

class BrokenAdapter final : public Adapter {
 public:
  explicit BrokenAdapter(Breakage b) : inner_(make_reference_adapter()), breakage_(b) {}

  std::string id() const override { return "broken-reference"; }
  Capabilities capabilities() const override { return inner_->capabilities(); }
  Status load(const ScenarioSetup& setup) override { return inner_->load(setup); }
  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    size_t live = 0;
    if (breakage_ == Breakage::kCrowdedTableDrops) {
      auto t = inner_->dump_table();
      if (t.ok()) live = t->size();
    }
    auto r = inner_->inject(port, frame);
    if (!r.ok()) return r;
    auto packet = parse_frame(frame);
    switch (breakage_) {
      case Breakage::kHighPortsDropped:
        if (packet.ok() && packet->tcp() &&
            (packet->tcp()->src_port >= 50000 || packet->tcp()->dst_port >= 50000)) {
          r->outputs.clear();
        }
        break;
      case Breakage::kPortTwoDeaf:
        if (port.value == 2) r->outputs.clear();
        break;
      case Breakage::kCrowdedTableDrops:
        if (live >= 4) r->outputs.clear();
        break;
      case Breakage::kEverythingNew:
        if (r->classification && r->classification->has(CtState::kTrk)) {
          r->classification = r->classification->with(CtState::kNew);
        }
        break;
      case Breakage::kNatForgotten:
        for (OutputFrame& f : r->outputs) f.bytes.assign(frame.begin(), frame.end());
        break;
      default:
        break;
    }
    return r;
  }
  Status advance(Duration d) override {
    if (breakage_ == Breakage::kClockStopped) return ok_status();
    return inner_->advance(d);
  }
  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    auto t = inner_->dump_table();
    if (t.ok() && breakage_ == Breakage::kTimeWaitShownAsSynSent) {
      for (ConnectionSnapshot& c : *t) {
        if (c.protocol_state == "TIME_WAIT") c.protocol_state = "SYN_SENT";
      }
    }
    return t;
  }
  Status flush(std::optional<Zone> zone) override {
    if (breakage_ == Breakage::kFlushDoesNothing) return ok_status();
    return inner_->flush(zone);
  }

 private:
  std::unique_ptr<Adapter> inner_;
  Breakage breakage_;
};

struct Teeth {
  Breakage breakage;
  PropertyKind property;
  std::string check;  // the relation or invariant expected to notice
};

std::ostream& operator<<(std::ostream& os, const Teeth& t) {
  return os << to_string(t.property) << "/" << t.check;
}

class PropertyHasTeeth : public ::testing::TestWithParam<Teeth> {};

TEST_P(PropertyHasTeeth, NoticesTheBreakage) {
  const Teeth t = GetParam();
  BrokenAdapter broken(t.breakage);
  auto reference = make_reference_adapter();
  const PropOptions options{.seed = 11, .count = 400, .max_size = 40};
  const PropOutcome out = run_property(t.property, {&broken, reference.get(), &linux_profile()}, options);
  ASSERT_TRUE(out.failure) << t.check << " went unnoticed in " << out.scenarios_run << " cases";
  EXPECT_EQ(out.failure->check, t.check) << describe(*out.failure) << out.case_text;
  EXPECT_FALSE(out.failure->harness_error);
}

INSTANTIATE_TEST_SUITE_P(
    Breakages, PropertyHasTeeth,
    ::testing::Values(
        Teeth{Breakage::kFlushDoesNothing, PropertyKind::kMetamorphic, "flush-replay"},
        Teeth{Breakage::kHighPortsDropped, PropertyKind::kMetamorphic, "renumbering"},
        Teeth{Breakage::kPortTwoDeaf, PropertyKind::kMetamorphic, "mirror"},
        Teeth{Breakage::kCrowdedTableDrops, PropertyKind::kMetamorphic, "unrelated-traffic"},
        Teeth{Breakage::kClockStopped, PropertyKind::kInvariants, "timeout"},
        Teeth{Breakage::kEverythingNew, PropertyKind::kInvariants, "reply-never-new"},
        Teeth{Breakage::kNatForgotten, PropertyKind::kInvariants, "nat-round-trip"},
        Teeth{Breakage::kTimeWaitShownAsSynSent, PropertyKind::kInvariants, "tcp-state-order"}),
    [](const auto& info) {
      std::string name = info.param.check + "_" + std::to_string(info.index);
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace ctc
