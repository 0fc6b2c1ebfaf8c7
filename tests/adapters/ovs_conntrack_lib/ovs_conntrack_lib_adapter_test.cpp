// The ovs-conntrack-lib adapter against a real `ovstest` (built by
// scripts/build-ovstest.sh); the live tests skip, saying why, when the binary
// is not there.
#include "adapters/ovs_conntrack_lib/ovs_conntrack_lib_adapter.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "adapters/ovs_conntrack_lib/commit_all_program.h"
#include "adapters/ovs_conntrack_lib/ovstest_binary.h"
#include "reference/packet/packet_builder.h"

namespace ctc {
namespace {

using namespace tcp_flag;

const IpAddress kClient = IpAddress::v4(10, 0, 0, 1);
const IpAddress kServer = IpAddress::v4(172, 16, 0, 1);
constexpr uint8_t kTrk = CtState::kTrk, kNew = CtState::kNew, kEst = CtState::kEst,
                  kRpl = CtState::kRpl, kInv = CtState::kInv;

ScenarioSetup commit_all_setup(const char* flows = ovs_conntrack_lib::kCommitAllFlows) {
  return ScenarioSetup{.ports = {{Port{1}, "inside"}, {Port{2}, "outside"}},
                       .flows = flows,
                       .profile = &ovs_userspace_profile()};
}

std::vector<uint8_t> from_client(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t sport = 40000) {
  return PacketBuilder().ip(kClient, kServer).tcp(sport, 80, flags, seq, ack, 65535).frame();
}
std::vector<uint8_t> from_server(uint8_t flags, uint32_t seq, uint32_t ack) {
  return PacketBuilder().ip(kServer, kClient).tcp(80, 40000, flags, seq, ack, 65535).frame();
}

// Sets an environment variable for one test and restores it after.
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

TEST(OvsConntrackLibFactory, MissingBinaryIsUnsupportedWithTheReason) {
  ScopedEnv env(ovs_conntrack_lib::kOvstestEnvVar, "/nonexistent/ovstest");
  auto made = make_ovs_conntrack_lib_adapter(AdapterOptions{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(made.error().message.find("/nonexistent/ovstest"), std::string::npos);
  EXPECT_FALSE(ovs_conntrack_lib_unavailable_reason().empty());
}

TEST(OvsConntrackLibFactory, EmptyCacheIsUnsupportedAndSaysHowToBuild) {
  const std::string home = ::testing::TempDir() + "/ovslib-empty-home";
  std::filesystem::create_directories(home);
  ScopedEnv no_explicit(ovs_conntrack_lib::kOvstestEnvVar, "");
  ScopedEnv env("HOME", home.c_str());
  auto made = make_ovs_conntrack_lib_adapter(AdapterOptions{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(made.error().message.find("scripts/build-ovstest.sh"), std::string::npos)
      << made.error().message;
}

class OvsConntrackLibAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = make_ovs_conntrack_lib_adapter(
        AdapterOptions{.external_command = {}, .call_timeout = Duration::seconds(10)});
    if (!made.ok()) GTEST_SKIP() << made.error().message;
    adapter_ = std::move(made).value();
  }
  void TearDown() override {
    if (adapter_) adapter_->shutdown();
  }

  CtState inject_state(Port port, const std::vector<uint8_t>& frame) {
    auto r = adapter_->inject(port, frame);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok() || !r->classification) return CtState{};
    return *r->classification;
  }

  std::unique_ptr<Adapter> adapter_;
};

TEST_F(OvsConntrackLibAdapterTest, HandshakeIsClassifiedByOvsAndForwarded) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  auto syn = adapter_->inject(Port{1}, from_client(kSyn, 1000, 0));
  ASSERT_TRUE(syn.ok()) << syn.error().message;
  EXPECT_EQ(syn->classification, CtState(kTrk | kNew));
  ASSERT_EQ(syn->outputs.size(), 1u);
  EXPECT_EQ(syn->outputs[0].port, Port{2});
  EXPECT_EQ(syn->outputs[0].bytes, from_client(kSyn, 1000, 0));

  auto synack = adapter_->inject(Port{2}, from_server(kSyn | kAck, 5000, 1001));
  ASSERT_TRUE(synack.ok()) << synack.error().message;
  EXPECT_EQ(synack->classification, CtState(kTrk | kEst | kRpl));
  ASSERT_EQ(synack->outputs.size(), 1u);
  EXPECT_EQ(synack->outputs[0].port, Port{1});

  EXPECT_EQ(inject_state(Port{1}, from_client(kAck, 1001, 5001)), CtState(kTrk | kEst));
}

TEST_F(OvsConntrackLibAdapterTest, OutOfWindowDataIsInvalidAndStillForwarded) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  inject_state(Port{1}, from_client(kSyn, 1000, 0));
  inject_state(Port{2}, from_server(kSyn | kAck, 5000, 1001));
  inject_state(Port{1}, from_client(kAck, 1001, 5001));
  // Ten bytes a quarter of the sequence space ahead (the same segment
  // without data came back +est from OVS here, as the oracle says too).
  auto r = adapter_->inject(Port{1}, PacketBuilder()
                                         .ip(kClient, kServer)
                                         .tcp(40000, 80, kAck | kPsh, 1073742825, 5001, 65535)
                                         .payload_size(10)
                                         .frame());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->classification, CtState(kTrk | kInv));
  EXPECT_EQ(r->outputs.size(), 1u);
}

TEST_F(OvsConntrackLibAdapterTest, NonIpFrameIsDroppedUntracked) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  auto r = adapter_->inject(Port{1}, PacketBuilder().ether_type(0x0806).payload_size(28).frame());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->outputs.empty());
  EXPECT_FALSE(r->classification.has_value());
}

TEST_F(OvsConntrackLibAdapterTest, FragmentIsRefusedNotGuessed) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  auto r = adapter_->inject(
      Port{1}, PacketBuilder().ip(kClient, kServer).ipv4_fragment(0, true, 9).udp(1, 2).frame());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST_F(OvsConntrackLibAdapterTest, OtherProgramIsUnsupportedWithTheReason) {
  const Status st = adapter_->load(commit_all_setup(
      "table=0,ip,actions=ct(table=1,zone=1)\ntable=0,ipv6,actions=ct(table=1,zone=1)\n"
      "table=1,in_port=1,actions=output:2\n"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(st.error().message.find("ct() without commit"), std::string::npos) << st.error().message;
}

TEST_F(OvsConntrackLibAdapterTest, LinuxProfileIsUnsupported) {
  ScenarioSetup setup = commit_all_setup();
  setup.profile = &linux_profile();
  const Status st = adapter_->load(setup);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
}

TEST_F(OvsConntrackLibAdapterTest, FlushForgetsConnectionsAndOtherZonesHoldNothing) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  inject_state(Port{1}, from_client(kSyn, 1000, 0));
  ASSERT_TRUE(adapter_->flush(Zone{1}).ok());
  EXPECT_EQ(inject_state(Port{2}, from_server(kSyn | kAck, 5000, 1001)), CtState(kTrk | kEst | kRpl));
  ASSERT_TRUE(adapter_->flush(std::nullopt).ok());
  // A SYN-ACK cannot start a connection (lib/conntrack-tcp.c tcp_valid_new).
  EXPECT_EQ(inject_state(Port{2}, from_server(kSyn | kAck, 5000, 1001)), CtState(kTrk | kInv));
}

TEST_F(OvsConntrackLibAdapterTest, NoTableAndNoLongAdvance) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  EXPECT_EQ(adapter_->dump_table().error().code, ErrorCode::kUnsupported);
  EXPECT_TRUE(adapter_->advance(Duration::seconds(5)).ok());
  const Status st = adapter_->advance(Duration::seconds(60));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kUnsupported);
}

TEST_F(OvsConntrackLibAdapterTest, ShutdownRemovesTheProcessAndItsDirectory) {
  ASSERT_TRUE(adapter_->load(commit_all_setup()).ok());
  const std::string dir = ovs_conntrack_lib_diagnostics(*adapter_)->process_dir;
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(std::filesystem::exists(dir));
  adapter_->shutdown();
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(ovs_conntrack_lib_diagnostics(*adapter_)->process_dir.empty());
}

// For the death test: a running ovstest, its directory written to `dir_file`, then SIGTERM.
[[noreturn]] void start_then_sigterm(const std::string& dir_file) {
  auto made = make_ovs_conntrack_lib_adapter(AdapterOptions{});
  if (!made.ok()) std::exit(3);
  if (!(*made)->load(commit_all_setup()).ok()) std::exit(4);
  std::ofstream(dir_file) << ovs_conntrack_lib_diagnostics(**made)->process_dir;
  ::raise(SIGTERM);
  std::exit(5);
}

TEST_F(OvsConntrackLibAdapterTest, SigtermKillsOvstestAndRemovesItsDirectory) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string dir_file = ::testing::TempDir() + "/ovslib-sigterm-dir";
  EXPECT_EXIT(start_then_sigterm(dir_file), ::testing::KilledBySignal(SIGTERM), "");
  std::ifstream in(dir_file);
  std::string dir;
  std::getline(in, dir);
  ASSERT_FALSE(dir.empty());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

}  // namespace
}  // namespace ctc
