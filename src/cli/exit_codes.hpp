#pragma once
// The one table of process exit codes of `slipway`. Every verb returns one of these, and every
// error type maps to one (see run.cpp). Documented in docs/cli.md; scripts rely on them.

#include "release/outcome.hpp"

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

// How a rollout ended, on either target, as the exit code: the one mapping.
constexpr ExitCode exit_code_of(release::Outcome outcome) noexcept {
  switch (outcome) {
    case release::Outcome::in_progress:  // not followed (ecs --no-wait): started is all we know
    case release::Outcome::succeeded:
      return ExitCode::ok;
    case release::Outcome::rolled_back:
      return ExitCode::rolled_back;
    case release::Outcome::failed:
      return ExitCode::failed;
    case release::Outcome::timed_out:
      return ExitCode::timed_out;
    case release::Outcome::superseded:
      return ExitCode::superseded;
  }
  return ExitCode::failed;
}

constexpr int to_int(ExitCode code) noexcept {
  return static_cast<int>(code);
}

}  // namespace slipway::cli
