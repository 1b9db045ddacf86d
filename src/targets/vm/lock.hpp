#pragma once
// The state lock: one slipway command that changes the stack at a time. The lock file names its
// owner (PID, host, command, start time) so a refused command can say who holds it, and a lock
// left by a killed run (its PID gone on this host, or older than the timeout) is taken over.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace slipway::targets::vm {

struct LockOwner {
  int pid = 0;
  std::string host;
  std::string command;
  std::int64_t started_at = 0;  // Unix seconds
};

// Returns true when `owner` no longer holds the lock: same host and PID gone, or older than
// `timeout` at `now` (Unix seconds).
bool lock_is_stale(const LockOwner& owner, const std::string& this_host, bool owner_alive,
                   std::int64_t now, std::chrono::seconds timeout);

class StateLock {
 public:
  // Takes the lock at `path`; throws LockedError naming the live owner, and takes over a stale
  // lock (reported through `took_over_stale`).
  StateLock(std::string path, std::string command, std::chrono::seconds timeout);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  // The stale owner replaced when the lock was taken, if any.
  const std::optional<LockOwner>& took_over_stale() const { return stale_; }
  // The temporary files the stale owner was writing when it died (FILE.tmp.PID beside the
  // lock), removed when the lock was taken over.
  const std::vector<std::string>& half_written() const { return half_written_; }

 private:
  std::string path_;
  std::optional<LockOwner> stale_;
  std::vector<std::string> half_written_;
};

// Returns who holds the lock at `path` now, or nullopt when nobody does.
std::optional<LockOwner> read_lock_owner(const std::string& path);

// Returns this machine's host name.
std::string host_name();

}  // namespace slipway::targets::vm
