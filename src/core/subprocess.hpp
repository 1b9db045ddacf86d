#pragma once
// Running other programs: argv only (never a shell), an explicit environment, captured output
// and a timeout. Secrets travel in the environment or on stdin, never on argv, because argv is
// visible to every user in the process list.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slipway::core {

struct RunOptions {
  std::vector<std::string> argv;           // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to (or replacing) the inherited env
  bool inherit_env = true;                 // false: the child sees only `env`
  std::optional<std::string> stdin_data;   // written then closed; /dev/null when unset
  std::chrono::milliseconds timeout{0};    // 0 = no limit
  std::string working_dir;                 // empty = the current directory
};

struct RunResult {
  int exit_code = -1;      // the exit status, or -1 when killed by a signal
  int term_signal = 0;     // the signal that ended it, 0 when it exited
  bool timed_out = false;  // true when the timeout killed it (SIGKILL to its process group)
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs the program to completion and returns its status and output; throws core::SystemError
// when it cannot be started (e.g. not found on PATH), naming the program.
RunResult run(const RunOptions& options);

// Returns the environment to give a child: the inherited one (when asked) overlaid with `env`,
// as "NAME=value" strings.
std::vector<std::string> build_environment(const std::map<std::string, std::string>& env,
                                           bool inherit_env);

// Returns the full path of `program` on PATH (or `program` itself when it contains '/'), or
// nullopt when it is not there.
std::optional<std::string> find_program(const std::string& program);

// Returns true when a process with this PID exists (it may be a zombie).
bool process_alive(pid_t pid);

}  // namespace slipway::core
