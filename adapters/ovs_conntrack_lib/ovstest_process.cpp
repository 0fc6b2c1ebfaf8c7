#include "adapters/ovs_conntrack_lib/ovstest_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/posix.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/common/signal_cleanup.h"
#include "adapters/ovs_conntrack_lib/ct_state_line.h"
#include "adapters/ovs_conntrack_lib/pcap_stream.h"

namespace ctc::ovs_conntrack_lib {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

constexpr const char* kFifoName = "frames.pcap";
constexpr const char* kStderrName = "ovstest.stderr";
// A line longer than this is not test-conntrack's output.
constexpr size_t kLongestLine = 256;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int milliseconds_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<int64_t>(left + 1, INT32_MAX));
}

std::string last_lines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t n = 0; n < lines && pos > 0; ++n) {
    const size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return pos == 0 ? text : text.substr(pos + 1);
}

}  // namespace

struct OvstestProcess::Child {
  bp::child process;
};

Result<std::unique_ptr<OvstestProcess>> OvstestProcess::start(const OvstestCommand& command) {
  std::unique_ptr<OvstestProcess> p(new OvstestProcess());
  if (auto st = p->launch(command); !st.ok()) return st.error();  // the destructor cleans up
  return p;
}

OvstestProcess::~OvstestProcess() { stop(); }

Status OvstestProcess::launch(const OvstestCommand& command) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "ctconform-ovslib-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return io_error("ovs-conntrack-lib: mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  dir_ = tmpl;
  cleanup_slot_ = register_cleanup_dir(dir_);
  const std::string fifo = dir_ + "/" + kFifoName;
  if (::mkfifo(fifo.c_str(), 0600) != 0) {
    return io_error("ovs-conntrack-lib: mkfifo " + fifo + ": " + std::strerror(errno));
  }
  // O_RDWR: opening a FIFO for writing alone blocks until a reader opens it
  // (fifo(7)); read-write returns at once on Linux. Holding a read end also
  // means a dead reader gives EAGAIN (a full pipe) instead of SIGPIPE, and
  // O_NONBLOCK lets every write wait with a deadline.
  fifo_fd_ = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fifo_fd_ < 0) return io_error("ovs-conntrack-lib: open " + fifo + ": " + std::strerror(errno));

  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return io_error(std::string("ovs-conntrack-lib: pipe: ") + std::strerror(errno));
  }
  stdout_fd_ = out_pipe[0];
  std::error_code ec;
  // stdbuf -o0: test-conntrack printf()s each line; without it stdio holds
  // them in a 4 KiB buffer until exit, since stdout is a pipe. fd.bind
  // dup2()s the write end onto the child's stdout (dup2 drops O_CLOEXEC).
  child_ = std::make_unique<Child>();
  child_->process = bp::child(
      command.stdbuf,
      bp::args({std::string("-o0"), command.ovstest, std::string("test-conntrack"),
                std::string("pcap"), fifo}),
      bp::std_in<bp::null, bp::posix::fd.bind(STDOUT_FILENO, out_pipe[1]),
                 bp::std_err> dir_ + "/" + kStderrName,
      ec);
  ::close(out_pipe[1]);  // only the child writes: EOF on our end means it exited
  if (ec) {
    child_.reset();
    return io_error("ovs-conntrack-lib: cannot start " + command.ovstest + ": " + ec.message());
  }
  register_cleanup_pid(cleanup_slot_, 0, child_->process.id());
  const std::vector<uint8_t> header = pcap_file_header();
  if (auto st = write_all(header, Clock::now() + std::chrono::seconds(5)); !st.ok()) return st;
  return ok_status();
}

void OvstestProcess::stop() {
  close_fd(fifo_fd_);
  close_fd(stdout_fd_);
  if (child_) {
    // SIGKILL, then a blocking wait. Not bp::child::terminate(): in Boost 1.74
    // it reaps with WNOHANG right after the kill, usually too early, and marks
    // the child finished so that wait() does not reap it either (see
    // adapters/ovs_userspace/ovs_sandbox.cpp kill_and_reap).
    register_cleanup_pid(cleanup_slot_, 0, 0);  // reaped below, by us
    std::error_code ec;
    bp::child& c = child_->process;
    if (c.valid() && c.running(ec)) ::kill(c.id(), SIGKILL);
    if (c.valid()) c.wait(ec);
    child_.reset();
  }
  unregister_cleanup_dir(cleanup_slot_);
  cleanup_slot_ = -1;
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
  pending_output_.clear();
}

pid_t OvstestProcess::pid() const { return child_ ? child_->process.id() : -1; }

std::string OvstestProcess::stderr_tail() const {
  if (dir_.empty()) return {};
  std::ifstream in(dir_ + "/" + kStderrName);
  std::ostringstream text;
  text << in.rdbuf();
  return last_lines(text.str(), 10);
}

Error OvstestProcess::failure(const std::string& what) {
  std::string message = "ovs-conntrack-lib: " + what;
  const std::string tail = stderr_tail();
  if (!tail.empty()) message += "\novstest stderr:\n" + tail;
  stop();
  return internal_error(message);
}

Status OvstestProcess::write_all(std::span<const uint8_t> bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fifo_fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return failure(std::string("write to FIFO: ") + std::strerror(errno));
    pollfd pfd{fifo_fd_, POLLOUT, 0};
    if (::poll(&pfd, 1, milliseconds_left(deadline)) == 0 && Clock::now() >= deadline) {
      return Error{ErrorCode::kTimeout, failure("ovstest stopped reading its FIFO").message};
    }
  }
  return ok_status();
}

Result<std::string> OvstestProcess::read_line(Clock::time_point deadline) {
  for (;;) {
    if (const size_t nl = pending_output_.find('\n'); nl != std::string::npos) {
      std::string line = pending_output_.substr(0, nl);
      pending_output_.erase(0, nl + 1);
      return line;
    }
    if (pending_output_.size() > kLongestLine) {
      return failure("unexpected output from ovstest: " + pending_output_.substr(0, kLongestLine));
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, milliseconds_left(deadline));
    if (ready < 0 && errno != EINTR) return failure(std::string("poll: ") + std::strerror(errno));
    if (ready == 0) {
      if (Clock::now() < deadline) continue;
      return Error{ErrorCode::kTimeout,
                   failure("no ct_state line from ovstest within the call timeout").message};
    }
    char buf[512];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return failure(std::string("read: ") + std::strerror(errno));
    if (n == 0) return failure("ovstest exited");
    pending_output_.append(buf, static_cast<size_t>(n));
  }
}

Result<CtState> OvstestProcess::track(std::span<const uint8_t> frame,
                                      std::chrono::milliseconds timeout) {
  if (!child_) return internal_error("ovs-conntrack-lib: ovstest is not running");
  if (frame.size() > kLargestPcapRecord) {
    return invalid_argument("ovs-conntrack-lib: a frame of " + std::to_string(frame.size()) +
                            " bytes does not fit a pcap record ovstest reads (at most " +
                            std::to_string(kLargestPcapRecord) + ")");
  }
  const auto deadline = Clock::now() + timeout;
  if (auto st = write_all(pcap_record(frame), deadline); !st.ok()) return st.error();
  ++frames_sent_;
  auto line = read_line(deadline);
  if (!line.ok()) return line.error();
  auto parsed = parse_ct_state_line(*line);
  if (!parsed.ok()) return failure(parsed.error().message);
  if (parsed->packet_number != frames_sent_) {
    return failure("ovstest numbered frame " + std::to_string(frames_sent_) + " as " +
                   std::to_string(parsed->packet_number) + " (a frame without its line)");
  }
  return parsed->state;
}

}  // namespace ctc::ovs_conntrack_lib
