#include "core/cancellation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>

namespace slipway::core {
namespace {

using Clock = std::chrono::steady_clock;

// Read by a signal handler: must not need a lock.
static_assert(std::atomic<bool>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

std::atomic<bool> requested{false};
std::atomic<int> requesting_signal{0};
std::atomic<int> pipe_read{-1};
std::atomic<int> pipe_write{-1};
std::once_flag pipe_once;
std::once_flag handlers_once;

void make_pipe() {
  std::call_once(pipe_once, [] {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw SystemError(std::string("cannot create the cancellation pipe: ") +
                        std::strerror(errno));
    }
    pipe_read.store(fds[0]);
    pipe_write.store(fds[1]);
  });
}

// Async-signal-safe: an atomic store and a write(2). The pipe is never drained while the request
// stands, so every waiter sees it readable.
void mark_requested(int signal_number) noexcept {
  if (requested.load()) return;   // the first request names the signal
  const int saved_errno = errno;  // a handler must not change errno under the code it interrupts
  requesting_signal.store(signal_number);
  requested.store(true);
  if (const int fd = pipe_write.load(); fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

extern "C" void on_signal(int signal_number) {
  if (requested.load()) {
    // Asked twice: the first request is not being observed; stop the way the signal would.
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
    return;
  }
  mark_requested(signal_number);
}

std::string signal_name(int signal_number) {
  if (signal_number == SIGINT) return "SIGINT";
  if (signal_number == SIGTERM) return "SIGTERM";
  if (signal_number == 0) return "a cancellation request";
  return "signal " + std::to_string(signal_number);
}

}  // namespace

void cancel_on_signals() {
  make_pipe();
  std::call_once(handlers_once, [] {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // other blocking calls go on; waits poll the pipe
    for (const int signal_number : {SIGINT, SIGTERM}) {
      if (::sigaction(signal_number, &action, nullptr) != 0) {
        throw SystemError(std::string("cannot install the signal handler: ") +
                          std::strerror(errno));
      }
    }
  });
}

void request_cancellation() noexcept {
  // pipe creation can only fail for want of descriptors; a waiter then still sees the flag at its
  // next wake-up.
  try {
    make_pipe();
  } catch (const SystemError&) {
  }
  mark_requested(0);
}

bool cancellation_requested() noexcept {
  return requested.load();
}

int cancellation_signal() noexcept {
  return requesting_signal.load();
}

void throw_if_cancelled(std::string_view doing) {
  if (!requested.load()) return;
  throw Cancelled("interrupted by " + signal_name(requesting_signal.load()) + " while " +
                  std::string(doing));
}

bool wait_for_cancellation(std::chrono::milliseconds duration) {
  make_pipe();
  const auto deadline = Clock::now() + duration;
  while (!requested.load()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd readable{.fd = pipe_read.load(), .events = POLLIN, .revents = 0};
    // EINTR (a signal, ours or not) only means: look at the flag and the clock again.
    ::poll(&readable, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
  }
  return true;
}

void sleep_or_cancel(std::chrono::milliseconds duration, std::string_view doing) {
  wait_for_cancellation(duration);
  throw_if_cancelled(doing);
}

void reset_cancellation() noexcept {
  requested.store(false);
  requesting_signal.store(0);
  if (const int fd = pipe_read.load(); fd >= 0) {
    char buffer[64];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
  }
}

}  // namespace slipway::core
