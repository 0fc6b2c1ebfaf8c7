// One `ovstest test-conntrack pcap FIFO` process, fed frame by frame.
//
// test-conntrack (OVS 3.1.0 tests/test-conntrack.c test_pcap) reads the pcap
// with ovs_pcap_read(), a batch of one record by default, runs it through
// conntrack_execute() with commit=true in zone 0 and prints "<n>: <flags>"
// before reading the next record. Reading a FIFO with stdio blocks only until
// some bytes are there (one read(2) per refill), so each record we write is
// processed at once, and `stdbuf -o0` makes its line leave at once too
// (stdout is a pipe, fully buffered otherwise). That gives one verdict per
// frame, in lock-step, from one long-lived process whose conntrack keeps its
// connections between frames.
//
// The process lives in a private directory (mkdtemp ctconform-ovslib-*)
// holding the FIFO and its stderr log; stop(), the destructor and SIGINT /
// SIGTERM (adapters/common/signal_cleanup.h) kill it and remove the directory. The child is
// started through Boost.Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "reference/common/result.h"
#include "reference/conntrack/ct_types.h"

namespace ctc::ovs_conntrack_lib {

struct OvstestCommand {
  std::string stdbuf;   // find_stdbuf()
  std::string ovstest;  // find_ovstest()
};

class OvstestProcess {
 public:
  static Result<std::unique_ptr<OvstestProcess>> start(const OvstestCommand& command);
  ~OvstestProcess();
  OvstestProcess(const OvstestProcess&) = delete;
  OvstestProcess& operator=(const OvstestProcess&) = delete;

  // The ct_state conntrack gave `frame`: writes one pcap record and reads the
  // line numbered with this frame's count. kTimeout when no line comes in
  // time, kInternal when the process died or printed something else (with
  // its stderr); the process is unusable after any error.
  Result<CtState> track(std::span<const uint8_t> frame, std::chrono::milliseconds timeout);

  // Kills the process and removes the directory. Idempotent.
  void stop();

  uint64_t frames_tracked() const { return frames_sent_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const;
  // The last lines ovstest wrote to stderr, for error messages.
  std::string stderr_tail() const;

 private:
  struct Child;
  OvstestProcess() = default;

  Status launch(const OvstestCommand& command);
  Status write_all(std::span<const uint8_t> bytes, std::chrono::steady_clock::time_point deadline);
  Result<std::string> read_line(std::chrono::steady_clock::time_point deadline);
  Error failure(const std::string& what);

  std::string dir_;
  int fifo_fd_ = -1;    // our end of the FIFO, opened O_RDWR (see launch())
  int stdout_fd_ = -1;  // the read end of ovstest's stdout pipe
  std::unique_ptr<Child> child_;
  int cleanup_slot_ = -1;
  std::string pending_output_;  // bytes after the last complete line
  uint64_t frames_sent_ = 0;
};

}  // namespace ctc::ovs_conntrack_lib
