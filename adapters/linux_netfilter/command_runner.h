// Runs the few host tools the linux-netfilter adapter needs (`ip`, `nft`)
// as child processes through Boost.Process, with stdin text and captured
// output. Every child process of this adapter starts here.
#pragma once

#include <string>
#include <vector>

#include "reference/common/result.h"

namespace ctc::linux_netfilter {

struct CommandOutput {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved as the tool wrote them
};

struct CommandRequest {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::string stdin_text;         // written to the child's stdin, then closed
};

// Error (kIo) when the program cannot be started; otherwise its exit code and
// output, whatever the code.
Result<CommandOutput> run_command(const CommandRequest& request);

// run_command, then an Error (kIo) naming the command and its output unless
// it exited 0.
Result<std::string> run_checked(const CommandRequest& request);

std::string describe(const std::vector<std::string>& argv);

}  // namespace ctc::linux_netfilter
