#pragma once
// The service's lifecycle: configure, listen, serve until SIGTERM/SIGINT, then drain.

namespace slipway::service {

// Exit codes of the `app` binary.
enum class AppExit : int {
  ok = 0,              // drained and stopped in time
  failed = 1,          // could not listen, or in-flight requests outlived SHUTDOWN_TIMEOUT
  invalid_config = 2,  // an environment variable is invalid (one line on stderr names it)
};

// Runs the service; returns the process exit code.
int run_app();

}  // namespace slipway::service
