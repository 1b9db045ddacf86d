#pragma once
// The one table of process exit codes of `slipway`. Every verb returns one of these, and every
// error type maps to one (see run.cpp). Documented in docs/cli.md; scripts rely on them.

namespace slipway::cli {

enum class ExitCode : int {
  ok = 0,
  failed = 1,        // the operation failed for a reason not listed below
  usage = 2,         // bad input: flags, arguments, files, references, configuration
  rolled_back = 3,   // a deploy failed and the previous release was restored
  timed_out = 4,     // waited longer than --timeout
  locked = 5,        // another deploy holds the lock for this service
  superseded = 6,    // a newer deploy replaced this one while it ran
  aws_error = 7,     // AWS said no or could not be reached: access denied, credentials, network
  interrupted = 130  // SIGINT (128 + 2), as shells report it
};

constexpr int to_int(ExitCode code) noexcept {
  return static_cast<int>(code);
}

}  // namespace slipway::cli
