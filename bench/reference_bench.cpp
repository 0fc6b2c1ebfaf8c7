// Throughput of the reference oracle: conntrack alone (established TCP over
// 10k connections; new-connection churn) and the flow datapath (a 3-table
// stateful firewall over 10k established connections). Figures are packets
// per second on one core; memory per connection is reported as a counter.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include "reference/conntrack/conntrack.h"
#include "reference/flow/flow_datapath.h"
#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

constexpr size_t kConnections = 10'000;

IpAddress client(size_t i) { return IpAddress::v4(0x0a000000u + static_cast<uint32_t>(i)); }
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);

uint16_t client_port(size_t i) { return static_cast<uint16_t>(10000 + i % 50000); }

Packet segment(size_t i, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack) {
  PacketBuilder b;
  if (from_client) {
    b.ip(client(i), kServer).tcp(client_port(i), 80, flags, seq, ack, 65535);
  } else {
    b.ip(kServer, client(i)).tcp(80, client_port(i), flags, seq, ack, 65535);
  }
  return b.packet();
}

size_t heap_in_use() { return mallinfo2().uordblks; }

// 10k established connections and, per connection, an in-window ACK from each side.
struct EstablishedSet {
  std::vector<Packet> acks;
  size_t bytes_per_connection = 0;

  void open(Conntrack& ct, const Profile& profile) {
    (void)profile;
    const size_t before = heap_in_use();
    CtRequest commit{.commit = true};
    for (size_t i = 0; i < kConnections; ++i) {
      PacketCtMetadata md;
      Packet syn = segment(i, true, tcp_flag::kSyn, 1000, 0);
      ct.execute(syn, commit, {}, md);
      Packet synack = segment(i, false, tcp_flag::kSyn | tcp_flag::kAck, 5000, 1001);
      ct.execute(synack, commit, {}, md);
      Packet ack = segment(i, true, tcp_flag::kAck, 1001, 5001);
      ct.execute(ack, commit, {}, md);
    }
    bytes_per_connection = (heap_in_use() - before) / kConnections;
    for (size_t i = 0; i < kConnections; ++i) {
      acks.push_back(segment(i, true, tcp_flag::kAck, 1001, 5001));
      acks.push_back(segment(i, false, tcp_flag::kAck, 5001, 1001));
    }
  }
};

void BM_ConntrackEstablishedTcp(benchmark::State& state, const Profile* profile) {
  Conntrack ct(ConntrackOptions{profile});
  EstablishedSet set;
  set.open(ct, *profile);
  CtRequest lookup{};
  size_t i = 0;
  for (auto _ : state) {
    PacketCtMetadata md;
    ct.execute(set.acks[i], lookup, {}, md);
    benchmark::DoNotOptimize(md.state);
    if (++i == set.acks.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_conn"] = static_cast<double>(set.bytes_per_connection);
  state.counters["pps"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                             benchmark::Counter::kIsRate);
}

void BM_ConntrackNewConnectionChurn(benchmark::State& state, const Profile* profile) {
  Conntrack ct(ConntrackOptions{profile});
  std::vector<Packet> syns;
  for (size_t i = 0; i < kConnections; ++i) syns.push_back(segment(i, true, tcp_flag::kSyn, 1000, 0));
  CtRequest commit{.commit = true};
  size_t i = 0;
  for (auto _ : state) {
    PacketCtMetadata md;
    ct.execute(syns[i], commit, {}, md);
    benchmark::DoNotOptimize(md.state);
    if (++i == syns.size()) {
      // Each round opens the same 10k connections afresh.
      state.PauseTiming();
      ct.flush();
      i = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pps"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                             benchmark::Counter::kIsRate);
}

// The same program the builtin bench runs (bench/builtin_bench.cpp).
constexpr const char* kFirewall =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,zone=1),resubmit(,2)\n"
    "table=1,priority=90,ct_state=+trk+est,actions=resubmit(,2)\n"
    "table=1,priority=0,actions=drop\n"
    "table=2,priority=10,in_port=1,actions=output:2\n"
    "table=2,priority=10,in_port=2,actions=output:1\n";

void BM_FlowFirewallEstablishedTcp(benchmark::State& state, const Profile* profile) {
  auto program = parse_flow_program(kFirewall);
  if (!program.ok()) {
    state.SkipWithError(program.error().message.c_str());
    return;
  }
  FlowDatapath dp(*profile, std::move(program).value());
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint16_t> in_ports;
  for (size_t i = 0; i < kConnections; ++i) {
    dp.process(1, serialize_frame(segment(i, true, tcp_flag::kSyn, 1000, 0)), {});
    dp.process(2, serialize_frame(segment(i, false, tcp_flag::kSyn | tcp_flag::kAck, 5000, 1001)), {});
    dp.process(1, serialize_frame(segment(i, true, tcp_flag::kAck, 1001, 5001)), {});
    frames.push_back(serialize_frame(segment(i, true, tcp_flag::kAck, 1001, 5001)));
    in_ports.push_back(1);
    frames.push_back(serialize_frame(segment(i, false, tcp_flag::kAck, 5001, 1001)));
    in_ports.push_back(2);
  }
  size_t i = 0;
  for (auto _ : state) {
    DatapathResult r = dp.process(in_ports[i], frames[i], {});
    benchmark::DoNotOptimize(r.outputs.data());
    if (++i == frames.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["pps"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                             benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_ConntrackEstablishedTcp, linux, &linux_profile());
BENCHMARK_CAPTURE(BM_ConntrackEstablishedTcp, ovs_userspace, &ovs_userspace_profile());
BENCHMARK_CAPTURE(BM_ConntrackNewConnectionChurn, linux, &linux_profile());
BENCHMARK_CAPTURE(BM_ConntrackNewConnectionChurn, ovs_userspace, &ovs_userspace_profile());
BENCHMARK_CAPTURE(BM_FlowFirewallEstablishedTcp, linux, &linux_profile());
BENCHMARK_CAPTURE(BM_FlowFirewallEstablishedTcp, ovs_userspace, &ovs_userspace_profile());

}  // namespace
}  // namespace ctc

BENCHMARK_MAIN();
