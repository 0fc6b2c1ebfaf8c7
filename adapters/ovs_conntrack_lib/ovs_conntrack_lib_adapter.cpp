#include "adapters/ovs_conntrack_lib/ovs_conntrack_lib_adapter.h"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <map>

#include "adapters/ovs_conntrack_lib/commit_all_program.h"
#include "adapters/ovs_conntrack_lib/frame_dispatch.h"
#include "adapters/ovs_conntrack_lib/ovstest_binary.h"
#include "adapters/ovs_conntrack_lib/ovstest_process.h"

namespace ctc {
namespace {

using namespace ovs_conntrack_lib;
using Clock = std::chrono::steady_clock;

// lib/conntrack-tp.c ct_dpif_netdev_tp_def (OVS 3.1.0): the smallest default
// timeout is 30 s (TCP SYN_SENT, SYN_RECV, CLOSE; UDP MULTIPLE; ICMP REPLY).
constexpr Duration kOvsShortestTimeout = Duration::seconds(30);

// The shortest positive timeout of the profile (unused classes are 0).
Duration shortest_timeout(const Profile& profile) {
  const Timeouts& t = profile.timeouts;
  const TcpTimeouts& tcp = t.tcp;
  Duration shortest = kOvsShortestTimeout;
  for (Duration d : {tcp.syn_sent, tcp.syn_recv, tcp.established, tcp.fin_wait, tcp.close_wait,
                     tcp.last_ack, tcp.time_wait, tcp.close, tcp.syn_sent2, tcp.retrans,
                     tcp.unacknowledged, t.udp_first, t.udp_replied, t.udp_stream, t.icmp_first,
                     t.icmp_reply, t.other_first, t.other_replied}) {
    if (d.ns > 0) shortest = std::min(shortest, d);
  }
  return shortest;
}

class OvsConntrackLibAdapter final : public Adapter {
 public:
  OvsConntrackLibAdapter(AdapterOptions options, OvstestCommand command)
      : options_(std::move(options)), command_(std::move(command)) {}
  ~OvsConntrackLibAdapter() override { shutdown(); }

  std::string id() const override { return "ovs-conntrack-lib"; }

  Capabilities capabilities() const override {
    return Capabilities{.flows = true,
                        .ipv6 = true,
                        .nat = false,
                        .zones = false,
                        .marks = false,
                        .labels = false,
                        .virtual_time = false,
                        .table_dump = false,
                        .classification = true,
                        .profiles = {"ovs-userspace"}};
  }

  Status load(const ScenarioSetup& setup) override {
    loaded_ = false;
    if (setup.profile == nullptr || !(*setup.profile == ovs_userspace_profile())) {
      return unsupported(
          "runs only the ovs-userspace profile as defined (test-conntrack "
          "cannot change conntrack's settings), not '" +
          (setup.profile ? setup.profile->name : std::string("(none)")) + "'" +
          (setup.profile && setup.profile->name == "ovs-userspace" ? " with changed settings"
                                                                   : ""));
    }
    auto program = parse_flow_program(setup.flows);
    if (!program.ok()) {
      return invalid_argument("ovs-conntrack-lib: flows: " + program.error().message);
    }
    auto shape = recognise_commit_all_program(*program, setup.ports);
    if (!shape.ok()) return shape.error();
    forward_ = std::move(shape->forward);
    time_limit_ = shortest_timeout(*setup.profile);
    want_trace_ = setup.want_trace;
    if (auto st = restart(); !st.ok()) return st;
    loaded_ = true;
    return ok_status();
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    if (!loaded_) return internal_error("ovs-conntrack-lib: inject before a successful load");
    if (frame.size() < 14) {
      return invalid_argument("ovs-conntrack-lib: a frame of " + std::to_string(frame.size()) +
                              " bytes has no Ethernet header");
    }
    InjectResult result;
    switch (dispatch_frame(frame)) {
      case FrameDispatch::kNotIp:
        // Misses table 0: dropped, never tracked.
        if (want_trace_) result.trace = "not IP: table 0 miss, dropped";
        return result;
      case FrameDispatch::kIpFragment:
        return unsupported(
            "ovs-conntrack-lib: IP fragments are held for reassembly by lib/ipf.c inside "
            "conntrack_execute() and test-conntrack prints no line for them: no per-frame "
            "verdict");
      case FrameDispatch::kIp:
        break;
    }
    if (auto st = check_real_clock(); !st.ok()) return st.error();
    auto state = process_->track(frame, call_timeout());
    if (!state.ok()) {
      loaded_ = false;  // the process is gone; the next load() starts a new one
      return state.error();
    }
    result.classification = *state;
    const auto out = forward_.find(port.value);
    if (out != forward_.end()) {
      result.outputs.push_back({Port{out->second}, std::vector<uint8_t>(frame.begin(), frame.end())});
    }
    if (want_trace_) {
      result.trace = "ovstest frame " + std::to_string(process_->frames_tracked()) + ": " +
                     state->to_string() + "; " +
                     (out != forward_.end() ? "table 1: output:" + std::to_string(out->second)
                                            : std::string("table 1 miss, dropped"));
    }
    return result;
  }

  Status advance(Duration duration) override {
    if (!loaded_) return internal_error("ovs-conntrack-lib: advance before a successful load");
    if (duration.ns < 0) return invalid_argument("ovs-conntrack-lib: cannot advance by a negative time");
    advanced_ = advanced_ + duration;
    if (advanced_ >= time_limit_) {
      return unsupported("ovs-conntrack-lib: ovstest runs on the real clock; advancing " +
                         std::to_string(advanced_.to_seconds()) +
                         " s in all would reach a conntrack timeout (" +
                         std::to_string(time_limit_.to_seconds()) + " s) on the oracle's side only");
    }
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    return unsupported("ovs-conntrack-lib: test-conntrack prints no conntrack table");
  }

  Status flush(std::optional<Zone> zone) override {
    if (!loaded_) return internal_error("ovs-conntrack-lib: flush before a successful load");
    // Everything is committed in zone 0: another zone is already empty.
    if (zone && zone->value != 0) return ok_status();
    if (auto st = restart(); !st.ok()) {
      loaded_ = false;
      return st;
    }
    return ok_status();
  }

  void shutdown() override {
    stop_process();
    loaded_ = false;
  }

  OvsConntrackLibDiagnostics diagnostics() const {
    return OvsConntrackLibDiagnostics{
        .ovstest = command_.ovstest,
        .process_dir = process_ ? process_->dir() : std::string(),
        .processes_started = processes_started_,
        .frames_tracked = process_ ? process_->frames_tracked() : 0};
  }

 private:
  std::chrono::milliseconds call_timeout() const {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::nanoseconds(options_.call_timeout.ns)));
  }

  // A new process: an empty conntrack, and a new real-clock origin.
  Status restart() {
    stop_process();
    auto process = OvstestProcess::start(command_);
    if (!process.ok()) return process.error();
    process_ = std::move(process).value();
    ++processes_started_;
    started_at_ = Clock::now();
    advanced_ = Duration{};
    return ok_status();
  }

  void stop_process() {
    if (process_) process_->stop();
    process_.reset();
  }

  // The oracle's clock only moves by advance(); OVS's moves by itself. Both
  // must stay short of the first timeout for the comparison to mean anything.
  Status check_real_clock() const {
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_at_);
    if (elapsed.count() >= time_limit_.ns) {
      return unsupported("ovs-conntrack-lib: the scenario has run " +
                         std::to_string(elapsed.count() / 1'000'000'000) +
                         " s of real time, long enough for a conntrack timeout in ovstest only");
    }
    return ok_status();
  }

  AdapterOptions options_;
  OvstestCommand command_;
  std::unique_ptr<OvstestProcess> process_;
  std::map<uint16_t, uint16_t> forward_;
  bool loaded_ = false;
  bool want_trace_ = true;
  Duration time_limit_ = kOvsShortestTimeout;
  Duration advanced_;
  Clock::time_point started_at_;
  int processes_started_ = 0;
};

}  // namespace

Result<std::unique_ptr<Adapter>> make_ovs_conntrack_lib_adapter(const AdapterOptions& options) {
  auto ovstest = find_ovstest();
  if (!ovstest.ok()) return ovstest.error();
  auto stdbuf = find_stdbuf();
  if (!stdbuf.ok()) return stdbuf.error();
  return std::unique_ptr<Adapter>(std::make_unique<OvsConntrackLibAdapter>(
      options, OvstestCommand{.stdbuf = *stdbuf, .ovstest = *ovstest}));
}

std::string ovs_conntrack_lib_unavailable_reason() {
  auto ovstest = find_ovstest();
  if (!ovstest.ok()) return ovstest.error().message;
  auto stdbuf = find_stdbuf();
  return stdbuf.ok() ? std::string() : stdbuf.error().message;
}

std::optional<OvsConntrackLibDiagnostics> ovs_conntrack_lib_diagnostics(const Adapter& adapter) {
  if (const auto* a = dynamic_cast<const OvsConntrackLibAdapter*>(&adapter)) return a->diagnostics();
  return std::nullopt;
}

}  // namespace ctc
