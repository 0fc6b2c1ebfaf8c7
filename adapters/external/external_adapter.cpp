#include "adapters/external/external_adapter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reference/common/hex.h"
#include "reference/scenario/table_format.h"

namespace ctc {
namespace {

namespace bp = boost::process;

Result<std::vector<uint8_t>> from_hex(const std::string& text) {
  if (text.size() % 2 != 0) return invalid_argument("odd-length hex frame");
  std::vector<uint8_t> out;
  out.reserve(text.size() / 2);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return invalid_argument("bad hex frame");
    out.push_back(static_cast<uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string item; std::getline(in, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Capabilities parse_capabilities(const std::string& caps, const std::string& profiles) {
  Capabilities c{.flows = false, .ipv6 = false, .nat = false, .zones = false, .marks = false,
                 .labels = false, .virtual_time = false, .table_dump = false,
                 .classification = false, .profiles = split(profiles, ',')};
  for (const std::string& cap : split(caps, ',')) {
    if (cap == "flows") c.flows = true;
    if (cap == "ipv6") c.ipv6 = true;
    if (cap == "nat") c.nat = true;
    if (cap == "zones") c.zones = true;
    if (cap == "marks") c.marks = true;
    if (cap == "labels") c.labels = true;
    if (cap == "virtual_time") c.virtual_time = true;
    if (cap == "table_dump") c.table_dump = true;
    if (cap == "classification") c.classification = true;
  }
  return c;
}

class ExternalAdapter final : public Adapter {
 public:
  explicit ExternalAdapter(AdapterOptions options) : options_(std::move(options)) {}
  ~ExternalAdapter() override { shutdown(); }

  std::string id() const override { return "external"; }

  Capabilities capabilities() const override { return caps_; }

  // Starts the program at once so that capabilities() can answer.
  Status start() {
    if (child_) return ok_status();
    std::vector<std::string> argv = split(options_.external_command, ' ');
    if (argv.empty()) return invalid_argument("adapter external needs --external-cmd PROGRAM");
    // A dead child must give an error from write(), not kill us with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    stderr_path_ = (std::filesystem::temp_directory_path() /
                    ("ctconform-external-" + std::to_string(::getpid()) + ".stderr"))
                       .string();
    to_child_ = bp::pipe();
    from_child_ = bp::pipe();
    for (int fd : {to_child_.native_source(), to_child_.native_sink(), from_child_.native_source(),
                   from_child_.native_sink()}) {
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    std::error_code ec;
    const std::string exe = argv[0].find('/') == std::string::npos
                                ? bp::search_path(argv[0]).string()
                                : argv[0];
    if (exe.empty()) return io_error("external: program '" + argv[0] + "' not found in PATH");
    argv.erase(argv.begin());
    child_ = std::make_unique<bp::child>(exe, bp::args(argv), bp::std_in < to_child_,
                                         bp::std_out > from_child_, bp::std_err > stderr_path_, ec);
    if (ec) {
      child_.reset();
      return io_error("external: cannot start '" + exe + "': " + ec.message());
    }
    close_fd_source(to_child_);
    close_fd_sink(from_child_);
    auto hello = request("hello 1");
    if (!hello.ok()) return hello.error();
    const std::vector<std::string> words = split(*hello, ' ');
    if (words.size() < 2 || words[0] != "ok") {
      return failure("external: unexpected answer to hello: '" + *hello + "'");
    }
    std::string caps, profiles;
    for (const std::string& w : words) {
      if (w.starts_with("caps=")) caps = w.substr(5);
      if (w.starts_with("profiles=")) profiles = w.substr(9);
    }
    caps_ = parse_capabilities(caps, profiles);
    return ok_status();
  }

  Status load(const ScenarioSetup& setup) override {
    if (auto st = start(); !st.ok()) return st;
    std::vector<std::string> flow_lines = split(setup.flows, '\n');
    std::string ports;
    for (const PortDecl& p : setup.ports) ports += (ports.empty() ? "" : ",") + std::to_string(p.port.value);
    std::string message = "load " + setup.profile->name + " " + ports + " " +
                          std::to_string(flow_lines.size());
    for (const std::string& f : flow_lines) message += "\n" + f;
    return expect_ok(message);
  }

  Result<InjectResult> inject(Port port, std::span<const uint8_t> frame) override {
    if (auto st = send("inject " + std::to_string(port.value) + " " + to_hex(frame)); !st.ok()) {
      return st.error();
    }
    InjectResult result;
    for (;;) {
      auto line = read_line();
      if (!line.ok()) return line.error();
      if (*line == "done") return result;
      if (line->starts_with("out ")) {
        const std::vector<std::string> w = split(*line, ' ');
        if (w.size() != 3) return failure("external: bad out line '" + *line + "'");
        auto bytes = from_hex(w[2]);
        unsigned long n = 0;
        try {
          n = std::stoul(w[1]);
        } catch (...) {
          n = 0;
        }
        if (!bytes.ok() || n == 0 || n > 65535) return failure("external: bad out line '" + *line + "'");
        result.outputs.push_back({Port{static_cast<uint16_t>(n)}, std::move(bytes).value()});
      } else if (line->starts_with("ct ")) {
        const std::string state = line->substr(3);
        if (state == "-") {
          result.classification = CtState();
        } else {
          auto parsed = CtState::parse(state);
          if (!parsed.ok()) return failure("external: bad ct line '" + *line + "'");
          result.classification = *parsed;
        }
      } else if (line->starts_with("error ")) {
        return internal_error("external: " + line->substr(6));
      } else {
        return failure("external: unexpected line '" + *line + "'");
      }
    }
  }

  Status advance(Duration d) override { return expect_ok("advance " + std::to_string(d.ns)); }

  Result<std::vector<ConnectionSnapshot>> dump_table() override {
    if (auto st = send("dump"); !st.ok()) return st.error();
    std::vector<ConnectionSnapshot> rows;
    for (;;) {
      auto line = read_line();
      if (!line.ok()) return line.error();
      if (*line == "done") return rows;
      if (line->starts_with("error ")) return internal_error("external: " + line->substr(6));
      if (!line->starts_with("row ")) return failure("external: unexpected line '" + *line + "'");
      auto row = parse_connection(line->substr(4));
      if (!row.ok()) return failure("external: " + row.error().message);
      rows.push_back(std::move(row).value());
    }
  }

  Status flush(std::optional<Zone> zone) override {
    return expect_ok(zone ? "flush " + std::to_string(zone->value) : "flush");
  }

  void shutdown() override {
    if (!child_) return;
    (void)send("quit");
    to_child_.close();
    std::error_code ec;
    // Give it a moment to leave by itself, then insist.
    for (int i = 0; i < 50 && child_->running(ec); ++i) ::usleep(2000);
    if (child_->running(ec)) child_->terminate(ec);
    child_->wait(ec);
    child_.reset();
    from_child_.close();
    std::filesystem::remove(stderr_path_, ec);
    buffer_.clear();
  }

 private:
  static void close_fd_source(bp::pipe& p) {
    ::close(p.native_source());
    p.assign_source(-1);
  }
  static void close_fd_sink(bp::pipe& p) {
    ::close(p.native_sink());
    p.assign_sink(-1);
  }

  Status send(const std::string& message) {
    if (!child_) return internal_error("external: program not running");
    std::string data = message + "\n";
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(to_child_.native_sink(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return failure("external: program closed its input");
      done += static_cast<size_t>(n);
    }
    return ok_status();
  }

  Result<std::string> read_line() {
    if (!child_) return internal_error("external: program not running");
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::nanoseconds(options_.call_timeout.ns);
    for (;;) {
      if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return failure("external: no answer within the call timeout");
      pollfd pfd{from_child_.native_source(), POLLIN, 0};
      int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) continue;
      char chunk[65536];
      ssize_t n = ::read(from_child_.native_source(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return failure("external: program exited");
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  Result<std::string> request(const std::string& message) {
    if (auto st = send(message); !st.ok()) return st.error();
    return read_line();
  }

  Status expect_ok(const std::string& message) {
    auto answer = request(message);
    if (!answer.ok()) return answer.error();
    if (*answer == "ok") return ok_status();
    if (answer->starts_with("error ")) return internal_error("external: " + answer->substr(6));
    return failure("external: expected 'ok', got '" + *answer + "'");
  }

  // A protocol breach or a dead program: kill it (the next load starts a
  // fresh one) and report what it wrote on stderr.
  Error failure(const std::string& what) {
    std::string tail;
    {
      std::ifstream err(stderr_path_);
      std::ostringstream text;
      text << err.rdbuf();
      tail = text.str();
      if (tail.size() > 2000) tail = "..." + tail.substr(tail.size() - 2000);
    }
    if (child_) {
      std::error_code ec;
      child_->terminate(ec);
      child_->wait(ec);
      child_.reset();
      to_child_.close();
      from_child_.close();
      buffer_.clear();
    }
    return internal_error(tail.empty() ? what : what + "; its stderr:\n" + tail);
  }

  AdapterOptions options_;
  Capabilities caps_;
  std::unique_ptr<bp::child> child_;
  bp::pipe to_child_;
  bp::pipe from_child_;
  std::string buffer_;
  std::string stderr_path_;
};

}  // namespace

Result<std::unique_ptr<Adapter>> make_external_adapter(const AdapterOptions& options) {
  auto adapter = std::make_unique<ExternalAdapter>(options);
  if (auto st = adapter->start(); !st.ok()) return st.error();
  return std::unique_ptr<Adapter>(std::move(adapter));
}

}  // namespace ctc
