#pragma once
// The file-descriptor budget: every connection holds one descriptor, so the connection limit
// must fit under RLIMIT_NOFILE, or accept() fails (EMFILE) and clients wait unanswered.

#include <cstddef>

namespace slipway::service {

// Descriptors kept for the process's own use beyond those open at start (log pipes, TLS
// connections to AWS, timers, the 503 answer to a client over the limit).
inline constexpr std::size_t kReservedFds = 64;

struct FdLimit {
  std::size_t soft_before = 0;  // RLIMIT_NOFILE's soft limit as the process started
  std::size_t soft = 0;         // after raising it to the hard limit (if allowed)
  std::size_t hard = 0;
  std::size_t open = 0;  // descriptors open now
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit (capped by what the kernel allows) and
// reports both, with the descriptors open now. Never throws: on failure the limits stay.
FdLimit raise_fd_limit();

// The connections that fit: `requested`, or fewer when the soft limit minus the descriptors
// open and kReservedFds leaves less room; at least 1.
std::size_t connections_that_fit(std::size_t requested, const FdLimit& limit);

}  // namespace slipway::service
