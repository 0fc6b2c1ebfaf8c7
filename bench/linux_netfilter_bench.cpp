// Throughput of the linux-netfilter adapter: the real kernel nf_conntrack in a
// namespace of the adapter's own, one inject() per iteration with everything
// the runner asks of it (the outputs of every port and the ct_state
// classification, when the adapter reports one). Also the cost of building a
// namespace (create, ruleset, sysctls, probe) and of tearing it down.
//
// Needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN); otherwise every benchmark is
// skipped with the reason. Rates are packets per second: `pps` on the wall
// clock (what a run of scenarios sees, slowed by anything else running on the
// machine), `pps_cpu` on this thread's CPU time, user and kernel (the
// forwarding runs in the writer's context, so this is the cost of a packet
// end to end, and steadier on a shared machine). Run:
//   bench/linux_netfilter_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <time.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/linux_netfilter/linux_netfilter_adapter.h"
#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

using namespace tcp_flag;

constexpr uint32_t kConnections = 1000;

// The corpus's two-port stateful firewall (corpora/tcp/tcp-handshake.scenario).
constexpr const char *kFirewall =
    "table=0,priority=100,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=100,ipv6,actions=ct(table=1,zone=1)\n"
    "table=0,priority=0,actions=drop\n"
    "table=1,priority=100,ip,in_port=1,ct_state=+trk+new,actions=ct(commit,"
    "zone=1),output:2\n"
    "table=1,priority=100,ipv6,in_port=1,ct_state=+trk+new,actions=ct(commit,"
    "zone=1),output:2\n"
    "table=1,priority=90,in_port=1,ct_state=+trk+est,actions=output:2\n"
    "table=1,priority=90,in_port=2,ct_state=+trk+est,actions=output:1\n"
    "table=1,priority=80,in_port=1,ct_state=+trk+rel,actions=output:2\n"
    "table=1,priority=80,in_port=2,ct_state=+trk+rel,actions=output:1\n"
    "table=1,priority=70,ct_state=+trk+inv,actions=output:3\n"
    "table=1,priority=0,actions=drop\n";

const std::vector<PortDecl> &firewall_ports() {
  static const std::vector<PortDecl> ports = {
      {Port{1}, "inside"}, {Port{2}, "outside"}, {Port{3}, "audit"}};
  return ports;
}

IpAddress client(uint32_t i) { return IpAddress::v4(0x0a000000u + 1 + i); }
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);
uint16_t client_port(uint32_t i) { return static_cast<uint16_t>(10000 + i); }

std::vector<uint8_t> segment(bool from_client, uint32_t i, uint8_t flags,
                             uint32_t seq, uint32_t ack) {
  PacketBuilder b;
  if (from_client) {
    b.ip(client(i), kServer).tcp(client_port(i), 80, flags, seq, ack, 65535);
  } else {
    b.ip(kServer, client(i)).tcp(80, client_port(i), flags, seq, ack, 65535);
  }
  return b.frame();
}

std::vector<uint8_t> datagram(bool from_client, uint32_t i) {
  PacketBuilder b;
  if (from_client) {
    b.ip(client(i), kServer).udp(client_port(i), 53);
  } else {
    b.ip(kServer, client(i)).udp(53, client_port(i));
  }
  return b.payload_size(32).frame();
}

struct Injection {
  Port port;
  std::vector<uint8_t> frame;
};

// A loaded adapter, or the reason there is none (the benchmark is skipped).
struct LoadedAdapter {
  std::unique_ptr<Adapter> adapter;
  std::string error;

  static LoadedAdapter make() {
    LoadedAdapter out;
    auto made = make_linux_netfilter_adapter(AdapterOptions{});
    if (!made.ok()) {
      out.error = made.error().message;
      return out;
    }
    out.adapter = std::move(*made);
    auto st = out.adapter->load(ScenarioSetup{.ports = firewall_ports(),
                                              .flows = kFirewall,
                                              .profile = &linux_profile(),
                                              .want_trace = false});
    if (!st.ok())
      out.error = st.error().message;
    return out;
  }
};

// Injects each frame once; returns false (and skips the benchmark) when the
// adapter fails or a frame does not come out as expected.
bool run_setup(benchmark::State &state, Adapter &adapter,
               const std::vector<Injection> &packets) {
  for (const Injection &p : packets) {
    auto r = adapter.inject(p.port, p.frame);
    if (!r.ok() || r->outputs.size() != 1) {
      state.SkipWithError(r.ok() ? "a set-up packet was not forwarded"
                                 : r.error().message.c_str());
      return false;
    }
  }
  return true;
}

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// The measured loop: one inject per iteration, each must leave on one port.
void inject_loop(benchmark::State &state, Adapter &adapter,
                 const std::vector<Injection> &packets) {
  const bool classified = adapter.capabilities().classification;
  const double cpu_start = thread_cpu_seconds();
  size_t i = 0;
  for (auto _ : state) {
    auto r = adapter.inject(packets[i].port, packets[i].frame);
    if (!r.ok() || r->outputs.size() != 1 ||
        (classified && !r->classification)) {
      state.SkipWithError(r.ok()
                              ? "a packet was not forwarded or not classified"
                              : r.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r->outputs.data());
    if (++i == packets.size())
      i = 0;
  }
  const double cpu_seconds = thread_cpu_seconds() - cpu_start;
  state.counters["pps"] = benchmark::Counter(
      static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (cpu_seconds > 0) {
    state.counters["pps_cpu"] =
        static_cast<double>(state.iterations()) / cpu_seconds;
  }
}

// Established TCP over kConnections connections: in-window ACKs, alternately
// from the client (port 1) and the server (port 2).
void BM_InjectEstablishedTcp(benchmark::State &state) {
  LoadedAdapter a = LoadedAdapter::make();
  if (!a.error.empty())
    return state.SkipWithError(a.error.c_str());
  std::vector<Injection> handshakes, acks;
  for (uint32_t i = 0; i < kConnections; ++i) {
    handshakes.push_back({Port{1}, segment(true, i, kSyn, 1000, 0)});
    handshakes.push_back({Port{2}, segment(false, i, kSyn | kAck, 5000, 1001)});
    handshakes.push_back({Port{1}, segment(true, i, kAck, 1001, 5001)});
    acks.push_back({Port{1}, segment(true, i, kAck, 1001, 5001)});
    acks.push_back({Port{2}, segment(false, i, kAck, 5001, 1001)});
  }
  if (!run_setup(state, *a.adapter, handshakes))
    return;
  inject_loop(state, *a.adapter, acks);
}

// A UDP request/response stream over kConnections flows.
void BM_InjectUdpStream(benchmark::State &state) {
  LoadedAdapter a = LoadedAdapter::make();
  if (!a.error.empty())
    return state.SkipWithError(a.error.c_str());
  std::vector<Injection> packets;
  for (uint32_t i = 0; i < kConnections; ++i) {
    packets.push_back({Port{1}, datagram(true, i)});
    packets.push_back({Port{2}, datagram(false, i)});
  }
  if (!run_setup(state, *a.adapter, packets))
    return;
  inject_loop(state, *a.adapter, packets);
}

// A fresh adapter's first load(): namespace, TUNs, routes, ruleset, sysctls,
// probe. Teardown runs outside the timed region.
void BM_NamespaceBuild(benchmark::State &state) {
  for (auto _ : state) {
    LoadedAdapter a = LoadedAdapter::make();
    if (!a.error.empty()) {
      state.SkipWithError(a.error.c_str());
      break;
    }
    state.PauseTiming();
    a.adapter->shutdown();
    state.ResumeTiming();
  }
}

// shutdown() of a loaded adapter: the namespace leaves /run/netns at once;
// the TUN closes (one RCU grace period each) finish on a detached thread.
void BM_NamespaceTeardown(benchmark::State &state) {
  for (auto _ : state) {
    state.PauseTiming();
    LoadedAdapter a = LoadedAdapter::make();
    state.ResumeTiming();
    if (!a.error.empty()) {
      state.SkipWithError(a.error.c_str());
      break;
    }
    a.adapter->shutdown();
  }
}

// Reloading the same program into a live namespace (what the runner does
// between scenarios that share ports and program): sysctls, table flush,
// TUN drain.
void BM_ReloadSameProgram(benchmark::State &state) {
  LoadedAdapter a = LoadedAdapter::make();
  if (!a.error.empty())
    return state.SkipWithError(a.error.c_str());
  const ScenarioSetup setup{.ports = firewall_ports(),
                            .flows = kFirewall,
                            .profile = &linux_profile(),
                            .want_trace = false};
  for (auto _ : state) {
    auto st = a.adapter->load(setup);
    if (!st.ok()) {
      state.SkipWithError(st.error().message.c_str());
      break;
    }
  }
}

BENCHMARK(BM_InjectEstablishedTcp)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_InjectUdpStream)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_NamespaceBuild)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20)
    ->UseRealTime();
BENCHMARK(BM_NamespaceTeardown)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20)
    ->UseRealTime();
BENCHMARK(BM_ReloadSameProgram)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(50)
    ->UseRealTime();

} // namespace
} // namespace ctc

BENCHMARK_MAIN();
