// A private Open vSwitch in a temporary directory: its own ovsdb-server and
// ovs-vswitchd (--enable-dummy, userspace datapath), a bridge br0 with
// datapath_type=dummy and fail-mode=secure, and dummy ports whose frames are
// exchanged over stream sockets (options:pstream=punix:DIR/NAME.sock).
//
// The host's Open vSwitch is never touched: every child gets OVS_RUNDIR,
// OVS_LOGDIR, OVS_DBDIR and OVS_SYSCONFDIR pointing into the directory, and
// every command names its database, control socket or bridge socket explicitly.
// Every child process goes through Boost.Process.
//
// The sandbox kills its daemons and removes the directory in stop(), in its
// destructor, and on SIGINT/SIGTERM (a process-wide handler kills the
// daemons of every live sandbox, removes their directories, then re-raises
// the signal with the previous disposition). A SIGKILL of the harness leaves
// them behind: they idle, and their directory is named ctconform-ovs-*.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "adapters/ovs_userspace/unixctl_client.h"
#include "reference/common/result.h"

namespace ctc {

struct OvsBinaries {
  std::string ovsdb_tool, ovsdb_server, ovs_vswitchd, ovs_vsctl, ovs_ofctl;
  std::string schema;  // vswitch.ovsschema
};

// Found in PATH (and /usr/sbin, /usr/local/sbin); kNotFound names what is missing.
Result<OvsBinaries> find_ovs_binaries();

struct SandboxPort {
  std::string name;  // the OVS port and interface name; the socket is DIR/<name>.sock
  uint16_t ofport = 0;
};

class OvsSandbox {
 public:
  // Creates the directory, starts both daemons and the bridge, and connects
  // the control client. `step_timeout` bounds each step (one tool run, one
  // daemon becoming ready).
  static Result<std::unique_ptr<OvsSandbox>> start(const OvsBinaries& binaries,
                                                   std::chrono::milliseconds step_timeout);
  ~OvsSandbox();
  OvsSandbox(const OvsSandbox&) = delete;
  OvsSandbox& operator=(const OvsSandbox&) = delete;

  // Kills the daemons and removes the directory. Idempotent.
  void stop();

  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string bridge_socket() const { return path("br0.mgmt"); }
  std::string port_socket(const std::string& port_name) const { return path(port_name + ".sock"); }
  bool vswitchd_running();
  // The control connection to ovs-vswitchd (DIR/ovs-vswitchd.ctl).
  UnixctlClient& control() { return control_; }

  // Adds the ports that do not exist yet (one ovs-vsctl transaction, which
  // returns once ovs-vswitchd has created them).
  Status ensure_ports(const std::vector<SandboxPort>& ports, std::chrono::milliseconds timeout);
  // ovs-ofctl with the given arguments (the caller names the bridge socket).
  Result<std::string> ofctl(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout);
  Result<std::string> vsctl(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout);

  // The last lines of ovs-vswitchd.log, for error messages.
  std::string vswitchd_log_tail(size_t lines = 20) const;

 private:
  struct Daemons;
  explicit OvsSandbox(OvsBinaries binaries, std::string dir);

  Status start_daemons(std::chrono::milliseconds step_timeout);
  Result<std::string> run_tool(const std::string& exe, const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout);
  Status wait_for_socket(const std::string& socket, const std::string& what,
                         std::chrono::milliseconds timeout);

  OvsBinaries binaries_;
  std::string dir_;
  std::unique_ptr<Daemons> daemons_;
  int registry_slot_ = -1;
  UnixctlClient control_;
  std::set<std::string> ports_;
};

}  // namespace ctc
