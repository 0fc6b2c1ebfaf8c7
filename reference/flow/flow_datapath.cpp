#include "reference/flow/flow_datapath.h"

#include <algorithm>
#include <sstream>

#include "reference/flow/pipeline_packet.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

// ofproto-dpif-xlate.c MAX_DEPTH: resubmits nest at most this deep.
constexpr int kMaxResubmitDepth = 64;
// lib/dpif-netdev.c MAX_RECIRC_DEPTH.
constexpr int kMaxRecirculations = 6;

struct Recirculation {
  PipelinePacket* packet = nullptr;
  uint8_t table = 0;
};

}  // namespace

struct FlowDatapath::Impl {
  const Profile& profile;
  FlowProgram program;
  // Indexed by table id: its rules by descending priority (file order among equals).
  std::vector<std::vector<const FlowRule*>> tables;
  Conntrack conntrack;
  std::vector<uint16_t> ports;

  // Per-packet state.
  Timestamp now;
  DatapathResult* result = nullptr;
  std::ostringstream trace;
  bool tracing = false;
  // The packet instances of this frame: the first as parsed, then the copies
  // ct(table=) recirculates. Kept between frames so that their storage is
  // reused (hot path); only the first n_packets belong to this frame. A
  // packet stays put while later ones are added (hence the unique_ptr).
  std::vector<std::unique_ptr<PipelinePacket>> packets;
  size_t n_packets = 0;
  // Recirculations queued by this frame's ct(table=) actions, run in order
  // from next_pending on.
  std::vector<Recirculation> pending;
  size_t next_pending = 0;

  Impl(const Profile& p, FlowProgram prog)
      : profile(p), program(std::move(prog)), conntrack(ConntrackOptions{&p}) {
    for (const FlowRule& r : program.rules) {
      if (r.table >= tables.size()) tables.resize(size_t{r.table} + 1);
      tables[r.table].push_back(&r);
    }
    for (auto& rules : tables) {
      std::stable_sort(rules.begin(), rules.end(), [](const FlowRule* a, const FlowRule* b) {
        return a->priority > b->priority;
      });
    }
  }

  static bool matches(const FlowRule& rule, const PipelinePacket& p) {
    for (const FieldMatch& m : rule.matches) {
      if ((read_field(p, m.field) & m.mask) != m.value) return false;
    }
    return true;
  }

  const FlowRule* lookup(uint8_t table, const PipelinePacket& p) const {
    if (table >= tables.size()) return nullptr;
    for (const FlowRule* rule : tables[table]) {
      if (matches(*rule, p)) return rule;
    }
    return nullptr;
  }

  void note(int depth, const std::string& line) {
    if (!tracing) return;
    trace << std::string(static_cast<size_t>(depth) * 2, ' ') << line << "\n";
  }

  // Runs `table` for `p`; returns false when the packet's processing ended
  // (dropped by dec_ttl or a depth limit). `last` says no action of any
  // enclosing list comes after this one, so nothing reads `p` afterwards: a
  // ct(table=) there may hand the packet itself to the recirculation instead
  // of a copy (the copy is what costs, the behaviour is the same).
  bool run_table(PipelinePacket& p, uint8_t table, int depth, bool last) {
    if (depth > kMaxResubmitDepth) {
      note(depth, "resubmit depth limit reached: dropped");
      return false;
    }
    const FlowRule* rule = lookup(table, p);
    if (rule == nullptr) {
      note(depth, "table " + std::to_string(table) + ": no match, drop");
      return true;
    }
    if (tracing) note(depth, "table " + std::to_string(table) + ": " + rule->text);
    return run_actions(p, *rule, depth, last);
  }

  bool run_actions(PipelinePacket& p, const FlowRule& rule, int depth, bool last) {
    for (size_t i = 0; i < rule.actions.size(); ++i) {
      if (!run_action(p, rule.actions[i], depth, last && i + 1 == rule.actions.size())) {
        return false;
      }
    }
    return true;
  }

  bool run_action(PipelinePacket& p, const FlowAction& action, int depth, bool last) {
    if (const auto* out = std::get_if<OutputAction>(&action)) {
      output(p, out->port, depth);
      return true;
    }
    if (std::holds_alternative<DropAction>(action)) {
      note(depth, "drop");
      return false;
    }
    if (const auto* r = std::get_if<ResubmitAction>(&action)) {
      PipelinePacket& target = p;
      const uint16_t saved_port = target.in_port;
      if (r->in_port) target.in_port = *r->in_port;
      const uint8_t table = r->table ? *r->table : current_table_;
      const uint8_t saved_table = current_table_;
      current_table_ = table;
      const bool go_on = run_table(target, table, depth + 1, last);
      current_table_ = saved_table;
      // resubmit(P,T) only pretends the packet came in on P for the lookup.
      target.in_port = saved_port;
      return go_on;
    }
    if (const auto* g = std::get_if<GotoTableAction>(&action)) {
      const uint8_t saved_table = current_table_;
      current_table_ = g->table;
      const bool go_on = run_table(p, g->table, depth + 1, last);
      current_table_ = saved_table;
      return go_on;
    }
    if (const auto* ct = std::get_if<CtAction>(&action)) return run_ct(p, *ct, depth, last);
    if (std::holds_alternative<CtClearAction>(action)) {
      Conntrack::clear(p.ct);
      p.ct_visible = true;
      note(depth, "ct_clear");
      return true;
    }
    if (const auto* s = std::get_if<SetFieldAction>(&action)) {
      if (!write_field(p, s->field, s->value, s->mask)) {
        note(depth, std::string("set_field on ") + field_info(s->field).name +
                        ": the packet has no such field, skipped");
      }
      return true;
    }
    if (const auto* m = std::get_if<MoveAction>(&action)) {
      const U128 bits = extract_bits(read_field(p, m->src.field), m->src.offset, m->src.n_bits);
      write_field(p, m->dst.field, shift_left(bits, m->dst.offset),
                  bits_mask(m->dst.offset, m->dst.n_bits));
      return true;
    }
    if (std::holds_alternative<DecTtlAction>(action)) {
      if (!p.packet.ip) return true;  // dec_ttl only acts on IP packets
      if (p.packet.ip->ttl <= 1) {
        // ovs-actions(7): TTL expiry goes to the controller; there is none.
        note(depth, "dec_ttl: TTL expired, dropped");
        return false;
      }
      write_field(p, FlowField::kNwTtl, U128{0, p.packet.ip->ttl - 1u}, U128{0, 0xff});
      return true;
    }
    return true;
  }

  void output(const PipelinePacket& p, uint16_t port, int depth) {
    if (port == p.in_port) {
      note(depth, "output:" + std::to_string(port) + " is the input port: skipped");
      return;
    }
    if (!ports.empty() && std::find(ports.begin(), ports.end(), port) == ports.end()) {
      note(depth, "output:" + std::to_string(port) + ": no such port, dropped");
      return;
    }
    if (tracing) note(depth, "output:" + std::to_string(port));
    DatapathOutput& out = result->outputs.emplace_back();
    out.port = port;
    if (!result->spare_frames.empty()) {
      out.frame = std::move(result->spare_frames.back());
      result->spare_frames.pop_back();
    }
    p.write_frame(out.frame);
  }

  CtRequest ct_request(const PipelinePacket& p, const CtAction& ct) const {
    CtRequest request;
    request.zone = Zone{ct.zone};
    if (ct.zone_source) {
      request.zone = Zone{static_cast<uint16_t>(
          extract_bits(read_field(p, ct.zone_source->field), ct.zone_source->offset,
                       ct.zone_source->n_bits).lo)};
    }
    request.commit = ct.commit || ct.force;
    request.force = ct.force;
    request.nat = ct.nat;
    request.nat_range = ct.nat_range;
    request.set_mark = ct.set_mark;
    request.mark_mask = ct.mark_mask;
    request.set_label = ct.set_label;
    request.label_mask = ct.label_mask;
    return request;
  }

  // A packet instance for this frame, holding whatever an earlier frame left.
  PipelinePacket& new_packet() {
    if (n_packets == packets.size()) packets.push_back(std::make_unique<PipelinePacket>());
    return *packets[n_packets++];
  }

  bool run_ct(PipelinePacket& p, const CtAction& ct, int depth, bool last) {
    const CtRequest request = ct_request(p, ct);
    if (!ct.table) {
      if (!track(p, request, depth)) return false;
      p.ct_visible = false;
      return true;
    }
    // ct(table=T) forks: conntrack works on a copy that is recirculated, the
    // current action list goes on with the packet untouched and untracked.
    // When nothing reads `p` afterwards the packet itself is recirculated
    // instead of a copy (the copy is what costs, the behaviour is the same).
    PipelinePacket& subject = last ? p : (new_packet() = p);
    if (!track(subject, request, depth)) return false;
    if (tracing) note(depth, "recirculate to table " + std::to_string(*ct.table));
    pending.push_back(Recirculation{&subject, *ct.table});
    if (!last) p.ct_visible = false;
    return true;
  }

  // Runs conntrack on `subject`; false when the ct() action drops the packet.
  bool track(PipelinePacket& subject, const CtRequest& request, int depth) {
    const bool was_modified = subject.modified;
    conntrack.execute(subject.packet, request, now, subject.ct);
    // NAT rewrites the Packet model; mark the frame for rebuilding then.
    if (!was_modified && (subject.ct.state.has(CtState::kSnat) || subject.ct.state.has(CtState::kDnat))) {
      subject.modified = true;
    }
    subject.ct_visible = true;
    if (tracing) {  // the trace text is not built on the hot path
      std::string what = "ct(zone=" + std::to_string(request.zone.value) +
                         (request.commit ? ",commit" : "") + (request.nat ? ",nat" : "") + ") -> " +
                         (subject.ct.state.bits() ? subject.ct.state.to_string() : "-");
      if (subject.ct.invalid_reason != InvalidReason::kNone) {
        what += std::string(" (") + to_string(subject.ct.invalid_reason) + ")";
      }
      note(depth, what);
    }
    if (subject.ct.drop_packet) {
      note(depth, "ct() failed: packet dropped");
      return false;
    }
    return true;
  }

  uint8_t current_table_ = 0;
};

FlowDatapath::FlowDatapath(const Profile& profile, FlowProgram program)
    : impl_(std::make_unique<Impl>(profile, std::move(program))) {}
FlowDatapath::~FlowDatapath() = default;
FlowDatapath::FlowDatapath(FlowDatapath&&) noexcept = default;
FlowDatapath& FlowDatapath::operator=(FlowDatapath&&) noexcept = default;

void FlowDatapath::set_ports(std::vector<uint16_t> ports) { impl_->ports = std::move(ports); }

Conntrack& FlowDatapath::conntrack() { return impl_->conntrack; }

DatapathResult FlowDatapath::process(uint16_t in_port, std::span<const uint8_t> frame,
                                     Timestamp now, bool want_trace) {
  DatapathResult result;
  process(in_port, frame, now, result, want_trace);
  return result;
}

void FlowDatapath::process(uint16_t in_port, std::span<const uint8_t> frame, Timestamp now,
                           DatapathResult& result, bool want_trace) {
  Impl& d = *impl_;
  // The previous frame's output buffers are refilled before new ones are made.
  for (DatapathOutput& out : result.outputs) {
    if (out.frame.capacity() != 0) result.spare_frames.push_back(std::move(out.frame));
  }
  result.outputs.clear();
  result.classification.reset();
  result.trace.clear();
  d.result = &result;
  d.now = now;
  d.tracing = want_trace;
  if (want_trace) d.trace.str("");
  d.n_packets = 0;
  d.pending.clear();
  d.next_pending = 0;

  PipelinePacket& first = d.new_packet();
  first.start(frame, in_port);
  if (want_trace) d.note(0, "in_port " + std::to_string(in_port));
  d.current_table_ = 0;
  d.run_table(first, 0, 0, true);

  // Recirculations run after the pass that caused them, in order. A copy of
  // the entry: running it may queue more.
  int recirculations = 0;
  while (d.next_pending < d.pending.size()) {
    const Recirculation next = d.pending[d.next_pending++];
    if (++recirculations > kMaxRecirculations) {
      d.note(0, "recirculation limit reached: dropped");
      break;
    }
    PipelinePacket& packet = *next.packet;
    result.classification = packet.ct.state;
    if (d.tracing) {
      d.note(0, "recirculated to table " + std::to_string(next.table) + " with ct_state=" +
                    (packet.ct.state.bits() ? packet.ct.state.to_string() : "-"));
    }
    d.current_table_ = next.table;
    d.run_table(packet, next.table, 0, true);
  }
  if (want_trace) result.trace = d.trace.str();
  d.result = nullptr;
}

}  // namespace ctc
