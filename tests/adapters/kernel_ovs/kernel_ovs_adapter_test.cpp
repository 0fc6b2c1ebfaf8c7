// The kernel-ovs adapter: its error paths (no image, native mode), and live
// tests that boot the VM (skipped, with the reason, when the image of
// scripts/kernel-ovs-image.sh or qemu is missing). One VM serves the whole
// live suite (tests/CMakeLists.txt runs it as one CTest test): a boot under
// TCG takes 4-10 s.
#include "adapters/kernel_ovs/kernel_ovs_adapter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

using namespace tcp_flag;

const IpAddress kClient = IpAddress::v4(10, 0, 0, 1);
const IpAddress kServer = IpAddress::v4(10, 0, 0, 2);
constexpr uint8_t kTrk = CtState::kTrk, kNew = CtState::kNew, kEst = CtState::kEst,
                  kRpl = CtState::kRpl;

// A two-table stateful firewall: p1 may open connections to p2; p2 may only answer.
constexpr const char* kFirewall =
    "table=0,priority=10,ip,actions=ct(table=1,zone=1)\n"
    "table=0,priority=1,actions=drop\n"
    "table=1,priority=10,ct_state=+trk+new,ip,in_port=1,actions=ct(commit,zone=1),output:2\n"
    "table=1,priority=10,ct_state=+trk+est,ip,in_port=1,actions=output:2\n"
    "table=1,priority=10,ct_state=+trk+est,ip,in_port=2,actions=output:1\n"
    "table=1,priority=1,actions=drop\n";

std::vector<uint8_t> tcp_frame(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                               uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack) {
  return PacketBuilder().ip(src, dst).tcp(sport, dport, flags, seq, ack, 65535).frame();
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(KernelOvsAdapterSetup, MissingImageTellsWhichScriptBuildsIt) {
  ScopedEnv image("CTCONFORM_KERNEL_OVS_IMAGE", "/nonexistent/ctconform-image");
  auto made = make_kernel_ovs_adapter(AdapterOptions{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kNotFound);
  EXPECT_NE(made.error().message.find("scripts/kernel-ovs-image.sh"), std::string::npos)
      << made.error().message;
  ASSERT_TRUE(kernel_ovs_unavailable_reason().has_value());
}

TEST(KernelOvsAdapterSetup, NativeModeIsAnExplainedError) {
  ScopedEnv mode("CTCONFORM_KERNEL_OVS_MODE", "native");
  auto made = make_kernel_ovs_adapter(AdapterOptions{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(made.error().message.find("openvswitch.ko"), std::string::npos) << made.error().message;
}

TEST(KernelOvsAdapterSetup, UnknownModeIsRejected) {
  ScopedEnv mode("CTCONFORM_KERNEL_OVS_MODE", "kvm");
  auto made = make_kernel_ovs_adapter(AdapterOptions{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
}

// For the death test: a VM, qemu's pid written to `pid_file`, then SIGTERM.
[[noreturn]] void boot_then_sigterm(const std::string& pid_file) {
  auto made = make_kernel_ovs_adapter(
      AdapterOptions{.external_command = {}, .call_timeout = Duration::seconds(30)});
  if (!made.ok()) std::exit(3);
  ScenarioSetup setup{.ports = {{Port{1}, "a"}}, .flows = kFirewall, .profile = &linux_profile()};
  if (!(*made)->load(setup).ok()) std::exit(4);
  std::ofstream(pid_file) << kernel_ovs_diagnostics(**made)->qemu_pid;
  ::raise(SIGTERM);
  std::exit(5);
}

// Gone, or a zombie waiting for init to reap it.
bool process_gone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && line.compare(paren + 2, 1, "Z") == 0;
}

TEST(KernelOvsAdapterSignals, SigtermKillsTheVm) {
  if (auto why = kernel_ovs_unavailable_reason()) GTEST_SKIP() << *why;
  // One name for parent and child: the threadsafe death test re-executes the binary.
  const std::string pid_file =
      (std::filesystem::temp_directory_path() / "ctc-kernel-ovs-sigterm-test.pid").string();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(boot_then_sigterm(pid_file), ::testing::KilledBySignal(SIGTERM), "");
  int pid = 0;
  std::ifstream(pid_file) >> pid;
  std::filesystem::remove(pid_file);
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!process_gone(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(process_gone(pid)) << "qemu " << pid << " survived SIGTERM of its owner";
}

class KernelOvsLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (auto why = kernel_ovs_unavailable_reason()) {
      skip_reason_ = *why;
      return;
    }
    auto made = make_kernel_ovs_adapter(
        AdapterOptions{.external_command = {}, .call_timeout = Duration::seconds(30)});
    if (!made.ok()) {
      skip_reason_ = made.error().message;
      return;
    }
    adapter_ = std::move(made).value().release();
  }
  static void TearDownTestSuite() {
    delete adapter_;  // shuts the VM down
    adapter_ = nullptr;
  }
  void SetUp() override {
    if (!adapter_) GTEST_SKIP() << skip_reason_;
  }

  void load(const std::string& flows, const Profile& profile = linux_profile()) {
    ScenarioSetup setup{
        .ports = {{Port{1}, "client"}, {Port{2}, "server"}}, .flows = flows, .profile = &profile};
    const Status st = adapter_->load(setup);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  InjectResult inject(uint16_t port, const std::vector<uint8_t>& frame) {
    auto r = adapter_->inject(Port{port}, frame);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : InjectResult{};
  }

  std::vector<ConnectionSnapshot> dump() {
    auto rows = adapter_->dump_table();
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? std::move(rows).value() : std::vector<ConnectionSnapshot>{};
  }

  static Adapter* adapter_;
  static std::string skip_reason_;

  const std::vector<uint8_t> syn_ = tcp_frame(kClient, 40000, kServer, 80, kSyn, 1000, 0);
  const std::vector<uint8_t> syn_ack_ =
      tcp_frame(kServer, 80, kClient, 40000, kSyn | kAck, 5000, 1001);
  const std::vector<uint8_t> ack_ = tcp_frame(kClient, 40000, kServer, 80, kAck, 1001, 5001);
};

Adapter* KernelOvsLiveTest::adapter_ = nullptr;
std::string KernelOvsLiveTest::skip_reason_;

TEST_F(KernelOvsLiveTest, BootsDebianKernelWithOpenvswitchKo) {
  const auto d = kernel_ovs_diagnostics(*adapter_);
  ASSERT_TRUE(d.has_value());
  load(kFirewall);
  const auto after = kernel_ovs_diagnostics(*adapter_);
  EXPECT_TRUE(after->vm_running);
  EXPECT_EQ(after->kernel_release.rfind("6.1.", 0), 0u) << after->kernel_release;
  std::cout << "[ timing ] VM boot: " << after->last_boot_wall.to_seconds()
            << " s wall to the agent's READY (guest uptime " << after->last_boot_guest.to_seconds()
            << " s)\n";
}

TEST_F(KernelOvsLiveTest, TcpHandshakeThroughStatefulFirewall) {
  load(kFirewall);

  const InjectResult syn = inject(1, syn_);
  EXPECT_EQ(syn.classification, CtState(kTrk | kNew)) << syn.trace;
  EXPECT_EQ(syn.outputs, (std::vector<OutputFrame>{{Port{2}, syn_}}));

  const InjectResult syn_ack = inject(2, syn_ack_);
  EXPECT_EQ(syn_ack.classification, CtState(kTrk | kEst | kRpl)) << syn_ack.trace;
  EXPECT_EQ(syn_ack.outputs, (std::vector<OutputFrame>{{Port{1}, syn_ack_}}));

  const InjectResult ack = inject(1, ack_);
  EXPECT_EQ(ack.classification, CtState(kTrk | kEst)) << ack.trace;
  EXPECT_EQ(ack.outputs, (std::vector<OutputFrame>{{Port{2}, ack_}}));
  EXPECT_EQ(ack.trace, "ct(table=1) -> +trk+est");

  const std::vector<ConnectionSnapshot> rows = dump();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].zone.value, 1);
  EXPECT_EQ(rows[0].original.src, kClient);
  EXPECT_EQ(rows[0].original.dst_port, 80);
  EXPECT_EQ(rows[0].protocol_state, "ESTABLISHED");
  EXPECT_TRUE(rows[0].seen_reply);
  // nf_conntrack_tcp_timeout_established: 5 days.
  EXPECT_GT(rows[0].remaining, Duration::seconds(432000 - 60));
}

TEST_F(KernelOvsLiveTest, ReplyWithoutConnectionIsDropped) {
  load(kFirewall);
  const InjectResult r = inject(2, syn_ack_);
  EXPECT_TRUE(r.outputs.empty());
  // A SYN-ACK cannot start a connection: nf_conntrack_proto_tcp.c tcp_new() -> invalid.
  ASSERT_TRUE(r.classification.has_value()) << r.trace;
  EXPECT_TRUE(r.classification->has(kTrk)) << r.trace;
  EXPECT_FALSE(r.classification->has(kNew)) << r.trace;
  EXPECT_TRUE(dump().empty());
}

TEST_F(KernelOvsLiveTest, LoadAndFlushForgetConnections) {
  load(kFirewall);
  inject(1, syn_);
  EXPECT_EQ(dump().size(), 1u);
  ASSERT_TRUE(adapter_->flush(Zone{1}).ok());
  EXPECT_TRUE(dump().empty());
  inject(1, syn_);
  EXPECT_EQ(dump().size(), 1u);
  load(kFirewall);
  EXPECT_TRUE(dump().empty());
}

TEST_F(KernelOvsLiveTest, OvsUserspaceProfileIsRefused) {
  ScenarioSetup setup{
      .ports = {{Port{1}, "a"}}, .flows = kFirewall, .profile = &ovs_userspace_profile()};
  const Status st = adapter_->load(setup);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
}

// Lock-step rate with a verdict (outputs + classification) per packet.
TEST_F(KernelOvsLiveTest, Throughput) {
  load(kFirewall);
  // CTCONFORM_KERNEL_OVS_BENCH_PACKETS: a longer run, to measure or to hunt for a lost frame.
  const char* env = ::getenv("CTCONFORM_KERNEL_OVS_BENCH_PACKETS");
  const int kPackets = env ? std::max(1, std::atoi(env)) : 200;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kPackets; ++i) {
    const auto frame = PacketBuilder()
                           .ip(kClient, kServer)
                           .udp(static_cast<uint16_t>(10000 + i % 50), 53)
                           .payload_size(10)
                           .frame();
    auto r = adapter_->inject(Port{1}, frame);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->outputs.size(), 1u) << "packet " << i;
    ASSERT_TRUE(r->classification.has_value()) << "packet " << i;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ timing ] kernel-ovs: " << kPackets / seconds
            << " packets/s with per-packet observation\n";
  EXPECT_GT(kPackets / seconds, 5.0);
}

}  // namespace
}  // namespace ctc
