// Running a program from a test and capturing what it printed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ringrt::test {

struct CommandResult {
  int exit_code = -1;  // 128 + signal number if the program was killed by a signal
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// Runs argv[0] (a path, not searched in PATH) with the given arguments, stdin
// closed. Throws std::runtime_error if the process cannot be started.
CommandResult run_command(const std::vector<std::string>& argv);

// Starts argv[0] (a path) in the background, stdin closed and its output discarded;
// returns its pid, for kill() and waitpid(). Throws std::runtime_error if it cannot start.
pid_t start_command(const std::vector<std::string>& argv);

}  // namespace ringrt::test
