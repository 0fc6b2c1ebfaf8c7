#include "adapters/ovs_userspace/dummy_port_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ctc {

constexpr size_t kEthernetHeader = 14;

DummyPortStream::~DummyPortStream() { close(); }

DummyPortStream::DummyPortStream(DummyPortStream&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

DummyPortStream& DummyPortStream::operator=(DummyPortStream&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    buffer_ = std::move(other.buffer_);
    other.fd_ = -1;
  }
  return *this;
}

void DummyPortStream::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status DummyPortStream::connect(const std::string& socket_path) {
  close();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return invalid_argument("port socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return io_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("connect " + socket_path + ": " + std::strerror(err));
  }
  fd_ = fd;
  return ok_status();
}

Status DummyPortStream::send(const std::vector<std::span<const uint8_t>>& frames) {
  if (fd_ < 0) return io_error("port stream not connected");
  std::vector<uint8_t> data;
  for (std::span<const uint8_t> f : frames) {
    if (f.size() < kEthernetHeader || f.size() > 0xffff) {
      return invalid_argument("frame of " + std::to_string(f.size()) +
                              " bytes: a dummy port takes 14..65535");
    }
    data.push_back(static_cast<uint8_t>(f.size() >> 8));
    data.push_back(static_cast<uint8_t>(f.size() & 0xff));
    data.insert(data.end(), f.begin(), f.end());
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLOUT, 0};
      ::poll(&pfd, 1, 100);
    } else {
      return io_error(std::string("port stream write: ") + std::strerror(errno));
    }
  }
  return ok_status();
}

Status DummyPortStream::receive(std::vector<std::vector<uint8_t>>& out) {
  if (fd_ < 0) return io_error("port stream not connected");
  for (;;) {
    uint8_t chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.insert(buffer_.end(), chunk, chunk + n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return io_error(n == 0 ? "the daemon closed the port stream"
                           : std::string("port stream read: ") + std::strerror(errno));
  }
  size_t at = 0;
  while (buffer_.size() - at >= 2) {
    const size_t len = static_cast<size_t>(buffer_[at]) << 8 | buffer_[at + 1];
    if (buffer_.size() - at - 2 < len) break;
    out.emplace_back(buffer_.begin() + static_cast<std::ptrdiff_t>(at + 2),
                     buffer_.begin() + static_cast<std::ptrdiff_t>(at + 2 + len));
    at += 2 + len;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(at));
  return ok_status();
}

}  // namespace ctc
