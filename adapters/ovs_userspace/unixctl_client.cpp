#include "adapters/ovs_userspace/unixctl_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace ctc {
namespace {

int millis_until(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Length of the first complete JSON object in `text` (which starts with
// '{' after optional whitespace), or 0 when it is not complete yet.
size_t complete_object_length(const std::string& text) {
  int depth = 0;
  bool in_string = false, escaped = false, started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[') {
      ++depth;
      started = true;
    } else if (c == '}' || c == ']') {
      if (--depth == 0 && started) return i + 1;
    }
  }
  return 0;
}

}  // namespace

UnixctlClient::~UnixctlClient() { close(); }

void UnixctlClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status UnixctlClient::connect(const std::string& socket_path) {
  close();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return invalid_argument("unixctl: socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error(std::string("unixctl: socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("unixctl: connect " + socket_path + ": " + std::strerror(err));
  }
  fd_ = fd;
  return ok_status();
}

Status UnixctlClient::write_all(const std::string& data,
                                std::chrono::steady_clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLOUT, 0};
      if (::poll(&pfd, 1, millis_until(deadline)) == 0)
        return Error{ErrorCode::kTimeout, "unixctl: write timed out"};
      continue;
    }
    return io_error(std::string("unixctl: write: ") + std::strerror(errno));
  }
  return ok_status();
}

Result<std::string> UnixctlClient::read_object(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const size_t start = buffer_.find('{');
    if (start != std::string::npos) {
      if (start > 0) buffer_.erase(0, start);
      if (const size_t len = complete_object_length(buffer_); len > 0) {
        std::string object = buffer_.substr(0, len);
        buffer_.erase(0, len);
        return object;
      }
    }
    pollfd pfd{fd_, POLLIN, 0};
    const int rc = ::poll(&pfd, 1, millis_until(deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) return Error{ErrorCode::kTimeout, "unixctl: no answer within the call timeout"};
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return io_error("unixctl: the daemon closed the control connection");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

Result<UnixctlClient::PendingCall> UnixctlClient::start_call(const std::string& method,
                                                             const std::vector<std::string>& params,
                                                             std::chrono::milliseconds timeout) {
  if (fd_ < 0) return io_error("unixctl: not connected");
  const PendingCall call{.id = next_id_++, .method = method};
  const nlohmann::json request = {{"method", method}, {"params", params}, {"id", call.id}};
  if (auto st = write_all(request.dump(), std::chrono::steady_clock::now() + timeout); !st.ok()) {
    close();
    return st.error();
  }
  return call;
}

Result<std::string> UnixctlClient::finish_call(const PendingCall& call,
                                               std::chrono::milliseconds timeout) {
  if (fd_ < 0) return io_error("unixctl: not connected");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fail = [this](Error e) -> Result<std::string> {
    close();
    return e;
  };
  for (;;) {
    auto object = read_object(deadline);
    if (!object.ok()) return fail(object.error());
    const nlohmann::json reply = nlohmann::json::parse(*object, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
      return fail(internal_error("unixctl: unparsable answer: " + object->substr(0, 200)));
    }
    // An answer to an abandoned earlier call cannot happen (we close on
    // timeout), but a stray notification is skipped rather than misread.
    if (!reply.contains("id") || reply["id"] != call.id) continue;
    const nlohmann::json& error = reply["error"];
    if (!error.is_null()) {
      return invalid_argument(call.method + ": " +
                              (error.is_string() ? error.get<std::string>() : error.dump()));
    }
    const nlohmann::json& result = reply["result"];
    return result.is_string() ? result.get<std::string>() : std::string();
  }
}

Result<std::string> UnixctlClient::call(const std::string& method,
                                        const std::vector<std::string>& params,
                                        std::chrono::milliseconds timeout) {
  auto pending = start_call(method, params, timeout);
  if (!pending.ok()) return pending.error();
  return finish_call(*pending, timeout);
}

}  // namespace ctc
