#pragma once
// slipway's own replica supervisor for the process engine (podman has --restart=on-failure):
// a detached process that runs the program, restarts it with backoff when it crashes, forwards
// SIGTERM to it and exits once it has stopped. It outlives the slipway command that started it.

#include <string>
#include <vector>

namespace slipway::targets::vm {

struct SupervisedProgram {
  std::vector<std::string> argv;         // argv[0] is a path
  std::vector<std::string> environment;  // "NAME=value", the complete environment
  std::string log_path;                  // stdout and stderr of every run, appended
  std::string pid_path;                  // holds the current run's PID
  std::string identity_path;             // holds the current run's process_identity()
  std::string restarts_path;             // holds the number of restarts so far
};

// Returns what tells process `pid` apart from any later process with the same PID: this boot's
// id and the process's start time in clock ticks since boot (/proc/PID/stat field 22), as
// "BOOT_ID:TICKS"; empty when there is no such process (or it is a zombie).
std::string process_identity(int pid);

// Returns true when process `pid` runs and is the one `identity` was taken from. An empty
// `identity` (recorded before slipway kept them) falls back to the PID alone.
bool is_same_process(int pid, const std::string& identity);

// Starts the supervisor in its own session and returns its PID; throws EngineError when fork
// fails. The first run starts right after; its PID appears in pid_path.
int spawn_supervisor(const SupervisedProgram& program);

}  // namespace slipway::targets::vm
