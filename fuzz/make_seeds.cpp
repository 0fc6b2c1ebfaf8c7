// Seed corpora for every fuzz target, made from the regression scenarios so
// that fuzzing starts from the cases people already wrote down:
//
//   ctc_fuzz_make_seeds CORPORA_DIR OUT_DIR
//
// reads every *.scenario under CORPORA_DIR (skipping OUT_DIR) and writes
//   OUT_DIR/fuzz_packet_parser/  each injected frame
//   OUT_DIR/fuzz_scenario_text/  each scenario file's text
//   OUT_DIR/fuzz_pcap_loader/    each scenario's frames as a pcap
//   OUT_DIR/fuzz_flow_parser/    each distinct flow program, and the pipelines
//   OUT_DIR/fuzz_differential/   each scenario re-encoded as a differential
//                                input (best effort: addresses and ports map
//                                onto the decoder's pools), and a few
//                                hand-made conversations per pipeline
// Files are named by a hash of their content (no timestamps: regenerating
// gives the same tree). Run through `scripts/fuzz.sh seeds`.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/diff_input.h"
#include "reference/packet/packet_parser.h"
#include "runner/pcap_io.h"
#include "runner/scenario_loader.h"

namespace fs = std::filesystem;
using namespace ctc;
using namespace ctc::fuzz;

namespace {

std::string hash_name(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ULL;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void write_seed(const fs::path& dir, const std::vector<uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / hash_name(bytes), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::string normalised_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    out += line.substr(b, line.find_last_not_of(" \t\r") - b + 1) + "\n";
  }
  return out;
}

// The header whose pipeline is exactly the scenario's program, if any.
std::optional<Header> match_pipeline(const std::string& flows) {
  const std::string want = normalised_lines(flows);
  for (unsigned bits = 0; bits < 4 * 64 * 16; ++bits) {
    Header h{.pipeline = static_cast<PipelineKind>(bits & 3),
             .zone_index = static_cast<uint8_t>((bits >> 2) & 7),
             .second_zone_index = static_cast<uint8_t>((bits >> 5) & 7),
             .nat_address = static_cast<uint8_t>((bits >> 8) & 3),
             .nat_ports = static_cast<uint8_t>((bits >> 10) & 3)};
    if (normalised_lines(pipeline_flows(pipeline_spec(h))) == want) return h;
  }
  return std::nullopt;
}

uint8_t endpoint_index(const PipelineSpec& spec, const IpAddress& a) {
  for (uint8_t i = 0; i < kEndpointCount; ++i) {
    if (endpoint(spec, !a.is_v4(), i) == a) return i;
  }
  // Unknown: inside-looking addresses map to an inside host, others outside.
  const bool inside = a.is_v4() ? a.bytes[0] == 10 : a.bytes[7] == 1;
  return inside ? 0 : 2;
}

uint8_t port_index(uint16_t port) {
  for (uint8_t i = 0; i < kPortCount; ++i) {
    if (port_number(i) == port) return i;
  }
  return port >= 1024 ? 0 : 2;
}

// An advance op that gives `d` exactly when the format can say it.
Op advance_op(Duration d, const Profile& prof) {
  Op op{.kind = OpKind::kAdvance};
  for (uint8_t t = 0; t < kTimeoutCount; ++t) {
    for (uint8_t n = 0; n < kNudgeCount; ++n) {
      Op probe{.kind = OpKind::kAdvance,
               .advance_mode = AdvanceMode::kTimeout,
               .timeout_index = t,
               .nudge = n};
      if (advance_duration(probe, prof) == d) return probe;
    }
  }
  const int64_t ms = d.ns / 1'000'000;
  const int64_t s = d.ns / 1'000'000'000;
  if (ms < 65536) {
    op.advance_mode = AdvanceMode::kMillis;
    op.amount = static_cast<uint16_t>(ms);
  } else if (s < 65536) {
    op.advance_mode = AdvanceMode::kSeconds;
    op.amount = static_cast<uint16_t>(s);
  } else {
    op.advance_mode = AdvanceMode::kDays;
    op.days = static_cast<uint8_t>(std::min<int64_t>(s / 86400, 7));
    op.amount = static_cast<uint16_t>(std::min<int64_t>(s - op.days * int64_t{86400}, 65535));
  }
  return op;
}

void set_endpoints(Op& op, const PipelineSpec& spec, const Packet& p) {
  op.ipv6 = !p.ip->src.is_v4();
  op.src = endpoint_index(spec, p.ip->src);
  op.dst = endpoint_index(spec, p.ip->dst);
  op.bad_l4_checksum = !p.l4_checksum_ok;
  op.bad_ip_checksum = !p.ip_checksum_ok;
  op.payload = static_cast<uint16_t>(std::min(p.payload.size(), kMaxPayload));
}

bool is_echo(uint8_t type) {
  return type == icmp_type::kEchoRequest || type == icmp_type::kEchoReply ||
         type == icmpv6_type::kEchoRequest || type == icmpv6_type::kEchoReply;
}

IcmpErrorKind error_kind(const IcmpHeader& h, bool v6) {
  if (v6) {
    if (h.type == icmpv6_type::kTimeExceeded) return IcmpErrorKind::kTimeExceeded;
    if (h.type == icmpv6_type::kPacketTooBig) return IcmpErrorKind::kTooBig;
    if (h.type == icmpv6_type::kParameterProblem) return IcmpErrorKind::kParamProblem;
    return IcmpErrorKind::kUnreachable;
  }
  if (h.type == icmp_type::kTimeExceeded) return IcmpErrorKind::kTimeExceeded;
  if (h.type == icmp_type::kParameterProblem) return IcmpErrorKind::kParamProblem;
  if (h.type == icmp_type::kRedirect) return IcmpErrorKind::kRedirect;
  if (h.type == icmp_type::kSourceQuench) return IcmpErrorKind::kSourceQuench;
  if (h.code == 4) return IcmpErrorKind::kTooBig;
  return IcmpErrorKind::kUnreachable;
}

// The op for one injected frame; nullopt when the format cannot express it.
std::optional<Op> inject_op(const InjectStep& step, const PipelineSpec& spec,
                            const std::vector<Packet>& sent) {
  auto parsed = parse_frame(step.frame);
  if (!parsed.ok() || !parsed->ip) return std::nullopt;
  const Packet& p = *parsed;
  Op op;
  op.to_port2 = step.port.value != 1;
  if (const TcpHeader* t = p.tcp()) {
    op.kind = OpKind::kTcp;
    set_endpoints(op, spec, p);
    op.sport = port_index(t->src_port);
    op.dport = port_index(t->dst_port);
    op.flags = t->flags;
    op.seq = t->seq;
    op.ack = t->ack;
    op.window = t->window;
    op.wscale = t->window_scale().value_or(15);
    op.mss = t->mss().has_value();
    op.sack_permitted = t->sack_permitted();
  } else if (const UdpHeader* u = p.udp()) {
    op.kind = OpKind::kUdp;
    set_endpoints(op, spec, p);
    op.sport = port_index(u->src_port);
    op.dport = port_index(u->dst_port);
  } else if (const IcmpHeader* i = p.icmp(); i && is_echo(i->type)) {
    op.kind = OpKind::kIcmpEcho;
    set_endpoints(op, spec, p);
    op.echo_reply = i->type == icmp_type::kEchoReply || i->type == icmpv6_type::kEchoReply;
    op.echo_code = i->code % 4;
    op.echo_id = i->identifier();
    op.echo_seq = i->sequence();
  } else if (i && p.is_icmp_error()) {
    op.kind = OpKind::kIcmpError;
    set_endpoints(op, spec, p);
    op.error_kind = error_kind(*i, op.ipv6);
    op.error_code = i->code % 16;
    auto quoted = parse_quoted_packet(p);
    op.quote_output = true;  // unless found among the injected frames below
    for (size_t back = 0; quoted.ok() && quoted->ip && back < sent.size(); ++back) {
      const Packet& s = sent[sent.size() - 1 - back];
      if (s.ip && s.ip->src == quoted->ip->src && s.ip->dst == quoted->ip->dst &&
          s.ip->protocol == quoted->ip->protocol) {
        op.quote_back = static_cast<uint8_t>(back);
        op.quote_output = false;
        break;
      }
    }
    if (quoted.ok() && quoted->ip) op.to_quoted_source = quoted->ip->src == p.ip->dst;
    op.quote_all = p.payload.size() > 28 + (op.ipv6 ? 20u : 0u);
  } else {
    return std::nullopt;
  }
  return op;
}

std::optional<Input> encode_scenario(const Scenario& s, bool ovs) {
  Input in;
  if (auto h = match_pipeline(s.flows)) {
    in.header = *h;
  } else if (s.has_feature("dnat")) {
    in.header.pipeline = PipelineKind::kDnatBalancer;
  } else if (s.has_feature("nat")) {
    in.header.pipeline = PipelineKind::kSnatGateway;
  } else if (s.has_feature("zones")) {
    in.header.pipeline = PipelineKind::kZonePerPort;
  }
  in.header.ovs_profile = ovs;
  const PipelineSpec spec = pipeline_spec(in.header);
  std::vector<Packet> sent;
  for (const Step& step : s.steps) {
    if (in.ops.size() == kMaxOps) break;
    if (const auto* inject = std::get_if<InjectStep>(&step)) {
      if (auto op = inject_op(*inject, spec, sent)) in.ops.push_back(*op);
      if (auto p = parse_frame(inject->frame); p.ok()) sent.push_back(*p);
    } else if (const auto* advance = std::get_if<AdvanceStep>(&step)) {
      in.ops.push_back(advance_op(advance->duration, profile(in.header)));
    } else if (const auto* flush = std::get_if<FlushStep>(&step)) {
      Op op{.kind = flush->zone ? OpKind::kFlushZone : OpKind::kFlush};
      op.second_zone =
          flush->zone && flush->zone->value == spec.second_zone && spec.second_zone != spec.zone;
      in.ops.push_back(op);
    }
  }
  if (in.ops.empty()) return std::nullopt;
  return in;
}

Op tcp(bool reply, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t payload = 0,
       uint8_t wscale = 15) {
  Op op{.kind = OpKind::kTcp,
        .to_port2 = reply,
        .src = uint8_t(reply ? 2 : 0),
        .dst = uint8_t(reply ? 0 : 2),
        .sport = uint8_t(reply ? 2 : 0),
        .dport = uint8_t(reply ? 0 : 2),
        .payload = payload,
        .flags = flags,
        .seq = seq,
        .ack = ack,
        .window = 2048,
        .wscale = wscale,
        .mss = (flags & tcp_flag::kSyn) != 0};
  return op;
}

// A full TCP life, UDP and ICMP with an error, and timeouts at the edges:
// something every pipeline and profile starts from.
std::vector<Input> synthetic_inputs() {
  using namespace tcp_flag;
  std::vector<Input> out;
  for (uint8_t kind = 0; kind < 4; ++kind) {
    for (bool ovs : {false, true}) {
      Input in;
      in.header.pipeline = static_cast<PipelineKind>(kind);
      in.header.ovs_profile = ovs;
      in.ops = {tcp(false, kSyn, 1000, 0, 0, 7),
                tcp(true, kSyn | kAck, 5000, 1001, 0, 7),
                tcp(false, kAck, 1001, 5001),
                tcp(false, kPsh | kAck, 1001, 5001, 100),
                tcp(true, kAck, 5001, 1101),
                tcp(false, kFin | kAck, 1101, 5001),
                tcp(true, kFin | kAck, 5001, 1102),
                tcp(false, kAck, 1102, 5002),
                Op{.kind = OpKind::kAdvance,
                   .advance_mode = AdvanceMode::kTimeout,
                   .timeout_index = 6,
                   .nudge = 2},
                Op{.kind = OpKind::kUdp, .src = 1, .dst = 3, .sport = 1, .dport = 3, .payload = 20},
                Op{.kind = OpKind::kIcmpError,
                   .to_port2 = true,
                   .src = 4,
                   .dst = 1,
                   .to_quoted_source = true,
                   .quote_output = true},
                Op{.kind = OpKind::kIcmpEcho,
                   .ipv6 = true,
                   .src = 0,
                   .dst = 2,
                   .echo_id = 7,
                   .echo_seq = 1},
                Op{.kind = OpKind::kIcmpEcho,
                   .to_port2 = true,
                   .ipv6 = true,
                   .src = 2,
                   .dst = 0,
                   .echo_reply = true,
                   .echo_id = 7,
                   .echo_seq = 1},
                Op{.kind = OpKind::kAdvance,
                   .advance_mode = AdvanceMode::kTimeout,
                   .timeout_index = 11,
                   .nudge = 4},
                Op{.kind = OpKind::kFlushZone}};
      out.push_back(in);
    }
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CORPORA_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path corpora = argv[1];
  const fs::path out = argv[2];
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(corpora)) {
    if (e.is_regular_file() && e.path().extension() == ".scenario" &&
        fs::weakly_canonical(e.path()).string().rfind(fs::weakly_canonical(out).string(), 0) != 0) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());

  std::set<std::string> programs;
  const std::string tmp_pcap = "/tmp/ctc-make-seeds-" + std::to_string(getpid()) + ".pcap";
  size_t scenarios = 0;
  for (const fs::path& f : files) {
    auto s = load_scenario(f.string());
    if (!s.ok()) {
      std::fprintf(stderr, "make_seeds: skipping %s: %s\n", f.c_str(), s.error().message.c_str());
      continue;
    }
    ++scenarios;
    std::vector<std::vector<uint8_t>> frames;
    for (const Step& step : s->steps) {
      if (const auto* inject = std::get_if<InjectStep>(&step)) frames.push_back(inject->frame);
    }
    for (const auto& frame : frames) write_seed(out / "fuzz_packet_parser", frame);
    write_seed(out / "fuzz_scenario_text", bytes_of(read_file(f)));
    if (!frames.empty() && write_pcap(tmp_pcap, frames).ok()) {
      write_seed(out / "fuzz_pcap_loader", bytes_of(read_file(tmp_pcap)));
    }
    programs.insert(s->flows);
    for (bool ovs : {false, true}) {
      if (!s->applies_to_profile(ovs ? "ovs-userspace" : "linux")) continue;
      if (auto in = encode_scenario(*s, ovs)) write_seed(out / "fuzz_differential", encode(*in));
    }
  }
  std::remove(tmp_pcap.c_str());
  for (uint8_t kind = 0; kind < 4; ++kind) {
    programs.insert(pipeline_flows(
        pipeline_spec(Header{.pipeline = static_cast<PipelineKind>(kind), .nat_ports = 2})));
  }
  for (const std::string& p : programs) write_seed(out / "fuzz_flow_parser", bytes_of(p));
  for (const Input& in : synthetic_inputs()) write_seed(out / "fuzz_differential", encode(in));
  std::printf("make_seeds: %zu scenarios -> %s\n", scenarios, out.c_str());
  return 0;
}
