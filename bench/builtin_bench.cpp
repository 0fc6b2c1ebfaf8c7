// Throughput of the built-in engine (adapters/builtin), with the reference
// oracle measured the same way for comparison (target: builtin >= 3x).
//
//   Firewall: established TCP over 10k connections through a 3-table
//             stateful firewall (classify -> ct(table=) -> forward), frames in,
//             frames out, through the batch API.
//   Conntrack: the connection tracker alone on established TCP segments
//             (checksums verified, window tracked), no flow tables.
//
// Items per second are packets per second. Run:
//   bench/builtin_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <vector>

#include "adapters/builtin/builtin_engine.h"
#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_datapath.h"
#include "reference/packet/packet_builder.h"
#include "reference/packet/packet_parser.h"

namespace ctc {
namespace {

using namespace tcp_flag;

#ifndef BUILTIN_BENCH_CONNECTIONS
#define BUILTIN_BENCH_CONNECTIONS 10000
#endif
constexpr uint32_t kConnections = BUILTIN_BENCH_CONNECTIONS;

constexpr const char* kThreeTableFirewall =
    "table=0,priority=100,in_port=1,ip,actions=load:1->NXM_NX_REG0[],ct(table=1,zone=1)\n"
    "table=0,priority=100,in_port=2,ip,actions=load:2->NXM_NX_REG0[],ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,ip,reg0=1,ct_state=+trk+new,actions=ct(commit,zone=1),resubmit(,2)\n"
    "table=1,priority=90,ct_state=+trk+est,actions=resubmit(,2)\n"
    "table=1,priority=80,ct_state=+trk+rel,actions=resubmit(,2)\n"
    "table=1,priority=0,actions=drop\n"
    "table=2,priority=100,reg0=1,actions=output:2\n"
    "table=2,priority=100,reg0=2,actions=output:1\n"
    "table=2,priority=0,actions=drop\n";

IpAddress client(uint32_t i) { return IpAddress::v4(0x0a000000u + i); }
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);

std::vector<uint8_t> segment(bool from_client, uint32_t i, uint8_t flags, uint32_t seq, uint32_t ack,
                             size_t len = 0) {
  const uint16_t cport = static_cast<uint16_t>(10000 + i % 50000);
  PacketBuilder b;
  if (from_client) {
    b.ip(client(i), kServer).tcp(cport, 80, flags, seq, ack, 65535);
  } else {
    b.ip(kServer, client(i)).tcp(80, cport, flags, seq, ack, 65535);
  }
  if (len) b.payload_size(len);
  return b.frame();
}

// The handshakes that set up every connection, then the established
// traffic: a data segment from the client and the server's ACK for each.
struct Traffic {
  std::vector<std::vector<uint8_t>> setup;
  std::vector<uint16_t> setup_ports;
  std::vector<std::vector<uint8_t>> established;
  std::vector<uint16_t> established_ports;

  Traffic() {
    for (uint32_t i = 0; i < kConnections; ++i) {
      setup.push_back(segment(true, i, kSyn, 1000, 0));
      setup.push_back(segment(false, i, kSyn | kAck, 5000, 1001));
      setup.push_back(segment(true, i, kAck, 1001, 5001));
      setup_ports.insert(setup_ports.end(), {1, 2, 1});
      established.push_back(segment(true, i, kAck | kPsh, 1001, 5001, 64));
      established.push_back(segment(false, i, kAck, 5001, 1065));
      established_ports.insert(established_ports.end(), {1, 2});
    }
  }
};

const Traffic& traffic() {
  static const Traffic t;
  return t;
}

FlowProgram firewall_program() { return parse_flow_program(kThreeTableFirewall).value(); }

void BM_BuiltinFirewallEstablished(benchmark::State& state) {
  const Traffic& t = traffic();
  builtin::BuiltinEngine engine(linux_profile(), firewall_program());
  builtin::BatchResult out;
  for (size_t i = 0; i < t.setup.size(); ++i) engine.process(t.setup_ports[i], t.setup[i], 0, out);
  std::vector<builtin::BatchFrame> batch;
  for (size_t i = 0; i < t.established.size(); ++i) {
    batch.push_back({t.established_ports[i], t.established[i]});
  }
  constexpr size_t kBatch = 256;
  size_t at = 0;
  int64_t packets = 0;
  for (auto _ : state) {
    const size_t n = std::min(kBatch, batch.size() - at);
    engine.process_batch(std::span(batch).subspan(at, n), Duration::seconds(1).ns, out);
    benchmark::DoNotOptimize(out.outputs.data());
    at = (at + n) % batch.size();
    packets += static_cast<int64_t>(n);
  }
  state.SetItemsProcessed(packets);
  if (out.outputs.empty()) state.SkipWithError("nothing forwarded");
}
BENCHMARK(BM_BuiltinFirewallEstablished);

void BM_ReferenceFirewallEstablished(benchmark::State& state) {
  const Traffic& t = traffic();
  FlowDatapath dp(linux_profile(), firewall_program());
  for (size_t i = 0; i < t.setup.size(); ++i) dp.process(t.setup_ports[i], t.setup[i], Timestamp{});
  size_t at = 0;
  size_t forwarded = 0;
  for (auto _ : state) {
    DatapathResult r = dp.process(t.established_ports[at], t.established[at], Timestamp{Duration::seconds(1).ns});
    forwarded += r.outputs.size();
    at = (at + 1) % t.established.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (forwarded == 0) state.SkipWithError("nothing forwarded");
}
BENCHMARK(BM_ReferenceFirewallEstablished);

CtAction commit_zone1() {
  CtAction a;
  a.commit = true;
  a.zone = 1;
  return a;
}

void BM_BuiltinConntrackEstablished(benchmark::State& state) {
  const Traffic& t = traffic();
  builtin::FastConntrack ct(linux_profile(), std::nullopt);
  const CtAction commit = commit_zone1();
  builtin::Frame f;
  for (const auto& frame : t.setup) {
    f.load(frame);
    builtin::CtMeta md;
    ct.execute(f, commit, 1, 0, md);
  }
  // Frames arrive as bytes: each is copied in, its headers found and its
  // checksums verified, then tracked; batches of 32 through execute_batch.
  constexpr size_t kBatch = 32;
  std::vector<builtin::Frame> frames(kBatch);
  std::vector<builtin::Frame*> pointers;
  for (builtin::Frame& fr : frames) pointers.push_back(&fr);
  std::vector<builtin::CtMeta> mds(kBatch);
  size_t at = 0;
  int64_t packets = 0, established = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kBatch; ++i) {
      frames[i].load(t.established[(at + i) % t.established.size()]);
      mds[i] = builtin::CtMeta{};
    }
    ct.execute_batch(pointers, commit, 1, Duration::seconds(1).ns, mds);
    for (const builtin::CtMeta& md : mds) established += md.state.has(CtState::kEst);
    at = (at + kBatch) % t.established.size();
    packets += kBatch;
  }
  state.SetItemsProcessed(packets);
  if (established != packets) state.SkipWithError("not all established");
}
BENCHMARK(BM_BuiltinConntrackEstablished);

// The reference's request for every packet: commit in zone 1.
CtRequest reference_commit() {
  CtRequest commit;
  commit.zone = Zone{1};
  commit.commit = true;
  return commit;
}

// A reference conntrack that holds the traffic's connections (its setup packets).
Conntrack reference_with_connections(const Traffic& t, const CtRequest& commit) {
  Conntrack ct(ConntrackOptions{&linux_profile()});
  for (const auto& frame : t.setup) {
    Packet p = parse_frame(frame).value();
    PacketCtMetadata md;
    ct.execute(p, commit, Timestamp{}, md);
  }
  return ct;
}

void BM_ReferenceConntrackEstablished(benchmark::State& state) {
  const Traffic& t = traffic();
  const CtRequest commit = reference_commit();
  Conntrack ct = reference_with_connections(t, commit);
  // The same work: bytes parsed into the packet model (checksums verified), then tracked.
  size_t at = 0;
  int64_t established = 0;
  for (auto _ : state) {
    Packet p = parse_frame(t.established[at]).value();
    PacketCtMetadata md;
    ct.execute(p, commit, Timestamp{Duration::seconds(1).ns}, md);
    established += md.state.has(CtState::kEst);
    at = (at + 1) % t.established.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (established != static_cast<int64_t>(state.iterations())) state.SkipWithError("not all established");
}
BENCHMARK(BM_ReferenceConntrackEstablished);

// The reference on packets parsed beforehand: its tracker alone, without the
// parse (and so without checksum verification, which the parse does).
void BM_ReferenceConntrackEstablishedPreparsed(benchmark::State& state) {
  const Traffic& t = traffic();
  const CtRequest commit = reference_commit();
  Conntrack ct = reference_with_connections(t, commit);
  std::vector<Packet> packets;
  for (const auto& frame : t.established) packets.push_back(parse_frame(frame).value());
  size_t at = 0;
  int64_t established = 0;
  for (auto _ : state) {
    PacketCtMetadata md;
    ct.execute(packets[at], commit, Timestamp{Duration::seconds(1).ns}, md);
    established += md.state.has(CtState::kEst);
    at = (at + 1) % packets.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  if (established != static_cast<int64_t>(state.iterations())) state.SkipWithError("not all established");
}
BENCHMARK(BM_ReferenceConntrackEstablishedPreparsed);

// The built-in tracker on frames whose headers were found and checksums
// verified beforehand: the counterpart of the pre-parsed reference.
void BM_BuiltinConntrackEstablishedPreparsed(benchmark::State& state) {
  const Traffic& t = traffic();
  builtin::FastConntrack ct(linux_profile(), std::nullopt);
  const CtAction commit = commit_zone1();
  builtin::Frame f;
  for (const auto& frame : t.setup) {
    f.load(frame);
    builtin::CtMeta md;
    ct.execute(f, commit, 1, 0, md);
  }
  std::vector<builtin::Frame> frames(t.established.size());
  std::vector<builtin::Frame*> pointers;
  for (size_t i = 0; i < frames.size(); ++i) {
    frames[i].load(t.established[i]);
    frames[i].verify();
    pointers.push_back(&frames[i]);
  }
  constexpr size_t kBatch = 32;
  std::vector<builtin::CtMeta> mds(kBatch);
  size_t at = 0;
  int64_t packets = 0, established = 0;
  for (auto _ : state) {
    for (builtin::CtMeta& md : mds) md = builtin::CtMeta{};
    ct.execute_batch(std::span(pointers).subspan(at, kBatch), commit, 1, Duration::seconds(1).ns, mds);
    for (const builtin::CtMeta& md : mds) established += md.state.has(CtState::kEst);
    at = (at + kBatch) % (pointers.size() - pointers.size() % kBatch);
    packets += kBatch;
  }
  state.SetItemsProcessed(packets);
  if (established != packets) state.SkipWithError("not all established");
}
BENCHMARK(BM_BuiltinConntrackEstablishedPreparsed);


}  // namespace
}  // namespace ctc

BENCHMARK_MAIN();
