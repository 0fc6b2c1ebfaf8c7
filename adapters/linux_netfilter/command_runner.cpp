#include "adapters/linux_netfilter/command_runner.h"

#include <boost/process.hpp>
#include <istream>
#include <iterator>
#include <system_error>

namespace ctc::linux_netfilter {
namespace {

namespace bp = boost::process;

std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  return bp::search_path(program).string();
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
  bp::child child(exe, bp::args(args), bp::std_in < to_child,
                  (bp::std_out & bp::std_err) > from_child, ec);
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
    return io_error("'" + describe(request.argv) + "' exited " +
                    std::to_string(result->exit_code) + ": " + result->out);
  }
  return std::move(result->out);
}

}  // namespace ctc::linux_netfilter
