// The differential property and the known-divergence list: a system whose
// only difference from the reference is the NAT port it picks is "known" and
// the run goes on; anything more is a failure, shrunk to a case that is
// still more than known.
#include <gtest/gtest.h>

#include "adapters/reference/reference_adapter.h"
#include "properties/prop_runner.h"
#include "reference/flow/flow_program.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

// The reference, except that where its NAT chose a port (no port range in
// the program, and the port is not the one that came in) this system picks
// the port 20000 higher: consistently, in frames and in the table, as a NAT
// with another port-choice algorithm would.
class PortChoosingAdapter final : public Adapter {
 public:
  // drop_after_choice: once a port was chosen, every later packet is
  // dropped (a real divergence on top of the known one).
  explicit PortChoosingAdapter(bool drop_after_choice = false)
      : inner_(make_reference_adapter()), drop_after_choice_(drop_after_choice) {}

  std::string id() const override { return "port-choosing-reference"; }
  Capabilities capabilities() const override { return inner_->capabilities(); }
  Status load(const ScenarioSetup& setup) override {
    ranged_ = gives_port_range(setup.flows);
    chose_ = false;
    return inner_->load(setup);
  }
  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    auto r = inner_->inject(port, frame);
    if (!r.ok() || ranged_) return r;
    if (drop_after_choice_ && chose_) {
      r->outputs.clear();
      return r;
    }
    auto in = parse_frame(frame);
    if (!in.ok()) return r;
    for (OutputFrame& f : r->outputs) {
      auto out = parse_frame(f.bytes);
      if (!out.ok() || !choose(*in, *out)) continue;
      clear_checksums(*out);
      f.bytes = serialize_frame(*out);
      chose_ = true;
    }
    return r;
  }
  Status advance(Duration d) override { return inner_->advance(d); }
  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    auto t = inner_->dump_table();
    if (!t.ok() || ranged_) return t;
    for (ConnectionSnapshot& c : *t) {
      if (c.original.protocol == ip_proto::kIcmp) {
        if (c.reply.icmp_id != c.original.icmp_id) c.reply.icmp_id = moved(c.reply.icmp_id);
      } else if (c.reply.dst_port != c.original.src_port) {
        c.reply.dst_port = moved(c.reply.dst_port);
      }
    }
    return t;
  }
  Status flush(std::optional<Zone> zone) override { return inner_->flush(zone); }

 private:
  static uint16_t moved(uint16_t port) { return static_cast<uint16_t>(port + 20000); }

  static bool gives_port_range(const std::string& flows) {
    auto program = parse_flow_program(flows);
    if (!program.ok()) return true;
    for (const FlowRule& rule : program->rules) {
      for (const FlowAction& a : rule.actions) {
        const auto* ct = std::get_if<CtAction>(&a);
        if (ct != nullptr && ct->nat_range && ct->nat_range->min_port != 0) return true;
      }
    }
    return false;
  }

  // The source port (echo identifier) the NAT chose: moved.
  static bool choose(const Packet& in, Packet& out) {
    if (in.tcp() && out.tcp() && in.tcp()->src_port != out.tcp()->src_port) {
      out.tcp()->src_port = moved(out.tcp()->src_port);
      return true;
    }
    if (in.udp() && out.udp() && in.udp()->src_port != out.udp()->src_port) {
      out.udp()->src_port = moved(out.udp()->src_port);
      return true;
    }
    const IcmpHeader* i = in.icmp();
    IcmpHeader* o = out.icmp();
    if (i != nullptr && o != nullptr && i->type == icmp_type::kEchoRequest &&
        o->type == icmp_type::kEchoRequest && i->identifier() != o->identifier()) {
      o->rest = (static_cast<uint32_t>(moved(o->identifier())) << 16) | o->sequence();
      return true;
    }
    return false;
  }

  std::unique_ptr<Adapter> inner_;
  bool drop_after_choice_;
  bool ranged_ = false;
  bool chose_ = false;
};

constexpr char kPortChoiceEntry[] = R"([test-port-choice]
adapter: port-choosing-reference
profile: linux
scenario: snat-port-collision
difference: nat-port-choice
reason: picks NAT ports 20000 above the reference's
source: tests/properties/known_difference_test.cpp
)";

KnownDivergences list(const std::string& text) {
  auto known = KnownDivergences::parse(text, "test");
  EXPECT_TRUE(known.ok()) << known.error().message;
  return known.ok() ? *known : KnownDivergences{};
}

// Seed and budget under which the reference's NAT chooses ports in several
// generated cases (checked by the first test).
constexpr uint64_t kSeed = 5;
constexpr int kCount = 1000;

PropOutcome differential(Adapter& sut, const KnownDivergences* known) {
  auto reference = make_reference_adapter();
  const PropOptions options{.seed = kSeed, .count = kCount, .max_size = 40, .known = known};
  return run_property(PropertyKind::kDifferential, {&sut, reference.get(), &linux_profile()},
                      options);
}

TEST(KnownDifference, PortChoiceWithoutAListIsAFailure) {
  PortChoosingAdapter sut;
  const PropOutcome out = differential(sut, nullptr);
  ASSERT_TRUE(out.failure) << "no case made the NAT choose a port";
  EXPECT_EQ(out.failure->check, "differential");
  EXPECT_TRUE(out.failure->known.empty());
  EXPECT_EQ(out.known, 0);
}

TEST(KnownDifference, PortChoiceIsCountedAsKnownAndTheRunGoesOn) {
  PortChoosingAdapter sut;
  const KnownDivergences known = list(kPortChoiceEntry);
  const PropOutcome out = differential(sut, &known);
  EXPECT_FALSE(out.failure) << describe(*out.failure) << out.case_text;
  EXPECT_EQ(out.scenarios_run, kCount);
  EXPECT_GE(out.known, 2);
  ASSERT_EQ(out.known_entries.size(), 1u);
  EXPECT_EQ(out.known_entries[0].id, "test-port-choice");
  EXPECT_EQ(out.known_entries[0].cases, out.known);
  EXPECT_NE(out.known_entries[0].first_detail.find(" -> "), std::string::npos)
      << out.known_entries[0].first_detail;
}

TEST(KnownDifference, AnEntryForAnotherAdapterDoesNotApply) {
  PortChoosingAdapter sut;
  std::string text = kPortChoiceEntry;
  text.replace(text.find("port-choosing-reference"), std::string("port-choosing-reference").size(),
               "linux-netfilter");
  const KnownDivergences known = list(text);
  const PropOutcome out = differential(sut, &known);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.known, 0);
}

TEST(KnownDifference, MoreThanAPortIsAFailureAndShrinksToMoreThanAPort) {
  PortChoosingAdapter sut(/*drop_after_choice=*/true);
  const KnownDivergences known = list(kPortChoiceEntry);
  const PropOutcome out = differential(sut, &known);
  ASSERT_TRUE(out.failure) << "the drops went unnoticed";
  EXPECT_EQ(out.failure->check, "differential");
  EXPECT_TRUE(out.failure->known.empty());
  EXPECT_FALSE(out.failure->harness_error);
  ASSERT_TRUE(out.verdict);
  EXPECT_EQ(out.verdict->kind, VerdictKind::kDiverge);
  // The minimal case is still one the symptom does not explain: shrinking
  // did not stop at a case with only the port difference left.
  EXPECT_NE(
      out.failure->observed.find("(not a known divergence: nat-port-choice does not explain it"),
      std::string::npos)
      << describe(*out.failure) << out.case_text;
}

}  // namespace
}  // namespace ctc
