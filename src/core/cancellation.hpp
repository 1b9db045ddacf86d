#pragma once
// One process-wide cancellation request: SIGINT or SIGTERM (once cancel_on_signals() ran) or a
// direct request_cancellation(). Every wait that can last (a rollout's poll loop, a bake, a
// `logs --follow`) sleeps through sleep_or_cancel(), so a Ctrl-C or a cancelled CI job stops it
// at the next wake-up; the Cancelled exception then unwinds through the RAII guards that release
// locks and tags, and the CLI exits 130. A second signal ends the process at once, for a step
// that never waits.
//
// The request is a lock-free flag plus a self-pipe: the signal handler only stores and writes
// (both async-signal-safe), and a waiter sleeps in poll() on the pipe, so it wakes at once.

#include <chrono>
#include <string_view>

#include "core/errors.hpp"

namespace slipway::core {

// Thrown by a wait that saw the request. Not an InputError or SystemError: nothing is wrong
// with the input or the machine, somebody asked the command to stop.
class Cancelled : public Error {
 public:
  using Error::Error;
};

// Installs SIGINT and SIGTERM handlers that request cancellation (idempotent). The first signal
// requests; a second one restores the default action and re-raises it.
void cancel_on_signals();

// Requests cancellation, as a signal would. Async-signal-safe once the pipe exists (it is
// created by cancel_on_signals() or by the first wait).
void request_cancellation() noexcept;

// Whether cancellation was requested.
bool cancellation_requested() noexcept;

// The signal that requested it (SIGINT, SIGTERM), or 0 for request_cancellation() or none.
int cancellation_signal() noexcept;

// Throws Cancelled ("interrupted by SIGINT while `doing`") when cancellation was requested.
void throw_if_cancelled(std::string_view doing);

// Sleeps `duration`, waking early when cancellation is requested; then throws Cancelled if it
// was (also when it was requested before the call). `doing` names the wait in the message.
void sleep_or_cancel(std::chrono::milliseconds duration, std::string_view doing);

// Sleeps `duration` or until cancellation is requested; returns true when it was requested.
// For a loop that must clean up before it unwinds.
bool wait_for_cancellation(std::chrono::milliseconds duration);

// Clears the request (tests, and a process that handled it and goes on).
void reset_cancellation() noexcept;

}  // namespace slipway::core
