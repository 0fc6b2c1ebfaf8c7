#include "adapters/builtin/builtin_engine.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "adapters/builtin/pipeline_pkt.h"

namespace ctc::builtin {
namespace {

// ofproto-dpif-xlate.c MAX_DEPTH.
constexpr int kMaxResubmitDepth = 64;
// lib/dpif-netdev.c MAX_RECIRC_DEPTH.
constexpr int kMaxRecirculations = 6;
// Copies kept for recirculation: one more than can run, to notice the limit.
constexpr size_t kPendingSlots = kMaxRecirculations + 1;

struct CompiledMatch {
  FlowField field;
  U128 mask;
  U128 value;
};

// in_port, dl_type and ct_state, which nearly every rule matches on, packed
// into one word per packet: a rule tests them with one and-compare (hot path:
// rule lookup). Bit offsets and widths in that word:
struct KeyField {
  FlowField field;
  unsigned shift;
  unsigned bits;
};
constexpr KeyField kKeyFields[] = {
    {FlowField::kInPort, 0, 16},
    {FlowField::kDlType, 16, 16},
    {FlowField::kCtState, 32, 8},
};

struct CompiledRule {
  uint64_t key_mask = 0;   // the packed fields this rule tests
  uint64_t key_value = 0;
  uint32_t first_match = 0;  // the other matches, in `matches`
  uint32_t n_matches = 0;
  const FlowRule* rule = nullptr;
};

// Folds `m` into the rule's packed word if it is one of the packed fields,
// not already folded, and its value fits the field (one that does not can
// never hit, and stays a general match that says so).
bool fold_into_key(const FieldMatch& m, CompiledRule& c) {
  for (const KeyField& k : kKeyFields) {
    if (k.field != m.field) continue;
    const uint64_t width = (uint64_t{1} << k.bits) - 1;
    const U128 value = m.value & m.mask;
    const uint64_t mask = (m.mask.lo & width) << k.shift;
    if (value.hi != 0 || (value.lo & ~width) != 0 || (c.key_mask & (width << k.shift)) != 0) {
      return false;
    }
    c.key_mask |= mask;
    c.key_value |= value.lo << k.shift;
    return true;
  }
  return false;
}

}  // namespace

struct BuiltinEngine::Impl {
  const Profile& profile;
  FlowProgram program;
  std::array<std::vector<CompiledRule>, 256> tables;
  std::vector<CompiledMatch> matches;
  FastConntrack ct;
  // Ports that exist, as bits; the declared ones are listed so that the next
  // set_ports() clears just those (hot path: every load sets the ports).
  bool all_ports_exist = true;
  std::array<uint64_t, 65536 / 64> port_bits{};
  std::vector<uint16_t> declared_ports;

  // Per-packet state, reused.
  Pkt first;
  std::array<Pkt, kPendingSlots> pending;
  Pkt scratch;  // a ct(table=) copy past the recirculation limit
  size_t n_pending = 0;
  int64_t now = 0;
  uint32_t packet_index = 0;
  BatchResult* out = nullptr;
  std::string* trace = nullptr;
  uint8_t current_table = 0;

  Impl(const Profile& p, const FlowProgram& prog, std::optional<Fault> fault)
      : profile(p), program(prog), ct(p, fault) {
    for (const FlowRule& r : program.rules) {
      CompiledRule c;
      c.rule = &r;
      c.first_match = static_cast<uint32_t>(matches.size());
      for (const FieldMatch& m : r.matches) {
        if (!fold_into_key(m, c)) matches.push_back({m.field, m.mask, m.value & m.mask});
      }
      c.n_matches = static_cast<uint32_t>(matches.size()) - c.first_match;
      tables[r.table].push_back(c);
    }
    for (auto& rules : tables) {
      std::stable_sort(rules.begin(), rules.end(), [](const CompiledRule& a, const CompiledRule& b) {
        return a.rule->priority > b.rule->priority;
      });
    }
  }

  void note(int depth, std::string_view line) {
    if (trace == nullptr) return;
    trace->append(static_cast<size_t>(depth) * 2, ' ');
    *trace += line;
    *trace += '\n';
  }
  // A line composed by `make` only when tracing, out of line: the hot
  // functions keep no string temporaries in their frames.
  template <class Make>
  void note_built(int depth, const Make& make) {
    if (trace != nullptr) [[unlikely]] note_cold(depth, make);
  }
  template <class Make>
  [[gnu::cold, gnu::noinline]] void note_cold(int depth, const Make& make) {
    note(depth, make());
  }

  bool port_exists(uint16_t port) const {
    return all_ports_exist || ((port_bits[port >> 6] >> (port & 63)) & 1) != 0;
  }

  void set_ports(const std::vector<uint16_t>& ports) {
    for (uint16_t p : declared_ports) port_bits[p >> 6] = 0;
    declared_ports = ports;
    all_ports_exist = ports.empty();
    for (uint16_t p : ports) port_bits[p >> 6] |= uint64_t{1} << (p & 63);
  }

  [[gnu::always_inline]] const FlowRule* lookup(uint8_t table, const Pkt& p) const {
    uint64_t key = 0;  // read_field() of these three is inline: this folds to three loads
    for (const KeyField& k : kKeyFields) key |= read_field(p, k.field).lo << k.shift;
    for (const CompiledRule& r : tables[table]) {
      if ((key & r.key_mask) != r.key_value) continue;
      const CompiledMatch* m = matches.data() + r.first_match;
      const CompiledMatch* const end = m + r.n_matches;
      for (; m != end; ++m) {
        const U128 v = read_field(p, m->field);
        if (((v.lo & m->mask.lo) != m->value.lo) || ((v.hi & m->mask.hi) != m->value.hi)) break;
      }
      if (m == end) return r.rule;
    }
    return nullptr;
  }

  // false: processing of this pass ends (drop, dec_ttl expiry, depth limit).
  bool run_table(Pkt& p, uint8_t table, int depth) {
    if (depth > kMaxResubmitDepth) {
      note(depth, "resubmit depth limit reached: dropped");
      return false;
    }
    const FlowRule* rule = lookup(table, p);
    if (rule == nullptr) {
      note_built(depth, [&] { return "table " + std::to_string(table) + ": no match, drop"; });
      return true;
    }
    note_built(depth, [&] { return "table " + std::to_string(table) + ": " + rule->text; });
    const size_t n = rule->actions.size();
    for (size_t i = 0; i < n; ++i) {
      // A ct(table=) that ends a top-level pass may hand the packet itself over.
      const bool last_use = depth == 0 && i + 1 == n;
      if (!run_action(p, rule->actions[i], depth, last_use)) return false;
    }
    return true;
  }

  bool run_action(Pkt& p, const FlowAction& action, int depth, bool last_use) {
    switch (action.index()) {
      case 0: output(p, std::get<OutputAction>(action).port, depth); return true;
      case 1: note(depth, "drop"); return false;
      case 2: {
        const auto& r = std::get<ResubmitAction>(action);
        const uint16_t saved_port = p.in_port;
        if (r.in_port) p.in_port = *r.in_port;
        const uint8_t t = r.table ? *r.table : current_table;
        const uint8_t saved_table = current_table;
        current_table = t;
        const bool go_on = run_table(p, t, depth + 1);
        current_table = saved_table;
        p.in_port = saved_port;  // resubmit(P,T) only pretends for the lookup
        return go_on;
      }
      case 3: {
        const uint8_t t = std::get<GotoTableAction>(action).table;
        const uint8_t saved_table = current_table;
        current_table = t;
        const bool go_on = run_table(p, t, depth + 1);
        current_table = saved_table;
        return go_on;
      }
      case 4: return run_ct(p, std::get<CtAction>(action), depth, last_use);
      case 5:
        p.ct = CtMeta{};
        p.ct_visible = true;
        note(depth, "ct_clear");
        return true;
      case 6: {
        const auto& s = std::get<SetFieldAction>(action);
        if (!write_field(p, s.field, s.value, s.mask)) {
          note_built(depth, [&] {
            return std::string("set_field on ") + field_info(s.field).name +
                   ": the packet has no such field, skipped";
          });
        }
        return true;
      }
      case 7: {
        const auto& m = std::get<MoveAction>(action);
        const U128 bits = shr(read_field(p, m.src.field), m.src.offset) & ones(0, m.src.n_bits);
        write_field(p, m.dst.field, shl(bits, m.dst.offset), ones(m.dst.offset, m.dst.n_bits));
        return true;
      }
      case 8: {
        if (!p.f.is_ip()) return true;
        const U128 ttl = read_field(p, FlowField::kNwTtl);
        if (ttl.lo <= 1) {
          note(depth, "dec_ttl: TTL expired, dropped");
          return false;
        }
        write_field(p, FlowField::kNwTtl, U128{0, ttl.lo - 1}, U128{0, 0xff});
        return true;
      }
      default: return true;
    }
  }

  void output(const Pkt& p, uint16_t port, int depth) {
    if (port == p.in_port) {
      note_built(depth, [&] {
        return "output:" + std::to_string(port) + " is the input port: skipped";
      });
      return;
    }
    if (!port_exists(port)) {
      note_built(depth, [&] {
        return "output:" + std::to_string(port) + ": no such port, dropped";
      });
      return;
    }
    note_built(depth, [&] { return "output:" + std::to_string(port); });
    const size_t offset = out->bytes.size();
    p.f.emit_append(out->bytes);
    out->outputs.push_back(EngineOutput{port, packet_index, static_cast<uint32_t>(offset),
                                        static_cast<uint32_t>(out->bytes.size() - offset)});
  }

  bool run_ct(Pkt& p, const CtAction& a, int depth, bool last_use) {
    uint16_t zone = a.zone;
    if (a.zone_source) {
      const FieldRef& z = *a.zone_source;
      zone = static_cast<uint16_t>((shr(read_field(p, z.field), z.offset) & ones(0, z.n_bits)).lo);
    }
    Pkt* subject = &p;
    if (a.table) {
      // ct(table=T) forks: conntrack works on a copy that is recirculated.
      subject = n_pending < kPendingSlots ? &pending[n_pending] : &scratch;
      if (last_use) {
        subject->take(p);
      } else {
        *subject = p;
      }
    }
    ct.execute(subject->f, a, zone, now, subject->ct);
    subject->ct_visible = true;
    note_built(depth, [&] {
      std::string what = "ct(zone=" + std::to_string(zone) +
                         ((a.commit || a.force) ? ",commit" : "") + (a.nat ? ",nat" : "") +
                         ") -> " +
                         (subject->ct.state.bits() ? subject->ct.state.to_string() : "-");
      if (subject->ct.reason) what += std::string(" (") + subject->ct.reason + ")";
      return what;
    });
    if (subject->ct.drop) {
      note(depth, "ct() failed: packet dropped");
      return false;
    }
    if (a.table) {
      note_built(depth, [&] { return "recirculate to table " + std::to_string(*a.table); });
      subject->table = *a.table;
      if (subject != &scratch) ++n_pending;
    }
    p.ct_visible = false;
    return true;
  }

  void process(uint16_t in_port, std::span<const uint8_t> frame) {
    n_pending = 0;
    first.reset(in_port, frame);
    note_built(0, [&] { return "in_port " + std::to_string(in_port); });
    current_table = 0;
    run_table(first, 0, 0);
    std::optional<CtState> classification;
    // Recirculations run after the pass that caused them, in order.
    for (size_t i = 0; i < n_pending; ++i) {
      if (static_cast<int>(i) >= kMaxRecirculations) {
        note(0, "recirculation limit reached: dropped");
        break;
      }
      Pkt& next = pending[i];
      classification = next.ct.state;
      note_built(0, [&] {
        return "recirculated to table " + std::to_string(next.table) + " with ct_state=" +
               (next.ct.state.bits() ? next.ct.state.to_string() : "-");
      });
      current_table = next.table;
      run_table(next, next.table, 0);
    }
    out->classification.push_back(classification);
  }
};

BuiltinEngine::BuiltinEngine(const Profile& profile, const FlowProgram& program,
                             std::optional<Fault> fault)
    : impl_(std::make_unique<Impl>(profile, program, fault)) {}
BuiltinEngine::~BuiltinEngine() = default;

void BuiltinEngine::set_ports(const std::vector<uint16_t>& ports) { impl_->set_ports(ports); }

void BuiltinEngine::process(uint16_t in_port, std::span<const uint8_t> frame, int64_t now,
                            BatchResult& out, bool want_trace) {
  Impl& d = *impl_;
  d.now = now;
  d.out = &out;
  d.trace = want_trace ? &out.trace : nullptr;
  d.packet_index = static_cast<uint32_t>(out.classification.size());
  d.process(in_port, frame);
  d.out = nullptr;
  d.trace = nullptr;
}

void BuiltinEngine::process_batch(std::span<const BatchFrame> frames, int64_t now, BatchResult& out) {
  out.clear();
  Impl& d = *impl_;
  d.now = now;
  d.out = &out;
  d.trace = nullptr;
  for (const BatchFrame& f : frames) {
    d.packet_index = static_cast<uint32_t>(out.classification.size());
    d.process(f.in_port, f.frame);
  }
  d.out = nullptr;
}

FastConntrack& BuiltinEngine::conntrack() { return impl_->ct; }

}  // namespace ctc::builtin
