// The client end of a dummy port's stream socket (netdev-dummy
// options:pstream=punix:PATH): each frame, in both directions, is a 2-byte
// big-endian length followed by the Ethernet frame
// (lib/netdev-dummy.c dummy_packet_stream_run/_send).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc {

class DummyPortStream {
 public:
  DummyPortStream() = default;
  ~DummyPortStream();
  DummyPortStream(DummyPortStream&& other) noexcept;
  DummyPortStream& operator=(DummyPortStream&& other) noexcept;
  DummyPortStream(const DummyPortStream&) = delete;
  DummyPortStream& operator=(const DummyPortStream&) = delete;

  Status connect(const std::string& socket_path);
  void close();
  int fd() const { return fd_; }

  // Writes the frames back to back in one go. OVS rejects (and closes the
  // stream on) a frame shorter than an Ethernet header: checked here.
  Status send(const std::vector<std::span<const uint8_t>>& frames);
  // Reads what is available without blocking and appends the complete frames
  // to `out`. An error when the daemon closed the stream.
  Status receive(std::vector<std::vector<uint8_t>>& out);

 private:
  int fd_ = -1;
  std::vector<uint8_t> buffer_;
};

}  // namespace ctc
