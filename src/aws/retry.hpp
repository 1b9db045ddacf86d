#pragma once
// When and how long to wait before retrying an AWS call: exponential backoff with full jitter
// (delay uniform in [0, min(cap, base * 2^attempt)]), for throttling, 5xx and network errors
// only — a 4xx other than throttling is the caller's mistake and is never retried.

#include <chrono>
#include <random>
#include <string_view>

namespace slipway::aws {

struct RetryPolicy {
  int max_attempts = 4;  // including the first
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{5000};
};

// True for AWS error codes that mean "slow down".
bool is_throttling_code(std::string_view code) noexcept;

// True when a response with this status and error code may succeed if sent again.
bool is_retryable_response(unsigned status, std::string_view code) noexcept;

// Returns the delay before retry number `retry` (1 for the first retry), drawn with `random`.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::mt19937_64& random);

}  // namespace slipway::aws
