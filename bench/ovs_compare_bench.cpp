// The built-in engine's connection tracker on the workload of OVS's own
// conntrack benchmark, `ovstest test-conntrack benchmark 1 N 32`
// (scripts/bench-vs-ovs.sh runs both and prints both figures), and the
// per-packet rate of the ovs-conntrack-lib adapter.
//
// What OVS measures (tests/test-conntrack.c test_benchmark / ct_thread_main,
// OVS 3.1.0): one thread, a batch of 32 copies of one frame (prepare_packets:
// UDP 10.1.1.1:1 -> 10.1.1.2:2, IPv4 header checksum set, UDP checksum 0,
// parsed once by flow_extract), passed to conntrack_execute() with
// commit=true in zone 0, no NAT, mark or label, at a fixed `now`, N/32 times.
// After each call pkt_metadata_init_conn() clears the packets' cached
// connection, so every packet is looked up again; conn_key_extract()
// re-verifies the IPv4 header checksum each time (nothing marks it good).
// So: one connection, UDP, new (no reply ever comes), lookup + update +
// commit of an existing entry per packet.
//
// BM_BuiltinOvsBenchmarkWorkload does the same with FastConntrack under the
// ovs-userspace profile: frames parsed once, checksums re-verified on every
// pass, metadata (and so the connection cache) cleared after every batch of
// 32. The Preverified variant keeps the checksum verdict (the built-in
// engine caches it per frame), to show what that check costs.
//
// BM_OvsConntrackLibAdapterInject: Adapter::inject() through ovs-conntrack-lib,
// one frame per call with its verdict (a pcap record into the FIFO, the
// ct_state line back); skipped when ovstest is not built.
//
// Items per second are packets per second of wall-clock time (UseRealTime:
// OVS's figure is wall-clock too, and the adapter's rate includes the time
// ovstest spends). Run:
//   bench/ovs_compare_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <vector>

#include "adapters/builtin/fast_conntrack.h"
#include "adapters/ovs_conntrack_lib/commit_all_program.h"
#include "adapters/ovs_conntrack_lib/ovs_conntrack_lib_adapter.h"
#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

constexpr size_t kOvsBatch = 32;  // the BATCH argument scripts/bench-vs-ovs.sh passes

// test-conntrack.c `payload` (thread 0: source port 1 + tid = 1), built with
// our builder: the same addresses, ports and MACs; TTL and the IP id differ,
// which conntrack does not read.
std::vector<uint8_t> ovs_benchmark_frame() {
  return PacketBuilder()
      .eth(MacAddress::parse("50:54:00:00:00:09").value(),
           MacAddress::parse("50:54:00:00:00:0a").value())
      .ip(IpAddress::v4(10, 1, 1, 1), IpAddress::v4(10, 1, 1, 2))
      .udp(1, 2)
      .l4_checksum(0)
      .frame();
}

CtAction commit_zone0() {
  CtAction a;
  a.commit = true;
  a.zone = 0;
  return a;
}

void run_ovs_workload(benchmark::State& state, bool reverify_checksums) {
  builtin::FastConntrack ct(ovs_userspace_profile(), std::nullopt);
  const CtAction commit = commit_zone0();
  const std::vector<uint8_t> bytes = ovs_benchmark_frame();
  std::vector<builtin::Frame> frames(kOvsBatch);
  std::vector<builtin::Frame*> pointers;
  for (builtin::Frame& f : frames) {
    f.load(bytes);
    pointers.push_back(&f);
  }
  std::vector<builtin::CtMeta> mds(kOvsBatch);
  const int64_t now = Duration::seconds(1).ns;
  int64_t packets = 0, tracked = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < kOvsBatch; ++i) {
      mds[i] = builtin::CtMeta{};  // pkt_metadata_init_conn(): no cached connection
      if (reverify_checksums) frames[i].verified = false;
    }
    ct.execute_batch(pointers, commit, 0, now, mds);
    for (const builtin::CtMeta& md : mds) tracked += md.state.has(CtState::kTrk);
    packets += kOvsBatch;
  }
  state.SetItemsProcessed(packets);
  state.counters["ns_per_packet"] = benchmark::Counter(
      static_cast<double>(packets), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (tracked != packets) state.SkipWithError("a packet was not tracked");
  if (ct.size() != 1) state.SkipWithError("expected exactly one connection");
}

void BM_BuiltinOvsBenchmarkWorkload(benchmark::State& state) { run_ovs_workload(state, true); }
BENCHMARK(BM_BuiltinOvsBenchmarkWorkload)->UseRealTime();

void BM_BuiltinOvsBenchmarkWorkloadPreverified(benchmark::State& state) {
  run_ovs_workload(state, false);
}
BENCHMARK(BM_BuiltinOvsBenchmarkWorkloadPreverified)->UseRealTime();

// A TCP connection that stays established: the client's data segment and the
// server's ACK, alternately, through the adapter with a verdict each.
void BM_OvsConntrackLibAdapterInject(benchmark::State& state) {
  auto made = make_ovs_conntrack_lib_adapter(AdapterOptions{});
  if (!made.ok()) {
    state.SkipWithError(made.error().message.c_str());
    return;
  }
  Adapter& adapter = **made;
  const ScenarioSetup setup{.ports = {{Port{1}, "inside"}, {Port{2}, "outside"}},
                            .flows = ovs_conntrack_lib::kCommitAllFlows,
                            .profile = &ovs_userspace_profile(),
                            .want_trace = false};
  if (auto st = adapter.load(setup); !st.ok()) {
    state.SkipWithError(st.error().message.c_str());
    return;
  }
  using namespace tcp_flag;
  const IpAddress client = IpAddress::v4(10, 0, 0, 1), server = IpAddress::v4(172, 16, 0, 1);
  auto segment = [&](bool from_client, uint8_t flags, uint32_t seq, uint32_t ack) {
    PacketBuilder b;
    if (from_client) {
      b.ip(client, server).tcp(40000, 80, flags, seq, ack, 65535);
    } else {
      b.ip(server, client).tcp(80, 40000, flags, seq, ack, 65535);
    }
    return b.frame();
  };
  for (const auto& [from_client, flags, seq, ack] :
       {std::tuple{true, kSyn, 1000u, 0u}, std::tuple{false, uint8_t(kSyn | kAck), 5000u, 1001u},
        std::tuple{true, kAck, 1001u, 5001u}}) {
    const Port port{static_cast<uint16_t>(from_client ? 1 : 2)};
    if (!adapter.inject(port, segment(from_client, flags, seq, ack)).ok()) {
      state.SkipWithError("handshake failed");
      return;
    }
  }
  // Retransmissions of the same in-window segments keep the connection
  // established however many iterations run.
  const std::vector<uint8_t> data = segment(true, kAck | kPsh, 1001, 5001);
  const std::vector<uint8_t> ack = segment(false, kAck, 5001, 1001);
  int64_t packets = 0, established = 0;
  for (auto _ : state) {
    const bool client_turn = (packets & 1) == 0;
    auto r = adapter.inject(Port{static_cast<uint16_t>(client_turn ? 1 : 2)}, client_turn ? data : ack);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    established += r->classification && r->classification->has(CtState::kEst);
    ++packets;
  }
  state.SetItemsProcessed(packets);
  if (established != packets) state.SkipWithError("not every segment was established");
  adapter.shutdown();
}
BENCHMARK(BM_OvsConntrackLibAdapterInject)->MinTime(2.0)->UseRealTime();

}  // namespace
}  // namespace ctc

BENCHMARK_MAIN();
