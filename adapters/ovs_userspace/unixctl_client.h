// One persistent JSON-RPC client on an OVS daemon's unixctl socket (what
// ovs-appctl speaks, lib/unixctl.c): write {"method":..,"params":[..],"id":N},
// read {"result":..,"error":..,"id":N}. Answers arrive as back-to-back JSON
// objects without delimiters. One connection answers ~20k calls/s against
// ~260/s for one ovs-appctl process per call (SEMANTICS.md "Driving OVS 3.1").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc {

class UnixctlClient {
 public:
  UnixctlClient() = default;
  ~UnixctlClient();
  UnixctlClient(const UnixctlClient&) = delete;
  UnixctlClient& operator=(const UnixctlClient&) = delete;

  Status connect(const std::string& socket_path);
  bool connected() const { return fd_ >= 0; }
  void close();

  // The command's text answer, or an error: the daemon's error text
  // (kInvalidArgument), no answer before the timeout (kTimeout), or a closed
  // connection (kIo, the daemon is probably gone). After a timeout or an I/O
  // error the connection is closed: a late answer must not be taken for the
  // next call's.
  Result<std::string> call(const std::string& method, const std::vector<std::string>& params,
                           std::chrono::milliseconds timeout);

  // call() in two halves, for a caller with something to do while the daemon
  // answers. Calls are answered in order; finish them in the order started.
  struct PendingCall {
    uint64_t id = 0;
    std::string method;
  };
  Result<PendingCall> start_call(const std::string& method, const std::vector<std::string>& params,
                                 std::chrono::milliseconds timeout);
  Result<std::string> finish_call(const PendingCall& call, std::chrono::milliseconds timeout);

 private:
  Status write_all(const std::string& data, std::chrono::steady_clock::time_point deadline);
  // The next complete top-level JSON object from the stream.
  Result<std::string> read_object(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  uint64_t next_id_ = 1;
  std::string buffer_;
};

}  // namespace ctc
