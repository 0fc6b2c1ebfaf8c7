#include "adapters/ovs_userspace/ovs_userspace_adapter.h"

#include <poll.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "adapters/ovs_userspace/dummy_port_stream.h"
#include "adapters/ovs_userspace/ovs_dump_parser.h"
#include "adapters/ovs_userspace/ovs_probe.h"
#include "adapters/ovs_userspace/ovs_sandbox.h"
#include "reference/common/hex.h"

namespace ctc {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr uint16_t kOfppMax = 0xff00;  // OpenFlow: port numbers from here on are reserved
// time/warp takes an int of milliseconds (lib/timeval.c timeval_warp_cb).
constexpr int64_t kLargestWarpMs = 1'000'000'000;

std::string port_name(uint16_t ofport) { return "p" + std::to_string(ofport); }

class OvsUserspaceAdapter final : public Adapter {
 public:
  OvsUserspaceAdapter(AdapterOptions options, OvsUserspaceTuning tuning, OvsBinaries binaries)
      : options_(std::move(options)), tuning_(tuning), binaries_(std::move(binaries)) {}
  ~OvsUserspaceAdapter() override { shutdown(); }

  std::string id() const override { return "ovs-userspace"; }

  Capabilities capabilities() const override {
    return Capabilities{.flows = true,
                        .ipv6 = true,
                        .nat = true,
                        .zones = true,
                        .marks = true,
                        .labels = true,
                        .virtual_time = true,
                        .table_dump = true,
                        .classification = true,
                        .profiles = {"ovs-userspace"}};
  }

  Status load(const ScenarioSetup& setup) override {
    const auto started = Clock::now();
    bool fresh = false;
    Status st = load_impl(setup, fresh);
    diagnostics_.last_load = Duration{
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count()};
    diagnostics_.last_load_started_sandbox = fresh;
    if (!st.ok()) loaded_ = false;
    return st;
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    if (!loaded_) return internal_error("ovs-userspace: inject before a successful load");
    auto it = ports_.find(port.value);
    if (it == ports_.end()) {
      return invalid_argument("ovs-userspace: port " + std::to_string(port.value) +
                              " is not declared by the scenario");
    }
    if (frame.size() < 14) {
      return invalid_argument("ovs-userspace: a dummy port cannot take a frame of " +
                              std::to_string(frame.size()) + " bytes (minimum 14)");
    }
    if (auto st = drain_stale(); !st.ok()) return st.error();
    const uint64_t sequence = ++marker_sequence_;
    const std::vector<uint8_t> marker = marker_frame(sequence);
    if (tuning_.inject == OvsInjectPath::kPortStream) {
      if (auto st = it->second.send({frame, marker}); !st.ok()) return failure(st.error().message);
      return collect_until_marker(sequence);
    }
    // One call queues both frames on the port, in this order. Its answer is
    // read after the marker: it was sent before OVS processed either frame,
    // so waiting for it first would only cost a wake-up.
    auto pending = sandbox_->control().start_call(
        "netdev-dummy/receive", {port_name(port.value), to_hex(frame), to_hex(marker)},
        call_timeout());
    if (!pending.ok()) return failure("netdev-dummy/receive: " + pending.error().message);
    auto result = collect_until_marker(sequence);
    if (!result.ok()) return result;
    auto answer = sandbox_->control().finish_call(*pending, call_timeout());
    if (!answer.ok()) {
      if (answer.error().code == ErrorCode::kInvalidArgument) {
        return internal_error("ovs-userspace: " + answer.error().message);
      }
      return failure(answer.error().message);
    }
    return result;
  }

  Status advance(Duration duration) override {
    if (!loaded_) return internal_error("ovs-userspace: advance before a successful load");
    if (duration.ns < 0)
      return invalid_argument("ovs-userspace: cannot advance by a negative time");
    clock_ns_ += duration.ns;
    // Warp whole milliseconds, carrying the remainder so that many small
    // steps add up exactly.
    int64_t due_ms = clock_ns_ / 1'000'000 - warped_ms_;
    while (due_ms > 0) {
      const int64_t step = std::min(due_ms, kLargestWarpMs);
      if (auto r = control("time/warp", {std::to_string(step)}); !r.ok()) return r.error();
      warped_ms_ += step;
      due_ms -= step;
    }
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (!loaded_) return internal_error("ovs-userspace: dump before a successful load");
    auto text = control("dpctl/dump-conntrack", {"-m", "-s"});
    if (!text.ok()) return text.error();
    auto rows = parse_ovs_conntrack_dump(*text);
    if (!rows.ok()) return internal_error("ovs-userspace: " + rows.error().message);
    return rows;
  }

  Status flush(std::optional<Zone> zone) override {
    if (!loaded_) return internal_error("ovs-userspace: flush before a successful load");
    std::vector<std::string> params;
    if (zone) params.push_back("zone=" + std::to_string(zone->value));
    if (auto r = control("dpctl/flush-conntrack", params); !r.ok()) return r.error();
    return ok_status();
  }

  void shutdown() override {
    ports_.clear();
    probe_.close();
    if (sandbox_) sandbox_->stop();
    sandbox_.reset();
    loaded_ = false;
  }

  OvsUserspaceDiagnostics diagnostics() const {
    OvsUserspaceDiagnostics d = diagnostics_;
    d.sandbox_dir = sandbox_ ? sandbox_->dir() : std::string();
    return d;
  }

 private:
  milliseconds call_timeout() const {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         std::chrono::nanoseconds(options_.call_timeout.ns)));
  }

  Status load_impl(const ScenarioSetup& setup, bool& fresh) {
    if (setup.profile == nullptr || setup.profile->name != "ovs-userspace") {
      return unsupported("ovs-userspace: runs only the ovs-userspace profile, not '" +
                         (setup.profile ? setup.profile->name : std::string("(none)")) + "'");
    }
    std::vector<uint16_t> ofports;
    for (const PortDecl& p : setup.ports) {
      if (p.port.value == 0 || p.port.value >= kOfppMax || p.port.value == kProbeOfport) {
        return invalid_argument("ovs-userspace: port " + std::to_string(p.port.value) +
                                " cannot be an OpenFlow port here (1.." +
                                std::to_string(kOfppMax - 1) + ", not " +
                                std::to_string(kProbeOfport) + ")");
      }
      ofports.push_back(p.port.value);
    }
    loaded_ = false;
    if (!sandbox_ || broken_) {
      shutdown();
      broken_ = false;
      auto sandbox = OvsSandbox::start(binaries_, call_timeout());
      if (!sandbox.ok()) return sandbox.error();
      sandbox_ = std::move(sandbox).value();
      fresh = true;
      ++diagnostics_.sandboxes_started;
    }
    // Any failure from here on leaves the sandbox in an unknown state.
    broken_ = true;
    if (auto st = configure(setup, ofports, fresh); !st.ok()) return decorate(st.error());
    broken_ = false;
    loaded_ = true;
    return ok_status();
  }

  Status configure(const ScenarioSetup& setup, const std::vector<uint16_t>& ofports, bool fresh) {
    std::vector<SandboxPort> wanted = {{kProbePortName, kProbeOfport}};
    for (uint16_t p : ofports) wanted.push_back({port_name(p), p});
    if (auto st = sandbox_->ensure_ports(wanted, call_timeout()); !st.ok()) return st;
    if (fresh) {
      // FLOOD must not reach the probe port (ALL still would: such frames are
      // ignored there, as are frames to any port the scenario did not declare).
      if (auto r = sandbox_->ofctl(
              {"mod-port", sandbox_->bridge_socket(), kProbePortName, "no-flood"}, call_timeout());
          !r.ok()) {
        return r.error();
      }
      if (auto r = control("time/stop", {}); !r.ok()) return r.error();
    }
    program_ = build_probe_program(setup.flows, ofports);
    const std::string flows_file = sandbox_->path("flows.txt");
    {
      std::ofstream out(flows_file, std::ios::trunc);
      out << program_.flows;
      if (!out) return io_error("ovs-userspace: cannot write " + flows_file);
    }
    if (auto r = sandbox_->ofctl({"-O", "OpenFlow10,OpenFlow13,OpenFlow15", "replace-flows",
                                  sandbox_->bridge_socket(), flows_file},
                                 call_timeout());
        !r.ok()) {
      return r.error();
    }
    // Datapath flows cached from the previous program would otherwise run
    // until the revalidators catch up.
    if (auto r = control("revalidator/purge", {}); !r.ok()) return r.error();
    // The purge does not always empty the datapath: over 200 runs of the
    // corpus (about 15,000 loads) 79 loads still listed flows after it, and
    // one run in about 150 failed because the next scenario's first packet
    // ran the previous program's actions (its zone and NAT). A likely cause:
    // revalidator_sweep__() only trylocks a flow's ukey and skips it when a
    // revalidator holds it (ofproto/ofproto-dpif-upcall.c, OVS 3.1), and
    // replace-flows has just started a revalidation round. Whatever is left
    // is deleted straight from the datapath (a no-op when nothing is).
    if (auto r = control("dpctl/del-flows", {}); !r.ok()) return r.error();
    if (auto r = control("dpctl/flush-conntrack", {}); !r.ok()) return r.error();
    // The NORMAL action's MAC learning would otherwise carry over.
    if (auto r = control("fdb/flush", {"br0"}); !r.ok()) return r.error();
    const char* seq_check =
        setup.profile->tcp_liberal ? "dpctl/ct-disable-tcp-seq-chk" : "dpctl/ct-enable-tcp-seq-chk";
    if (auto r = control(seq_check, {}); !r.ok()) return r.error();
    clock_ns_ = 0;
    warped_ms_ = 0;
    if (auto st = connect_ports(ofports); !st.ok()) return st;
    return synchronise_streams();
  }

  // Keeps the connections of ports the scenario still uses, drops the rest.
  Status connect_ports(const std::vector<uint16_t>& ofports) {
    std::map<uint16_t, DummyPortStream> kept;
    for (uint16_t p : ofports) {
      auto it = ports_.find(p);
      if (it != ports_.end()) {
        kept.emplace(p, std::move(it->second));
      } else {
        DummyPortStream s;
        if (auto st = s.connect(sandbox_->port_socket(port_name(p))); !st.ok()) return st;
        kept.emplace(p, std::move(s));
      }
    }
    ports_ = std::move(kept);
    if (probe_.fd() < 0) {
      if (auto st = probe_.connect(sandbox_->port_socket(kProbePortName)); !st.ok()) return st;
    }
    return ok_status();
  }

  // netdev-dummy accepts a new stream connection in a later main-loop pass
  // and drops frames for ports with none: send markers until one arrives on
  // every socket.
  Status synchronise_streams() {
    if (ports_.empty()) return ok_status();
    const auto deadline = Clock::now() + call_timeout();
    for (;;) {
      const uint64_t sequence = ++marker_sequence_;
      const std::vector<uint8_t> marker = marker_frame(sequence);
      if (auto st = ports_.begin()->second.send({marker}); !st.ok()) return st;
      auto done = wait_for_marker(sequence, Clock::now() + milliseconds(50), nullptr);
      if (done.ok()) return ok_status();
      if (done.error().code != ErrorCode::kTimeout) return done.error();
      if (Clock::now() > deadline) {
        return Error{ErrorCode::kTimeout, "ovs-userspace: the port streams never all connected"};
      }
    }
  }

  // Throws away whatever arrived since the last call (nothing should).
  Status drain_stale() {
    std::vector<std::vector<uint8_t>> frames;
    for (auto& [p, s] : ports_) {
      if (auto st = s.receive(frames); !st.ok()) return failure(st.error().message);
    }
    if (auto st = probe_.receive(frames); !st.ok()) return failure(st.error().message);
    return ok_status();
  }

  Result<InjectResult> collect_until_marker(uint64_t sequence) {
    InjectResult result;
    auto done = wait_for_marker(sequence, Clock::now() + call_timeout(), &result);
    if (!done.ok()) return failure(done.error().message);
    if (!program_.classification_available) {
      result.classification.reset();
      result.trace = program_.unavailable_reason;
    }
    return result;
  }

  // Reads every socket until each has delivered marker `sequence`. Frames
  // before it go into `result` (when given): outputs of scenario ports, probe
  // hits for the classification.
  Status wait_for_marker(uint64_t sequence, Clock::time_point deadline, InjectResult* result) {
    struct Watch {
      DummyPortStream* stream;
      std::optional<Port> port;  // nullopt: the probe port
      bool done = false;
    };
    std::vector<Watch> watches;
    for (auto& [p, s] : ports_) watches.push_back({&s, Port{p}});
    watches.push_back({&probe_, std::nullopt});
    std::vector<pollfd> fds;
    std::string trace;
    for (size_t pending = watches.size(); pending > 0;) {
      // Sleep on one socket until its marker is back, then collect the rest:
      // every socket gets its marker in the same main-loop pass, so waking
      // up for each earlier frame would only cost wake-ups. The socket slept
      // on is the one whose marker came last the previous time (OVS serves
      // the streams in a fixed order).
      const size_t first = last_marker_watch_ < watches.size() ? last_marker_watch_ : 0;
      const bool first_pending = !watches[first].done;
      fds.clear();
      for (size_t i = 0; i < watches.size(); ++i) {
        const bool wanted = !watches[i].done && (!first_pending || i == first);
        fds.push_back({wanted ? watches[i].stream->fd() : -1, POLLIN, 0});
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left < 0) return Error{ErrorCode::kTimeout, "no marker back within the call timeout"};
      const int rc = ::poll(fds.data(), fds.size(), static_cast<int>(left) + 1);
      if (rc < 0 && errno != EINTR) return io_error("poll failed");
      for (size_t i = 0; i < watches.size(); ++i) {
        Watch& w = watches[i];
        if (w.done || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        std::vector<std::vector<uint8_t>> frames;
        if (auto st = w.stream->receive(frames); !st.ok()) return st;
        for (auto& f : frames) {
          if (w.done) break;  // a later marker's frames: cannot happen in lock-step
          if (const auto m = decode_marker(f)) {
            if (*m == sequence) {
              w.done = true;
              if (--pending == 0) last_marker_watch_ = i;
            }
            continue;  // an older marker (a retried synchronisation)
          }
          if (!result) continue;
          if (w.port) {
            result->outputs.push_back({*w.port, std::move(f)});
          } else if (const auto hit = decode_probe_frame(f)) {
            result->classification = hit->state;
            trace += (trace.empty() ? "" : "; ") + std::string("ct(table=") +
                     std::to_string(hit->table) + ") -> " + hit->state.to_string();
          }
        }
      }
    }
    if (result) result->trace = std::move(trace);
    return ok_status();
  }

  Result<std::string> control(const std::string& method, const std::vector<std::string>& params) {
    if (!sandbox_) return internal_error("ovs-userspace: no sandbox");
    auto r = sandbox_->control().call(method, params, call_timeout());
    if (r.ok()) return r;
    if (r.error().code == ErrorCode::kInvalidArgument && sandbox_->vswitchd_running() &&
        sandbox_->control().connected()) {
      return internal_error("ovs-userspace: " + r.error().message);  // a refused command
    }
    return failure(method + ": " + r.error().message);
  }

  // A harness failure that leaves the daemon unusable: the error carries the
  // tail of its log, and the next load() starts over.
  Error failure(const std::string& what) {
    broken_ = true;
    loaded_ = false;
    return decorate(internal_error("ovs-userspace: " + what));
  }

  Error decorate(Error e) {
    if (!sandbox_ || e.message.find("ovs-vswitchd.log") != std::string::npos) return e;
    if (!sandbox_->vswitchd_running()) e.message += " (ovs-vswitchd is not running)";
    e.message += "\novs-vswitchd.log tail:\n" + sandbox_->vswitchd_log_tail();
    return e;
  }

  AdapterOptions options_;
  OvsUserspaceTuning tuning_;
  OvsBinaries binaries_;
  std::unique_ptr<OvsSandbox> sandbox_;
  bool broken_ = false;
  bool loaded_ = false;
  std::map<uint16_t, DummyPortStream> ports_;
  DummyPortStream probe_;
  ProbeProgram program_;
  uint64_t marker_sequence_ = 0;
  size_t last_marker_watch_ = SIZE_MAX;  // see wait_for_marker()
  int64_t clock_ns_ = 0;
  int64_t warped_ms_ = 0;
  OvsUserspaceDiagnostics diagnostics_;
};

}  // namespace

Result<std::unique_ptr<Adapter>> make_ovs_userspace_adapter(const AdapterOptions& options,
                                                            OvsUserspaceTuning tuning) {
  auto binaries = find_ovs_binaries();
  if (!binaries.ok()) return binaries.error();
  return std::unique_ptr<Adapter>(
      std::make_unique<OvsUserspaceAdapter>(options, tuning, std::move(binaries).value()));
}

Result<std::unique_ptr<Adapter>> make_ovs_userspace_adapter(const AdapterOptions& options) {
  return make_ovs_userspace_adapter(options, OvsUserspaceTuning{});
}

std::string ovs_userspace_unavailable_reason() {
  auto binaries = find_ovs_binaries();
  return binaries.ok() ? std::string() : binaries.error().message;
}

std::optional<OvsUserspaceDiagnostics> ovs_userspace_diagnostics(const Adapter& adapter) {
  if (const auto* a = dynamic_cast<const OvsUserspaceAdapter*>(&adapter)) return a->diagnostics();
  return std::nullopt;
}

}  // namespace ctc
