#include "adapters/linux_netfilter/command_runner.h"

#include <unistd.h>

#include <boost/process.hpp>
#include <cstdlib>
#include <filesystem>
#include <istream>
#include <iterator>
#include <system_error>

namespace ctc::linux_netfilter {
namespace {

namespace bp = boost::process;

// PATH lookup with std::filesystem: bp::search_path would pull in the
// compiled boost_filesystem library.
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

}  // namespace

std::string describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

Result<CommandOutput> run_command(const CommandRequest& request) {
  if (request.argv.empty()) return invalid_argument("run_command: empty argv");
  const std::string exe = resolve(request.argv[0]);
  if (exe.empty()) return io_error("program '" + request.argv[0] + "' not found in PATH");
  std::vector<std::string> args(request.argv.begin() + 1, request.argv.end());
  bp::opstream to_child;
  bp::ipstream from_child;
  std::error_code ec;
  // stderr joins stdout: the tools' error messages are what a report needs.
  bp::child child(bp::exe = exe, bp::args = args,
                  bp::std_in<to_child, (bp::std_out & bp::std_err)> from_child, ec);
  if (ec) return io_error("cannot start '" + describe(request.argv) + "': " + ec.message());
  // The tools read all of stdin before writing much, so writing first cannot
  // deadlock on a full output pipe for the sizes we send (rulesets, batches).
  to_child << request.stdin_text;
  to_child.flush();
  to_child.pipe().close();
  CommandOutput result;
  result.out.assign(std::istreambuf_iterator<char>(from_child), std::istreambuf_iterator<char>());
  child.wait(ec);
  if (ec) return io_error("waiting for '" + describe(request.argv) + "': " + ec.message());
  result.exit_code = child.exit_code();
  return result;
}

Result<std::string> run_checked(const CommandRequest& request) {
  auto result = run_command(request);
  if (!result.ok()) return result.error();
  if (result->exit_code != 0) {
    return io_error("'" + describe(request.argv) + "' exited " + std::to_string(result->exit_code) +
                    ": " + result->out);
  }
  return std::move(result->out);
}

}  // namespace ctc::linux_netfilter
