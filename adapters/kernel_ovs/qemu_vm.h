// The VM of the kernel-ovs adapter: one qemu-system-x86_64 process (TCG:
// KVM here cannot run a stock kernel, /work/shared/SEMANTICS.md) booting the
// image of scripts/kernel-ovs-image.sh, and the agent's line protocol
// (agent_protocol.h) over a virtio-serial port whose host side is a unix
// socket in a private temporary directory.
//
// qemu waits for our connection before it starts the guest (server=on,
// wait=on), so the agent's READY line cannot be lost. The VM goes away on
// stop(), on destruction, on SIGINT/SIGTERM of this process (a handler kills
// every VM still registered, then lets the signal take its course), and when
// this process dies otherwise: the agent reads end-of-file once the socket
// closes and powers the VM off.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc::kernel_ovs {

struct VmImage {
  std::string dir;  // holds vmlinuz, initrd.gz, manifest.txt, and vmlinux when it could be made
  // vmlinux (booted through its PVH entry, no decompression in the guest)
  // when the image has it, else vmlinuz.
  std::string kernel() const;
  std::string initrd() const { return dir + "/initrd.gz"; }
};

// $CTCONFORM_KERNEL_OVS_IMAGE, else ${XDG_CACHE_HOME:-~/.cache}/ctconform/kernel-ovs/current.
std::string default_image_dir();
// kNotFound naming scripts/kernel-ovs-image.sh when the image is incomplete.
Result<VmImage> find_image(const std::string& dir);
// kNotFound when qemu-system-x86_64 is not on PATH.
Result<std::string> find_qemu();

struct VmOptions {
  VmImage image;
  std::string qemu;
  int memory_mb = 512;
  // A boot takes 5-20 s under TCG depending on the host's load; past this
  // the VM is taken as hung.
  std::chrono::milliseconds boot_timeout{std::chrono::minutes(2)};
};

struct BootInfo {
  std::string agent_version;
  std::string kernel_release;
  std::chrono::milliseconds guest_uptime{0};  // when the agent was ready
  std::chrono::milliseconds wall{0};          // from starting qemu to READY
};

class QemuVm {
 public:
  // Starts qemu and waits for the agent's READY line.
  static Result<std::unique_ptr<QemuVm>> boot(const VmOptions& options);
  ~QemuVm();
  QemuVm(const QemuVm&) = delete;
  QemuVm& operator=(const QemuVm&) = delete;

  const BootInfo& boot_info() const { return boot_info_; }
  int pid() const;  // of qemu; 0 once stopped
  bool running() const;

  // One request, one reply: the reply's words, OK first. An ERR reply is an
  // error (kInternal) with the agent's reason; no reply within `timeout` is
  // kTimeout. After a timeout or an I/O error the VM should be stopped.
  Result<std::vector<std::string>> call(const std::vector<std::string>& request,
                                        std::chrono::milliseconds timeout);

  // QUIT, then the process is killed if it has not exited after a moment.
  void stop();
  // The tail of the guest's console (kernel messages, agent errors).
  std::string console_tail() const;

 private:
  struct Impl;
  explicit QemuVm(std::unique_ptr<Impl> impl);
  Result<std::string> read_line(std::chrono::milliseconds timeout);
  std::unique_ptr<Impl> impl_;
  BootInfo boot_info_;
};

}  // namespace ctc::kernel_ovs
