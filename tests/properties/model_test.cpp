// Model-based tests (rc::state): random command sequences (inject, advance,
// flush) run on the system under test and on the reference model in lock
// step. The model state is what the generator knows (the pipeline, what was
// sent, the clock); the reference adapter says what every answer must be.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <sstream>

#include "adapters/reference/reference_adapter.h"
#include "properties/builtin_faults.h"
#include "properties/generators/traffic_gen.h"
#include "properties/observation.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

struct Sent {
  Port port;
  Packet packet;
};

struct CtModel {
  const Profile* profile = nullptr;
  PipelineSpec pipeline;
  std::vector<Sent> sent;
  int64_t now_ms = 0;
  int64_t last_inject_ms = 0;
};

struct CtSystems {
  Adapter& reference;
  Adapter& sut;
  bool virtual_time = true;
};

using CtCommand = rc::state::Command<CtModel, CtSystems>;

std::string text(const Packet& p) {
  std::ostringstream os;
  os << p;
  return os.str();
}

// Both tables equal (what the runner compares).
void assert_same_tables(CtSystems& s) {
  auto a = s.reference.dump_table();
  auto b = s.sut.dump_table();
  RC_ASSERT(a.ok());
  RC_ASSERT(b.ok());
  const auto ta = table_text(*a, s.virtual_time), tb = table_text(*b, s.virtual_time);
  if (ta != tb) {
    RC_FAIL("tables differ\n--- reference\n" + describe_table(ta) + "--- " + s.sut.id() + "\n" +
            describe_table(tb));
  }
}

void inject_both(CtSystems& s, Port port, const Packet& packet) {
  const std::vector<uint8_t> frame = serialize_frame(packet);
  auto a = s.reference.inject(port, frame);
  auto b = s.sut.inject(port, frame);
  RC_ASSERT(a.ok());
  RC_ASSERT(b.ok());
  if (a->outputs != b->outputs) {
    RC_FAIL("outputs differ for " + text(packet) + "\n--- reference\n" +
            describe_outputs(a->outputs) + "--- " + s.sut.id() + "\n" + describe_outputs(b->outputs));
  }
  if (s.sut.capabilities().classification && a->classification != b->classification) {
    RC_FAIL("classification differs for " + text(packet) + ": reference " +
            describe_classification(a->classification) + ", " + s.sut.id() + " " +
            describe_classification(b->classification));
  }
  assert_same_tables(s);
}

Port inside(const CtModel& m) { return inside_port(m.pipeline); }
Port outside(const CtModel& m) { return outside_port(m.pipeline); }

// A packet from the small pools: either end, TCP with a handful of flag
// sets and sequence numbers, UDP, ICMP echo, or an ICMP error quoting
// something sent before.
struct InjectFresh : CtCommand {
  Port port;
  Packet packet;

  explicit InjectFresh(const CtModel& m) {
    const Endpoints e = *gen::endpoints(true);
    const bool from_client = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
    const IpAddress src = from_client ? e.client : e.server, dst = from_client ? e.server : e.client;
    const uint16_t sport = from_client ? e.client_port : e.server_port;
    const uint16_t dport = from_client ? e.server_port : e.client_port;
    port = from_client ? inside(m) : outside(m);
    PacketBuilder b;
    b.ip(src, dst);
    switch (*gen::uniform(0, m.sent.empty() ? 3 : 4)) {
      case 0: {
        using namespace tcp_flag;
        static const std::vector<uint8_t> kFlagSets = {kSyn,        kSyn | kAck, kAck, kPsh | kAck,
                                                       kFin | kAck, kRst,        kRst | kAck};
        const uint8_t flags = *rc::gen::elementOf(kFlagSets);
        b.tcp(sport, dport, flags, *rc::gen::element<uint32_t>(1000, 1001, 5000, 5001, 0xffffffffu),
              *rc::gen::element<uint32_t>(0, 1001, 5001, 1101), 65535);
        if (flags & kPsh) b.payload_size(100);
        break;
      }
      case 1:
        b.udp(sport, dport).payload_size(8);
        break;
      case 2:
        if (from_client) {
          b.icmp_echo_request(e.client_port, 1);
        } else {
          b.icmp_echo_reply(e.client_port, 1);
        }
        break;
      default: {
        const Sent& quoted = *rc::gen::elementOf(m.sent);
        const bool v4 = quoted.packet.ip->src.is_v4();
        b = PacketBuilder();
        b.ip(quoted.packet.ip->dst, quoted.packet.ip->src)
            .icmp_error(v4 ? icmp_type::kDestUnreachable : icmpv6_type::kDestUnreachable,
                        v4 ? 3 : 4, quoted.packet);
        port = quoted.port == inside(m) ? outside(m) : inside(m);
        break;
      }
    }
    packet = b.packet();
  }

  void apply(CtModel& m) const override {
    m.sent.push_back({port, packet});
    m.last_inject_ms = m.now_ms;
  }
  void run(const CtModel&, CtSystems& s) const override { inject_both(s, port, packet); }
  void show(std::ostream& os) const override { os << "inject " << port.value << " " << packet; }
};

// The answer to something sent before, from the other end: a SYN gets its
// SYN-ACK, data its ACK, a request its response.
struct InjectReply : CtCommand {
  Port port;
  Packet packet;

  explicit InjectReply(const CtModel& m) {
    RC_PRE(!m.sent.empty());
    const Sent& to = *rc::gen::elementOf(m.sent);
    RC_PRE(!to.packet.is_icmp_error());
    port = to.port == inside(m) ? outside(m) : inside(m);
    PacketBuilder b;
    b.ip(to.packet.ip->dst, to.packet.ip->src);
    if (const TcpHeader* t = to.packet.tcp()) {
      using namespace tcp_flag;
      const uint32_t ack = t->seq + static_cast<uint32_t>(to.packet.payload.size()) +
                           ((t->flags & (kSyn | kFin)) ? 1 : 0);
      const uint8_t flags =
          (t->flags & kSyn) && !(t->flags & kAck) ? uint8_t{kSyn | kAck} : uint8_t{kAck};
      b.tcp(t->dst_port, t->src_port, flags, *rc::gen::element<uint32_t>(5000, 1000, t->ack), ack,
            65535);
    } else if (const UdpHeader* u = to.packet.udp()) {
      b.udp(u->dst_port, u->src_port).payload_size(8);
    } else if (const IcmpHeader* i = to.packet.icmp()) {
      b.icmp_echo_reply(i->identifier(), i->sequence());
    } else {
      RC_DISCARD("nothing to answer");
    }
    packet = b.packet();
  }

  void apply(CtModel& m) const override {
    m.sent.push_back({port, packet});
    m.last_inject_ms = m.now_ms;
  }
  void run(const CtModel&, CtSystems& s) const override { inject_both(s, port, packet); }
  void show(std::ostream& os) const override { os << "reply " << port.value << " " << packet; }
};

struct Advance : CtCommand {
  uint32_t ms;
  explicit Advance(const CtModel& m) : ms(*gen::advance_millis(*m.profile)) {}

  void apply(CtModel& m) const override { m.now_ms += ms; }
  void run(const CtModel& m, CtSystems& s) const override {
    RC_ASSERT(s.reference.advance(Duration::millis(ms)).ok());
    RC_ASSERT(s.sut.advance(Duration::millis(ms)).ok());
    assert_same_tables(s);
    // The model's own rule: past the longest timeout since the last packet,
    // nothing is left.
    const auto timeouts = gen::timeout_millis(*m.profile);
    if (s.virtual_time && m.now_ms + ms - m.last_inject_ms >= int64_t{timeouts.back()}) {
      auto table = s.sut.dump_table();
      RC_ASSERT(table.ok());
      RC_ASSERT(table->empty());
    }
  }
  void show(std::ostream& os) const override { os << "advance " << ms << "ms"; }
};

struct Flush : CtCommand {
  std::optional<Zone> zone;
  explicit Flush(const CtModel& m)
      : zone(*rc::gen::element<std::optional<Zone>>(std::nullopt, Zone{m.pipeline.zone},
                                                    Zone{m.pipeline.second_zone})) {}

  void run(const CtModel&, CtSystems& s) const override {
    RC_ASSERT(s.reference.flush(zone).ok());
    RC_ASSERT(s.sut.flush(zone).ok());
    assert_same_tables(s);
    auto table = s.sut.dump_table();
    RC_ASSERT(table.ok());
    for (const ConnectionSnapshot& c : *table) RC_ASSERT(zone && c.zone != *zone);
  }
  void show(std::ostream& os) const override {
    os << "flush";
    if (zone) os << " zone=" << zone->value;
  }
};

void check_against_reference(const Profile& profile) {
  // No NAT: replies are addressed from what the model sent, not from what
  // the NAT chose.
  PipelineSpec pipeline = *gen::pipeline();
  pipeline.kind = *rc::gen::element(PipelineKind::kFirewall, PipelineKind::kZonePerPort);
  DefaultSut sut = make_default_sut();
  auto reference = make_reference_adapter();
  const ScenarioSetup setup{pipeline_ports(), pipeline_flows(pipeline), &profile};
  RC_ASSERT(reference->load(setup).ok());
  RC_ASSERT(sut.adapter->load(setup).ok());
  CtSystems systems{*reference, *sut.adapter, sut.adapter->capabilities().virtual_time};
  CtModel model{.profile = &profile, .pipeline = pipeline};
  rc::state::check(model, systems,
                   rc::state::gen::execOneOfWithArgs<InjectFresh, InjectFresh, InjectReply,
                                                     InjectReply, Advance, Flush>());
}

RC_GTEST_PROP(ModelBased, AdapterFollowsTheReferenceModel_Linux, ()) {
  check_against_reference(linux_profile());
}

RC_GTEST_PROP(ModelBased, AdapterFollowsTheReferenceModel_OvsUserspace, ()) {
  check_against_reference(ovs_userspace_profile());
}

}  // namespace
}  // namespace ctc
