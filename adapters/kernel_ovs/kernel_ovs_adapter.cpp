#include "adapters/kernel_ovs/kernel_ovs_adapter.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "adapters/kernel_ovs/agent_protocol.h"
#include "adapters/kernel_ovs/kernel_ovs_dump.h"
#include "adapters/kernel_ovs/qemu_vm.h"
#include "adapters/ovs_userspace/ovs_probe.h"

namespace ctc {
namespace {

using kernel_ovs::QemuVm;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kOfppMax = 0xff00;  // OpenFlow: port numbers from here on are reserved
constexpr const char* kFlowsFile = "/tmp/flows.txt";
// A frame needs one marker round per upcall stage: one, plus one per
// recirculation. More than this means a frame that never finishes (a ct()
// that stole it, e.g. for reassembly), not a deep pipeline.
constexpr int kMaxRounds = 8;
// A VM that failed to boot this often is not booted again by this adapter:
// every later load() returns the last boot error at once, so a run over a
// whole suite ends in seconds instead of timing out scenario after scenario.
constexpr int kMaxBootFailures = 2;

Duration to_duration(milliseconds d) { return Duration::millis(d.count()); }

// Whether the host could load openvswitch.ko itself (for the native mode's
// error message only).
bool host_has_openvswitch() {
  std::ifstream modules("/proc/modules");
  for (std::string line; std::getline(modules, line);) {
    if (line.starts_with("openvswitch ")) return true;
  }
  return std::system("modprobe -n -q openvswitch >/dev/null 2>&1") == 0;
}

size_t count_ct_actions(const std::string& flows) {
  size_t n = 0;
  for (size_t pos = flows.find("ct("); pos != std::string::npos; pos = flows.find("ct(", pos + 1)) {
    ++n;
  }
  return n;
}

class KernelOvsAdapter final : public Adapter {
 public:
  KernelOvsAdapter(AdapterOptions options, kernel_ovs::VmOptions vm_options)
      : options_(std::move(options)), vm_options_(std::move(vm_options)) {}
  ~KernelOvsAdapter() override { shutdown(); }

  std::string id() const override { return "kernel-ovs"; }

  Capabilities capabilities() const override {
    return Capabilities{.flows = true,
                        .ipv6 = true,
                        .nat = true,
                        .zones = true,
                        .marks = true,
                        .labels = true,
                        .virtual_time = false,
                        .table_dump = true,
                        .classification = true,
                        .profiles = {"linux"}};
  }

  Status load(const ScenarioSetup& setup) override {
    loaded_ = false;
    if (setup.profile == nullptr || setup.profile->name != "linux") {
      return unsupported("kernel-ovs: runs only the linux profile (nf_conntrack), not '" +
                         (setup.profile ? setup.profile->name : std::string("(none)")) + "'");
    }
    std::vector<uint16_t> ofports;
    for (const PortDecl& p : setup.ports) {
      if (p.port.value == 0 || p.port.value >= kOfppMax || p.port.value == kProbeOfport) {
        return invalid_argument("kernel-ovs: port " + std::to_string(p.port.value) +
                                " cannot be an OpenFlow port here (1.." +
                                std::to_string(kOfppMax - 1) + ", not " +
                                std::to_string(kProbeOfport) + ")");
      }
      ofports.push_back(p.port.value);
    }
    if (!vm_ || broken_ || !vm_->running()) {
      shutdown();
      if (boot_failures_ >= kMaxBootFailures) {
        return Error{boot_error_.code, boot_error_.message + " (gave up after " +
                                           std::to_string(boot_failures_) + " failed boots)"};
      }
      auto vm = QemuVm::boot(vm_options_);
      if (!vm.ok()) {
        ++boot_failures_;
        boot_error_ = vm.error();
        return vm.error();
      }
      vm_ = std::move(vm).value();
      broken_ = false;
      ++diagnostics_.vms_booted;
      diagnostics_.last_boot_wall = to_duration(vm_->boot_info().wall);
      diagnostics_.last_boot_guest = to_duration(vm_->boot_info().guest_uptime);
      diagnostics_.kernel_release = vm_->boot_info().kernel_release;
    }
    if (auto st = configure(setup, ofports); !st.ok()) return failure(st.error());
    loaded_ = true;
    return ok_status();
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    if (!loaded_) return internal_error("kernel-ovs: inject before a successful load");
    if (std::find(ports_.begin(), ports_.end(), port.value) == ports_.end()) {
      return invalid_argument("kernel-ovs: port " + std::to_string(port.value) +
                              " is not declared by the scenario");
    }
    if (frame.size() < 14) {
      return invalid_argument("kernel-ovs: a veth cannot take a frame of " +
                              std::to_string(frame.size()) + " bytes (minimum 14)");
    }
    const int max_rounds = program_.classification_available
                               ? kMaxRounds
                               : static_cast<int>(count_ct_actions(program_.flows)) + 2;
    auto words = call({"INJECT", std::to_string(port.value), kernel_ovs::to_hex(frame), "1",
                       std::to_string(max_rounds)});
    if (!words.ok()) return failure(words.error());
    auto reply = kernel_ovs::decode_inject_reply(std::span(*words).subspan(1));
    if (!reply.ok()) return failure(reply.error());
    diagnostics_.last_inject_rounds = reply->rounds;
    InjectResult result;
    std::string trace;
    for (auto& f : reply->frames) {
      if (f.ofport != kProbeOfport) {
        result.outputs.push_back({Port{f.ofport}, std::move(f.bytes)});
      } else if (const auto hit = decode_probe_frame(f.bytes)) {
        result.classification = hit->state;
        trace += (trace.empty() ? "" : "; ") + std::string("ct(table=") +
                 std::to_string(hit->table) + ") -> " + hit->state.to_string();
      }
    }
    if (!program_.classification_available) {
      result.classification.reset();
      trace = program_.unavailable_reason;
    }
    result.trace = std::move(trace);
    return result;
  }

  Status advance(Duration duration) override {
    if (!loaded_) return internal_error("kernel-ovs: advance before a successful load");
    if (duration.ns < 0) return invalid_argument("kernel-ovs: cannot advance by a negative time");
    // Real time: the guest's clock follows the host's.
    std::this_thread::sleep_for(std::chrono::nanoseconds(duration.ns));
    return ok_status();
  }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (!loaded_) return internal_error("kernel-ovs: dump before a successful load");
    auto text = run({"ovs-appctl", "dpctl/dump-conntrack", "-m", "-s"});
    if (!text.ok()) return text.error();
    auto rows = kernel_ovs::parse_kernel_conntrack_dump(*text);
    if (!rows.ok()) return internal_error("kernel-ovs: " + rows.error().message);
    return rows;
  }

  Status flush(std::optional<Zone> zone) override {
    if (!loaded_) return internal_error("kernel-ovs: flush before a successful load");
    std::vector<std::string> args = {"ovs-appctl", "dpctl/flush-conntrack"};
    if (zone) args.push_back("zone=" + std::to_string(zone->value));
    if (auto r = run(args); !r.ok()) return r.error();
    return ok_status();
  }

  void shutdown() override {
    if (vm_) vm_->stop();
    vm_.reset();
    loaded_ = false;
  }

  KernelOvsDiagnostics diagnostics() const {
    KernelOvsDiagnostics d = diagnostics_;
    d.vm_running = vm_ && vm_->running();
    d.qemu_pid = vm_ ? vm_->pid() : 0;
    return d;
  }

 private:
  milliseconds call_timeout() const {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         std::chrono::nanoseconds(options_.call_timeout.ns)));
  }

  Status configure(const ScenarioSetup& setup, const std::vector<uint16_t>& ofports) {
    std::vector<std::string> ports_request = {"PORTS"};
    for (uint16_t p : ofports) ports_request.push_back(std::to_string(p));
    // Creating veth pairs and OVS ports takes about a second each under TCG.
    if (auto r = call(ports_request, call_timeout() * (1 + static_cast<int>(ofports.size())));
        !r.ok()) {
      return r.error();
    }
    ports_ = ofports;
    program_ = build_probe_program(setup.flows, ofports);
    std::vector<uint8_t> probe_tables;
    for (const auto& [table, probe] : program_.probe_of) probe_tables.push_back(probe);
    program_.flows = kernel_ovs::add_barrier_copies(program_.flows, probe_tables);
    if (auto r = call({"WRITE", kFlowsFile, program_.flows}); !r.ok()) return r.error();
    // No revalidator/purge: with flow-limit=0 the datapath holds no flows to
    // purge (agent_protocol.h), and each ovs-appctl costs about 0.2 s in the VM.
    const std::vector<std::vector<std::string>> steps = {
        {"ovs-ofctl", "-O", "OpenFlow10,OpenFlow13,OpenFlow15", "replace-flows", "br0", kFlowsFile},
        {"ovs-appctl", "dpctl/flush-conntrack"},
        {"ovs-appctl", "fdb/flush", "br0"},
    };
    for (const auto& step : steps) {
      if (auto r = run(step); !r.ok()) return r.error();
    }
    const Profile& profile = *setup.profile;
    const std::pair<const char*, bool> sysctls[] = {
        {"/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", profile.tcp_liberal},
        {"/proc/sys/net/netfilter/nf_conntrack_tcp_loose", profile.tcp_loose},
        {"/proc/sys/net/netfilter/nf_conntrack_checksum", profile.verify_checksums},
    };
    for (const auto& [knob, on] : sysctls) {
      if (auto r = call({"WRITE", knob, on ? "1\n" : "0\n"}); !r.ok()) return r.error();
    }
    return ok_status();
  }

  Result<std::vector<std::string>> call(const std::vector<std::string>& request) {
    return call(request, call_timeout());
  }

  Result<std::vector<std::string>> call(const std::vector<std::string>& request,
                                        milliseconds timeout) {
    if (!vm_) return internal_error("kernel-ovs: no VM");
    auto r = vm_->call(request, timeout);
    if (!r.ok() && r.error().code != ErrorCode::kInternal) broken_ = true;  // timeout or I/O
    return r;
  }

  // A program in the VM; its stdout, or an error with its stderr.
  Result<std::string> run(const std::vector<std::string>& argv) {
    std::vector<std::string> request = {"RUN"};
    request.insert(request.end(), argv.begin(), argv.end());
    auto words = call(request);
    if (!words.ok()) return words.error();
    if (words->size() != 4) return internal_error("kernel-ovs: bad RUN reply");
    if ((*words)[1] != "0") {
      return internal_error("kernel-ovs: " + argv[0] + " " + (argv.size() > 1 ? argv[1] : "") +
                            " failed (exit " + (*words)[1] + "): " + (*words)[3]);
    }
    return (*words)[2];
  }

  // A harness failure: the error with the console's tail when the VM died.
  Error failure(Error e) {
    loaded_ = false;
    if (vm_ && !vm_->running()) {
      broken_ = true;
      e.message += " (the VM is not running)\nconsole tail:\n" + vm_->console_tail();
    }
    return e;
  }

  AdapterOptions options_;
  kernel_ovs::VmOptions vm_options_;
  std::unique_ptr<QemuVm> vm_;
  bool broken_ = false;
  bool loaded_ = false;
  int boot_failures_ = 0;
  Error boot_error_;
  std::vector<uint16_t> ports_;
  ProbeProgram program_;
  KernelOvsDiagnostics diagnostics_;
};

enum class Mode { kVm, kNative };

Result<Mode> requested_mode() {
  const char* mode = std::getenv("CTCONFORM_KERNEL_OVS_MODE");
  if (mode == nullptr || *mode == '\0' || std::string(mode) == "vm") return Mode::kVm;
  if (std::string(mode) == "native") return Mode::kNative;
  return invalid_argument(
      std::string("kernel-ovs: CTCONFORM_KERNEL_OVS_MODE must be vm or native, not '") + mode +
      "'");
}

Result<kernel_ovs::VmOptions> vm_options() {
  auto image = kernel_ovs::find_image(kernel_ovs::default_image_dir());
  if (!image.ok()) return image.error();
  auto qemu = kernel_ovs::find_qemu();
  if (!qemu.ok()) return qemu.error();
  kernel_ovs::VmOptions o;
  o.image = *image;
  o.qemu = *qemu;
  return o;
}

}  // namespace

std::optional<std::string> kernel_ovs_unavailable_reason() {
  auto mode = requested_mode();
  if (!mode.ok()) return mode.error().message;
  if (*mode == Mode::kNative) return "kernel-ovs: the native mode is not implemented";
  auto o = vm_options();
  if (!o.ok()) return o.error().message;
  return std::nullopt;
}

Result<std::unique_ptr<Adapter>> make_kernel_ovs_adapter(const AdapterOptions& options) {
  auto mode = requested_mode();
  if (!mode.ok()) return mode.error();
  if (*mode == Mode::kNative) {
    return unsupported(std::string("kernel-ovs: the native mode (the host's openvswitch.ko) is not "
                                   "implemented; ") +
                       (host_has_openvswitch() ? "this host could load openvswitch.ko"
                                               : "this host cannot load openvswitch.ko anyway") +
                       ". Unset CTCONFORM_KERNEL_OVS_MODE to use the VM.");
  }
  auto o = vm_options();
  if (!o.ok()) return o.error();
  return std::unique_ptr<Adapter>(
      std::make_unique<KernelOvsAdapter>(options, std::move(o).value()));
}

std::optional<KernelOvsDiagnostics> kernel_ovs_diagnostics(const Adapter& adapter) {
  if (const auto* a = dynamic_cast<const KernelOvsAdapter*>(&adapter)) return a->diagnostics();
  return std::nullopt;
}

}  // namespace ctc
