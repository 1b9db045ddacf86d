#include "aws/retry.hpp"

#include <algorithm>
#include <array>

namespace slipway::aws {

bool is_throttling_code(std::string_view code) noexcept {
  static constexpr std::array<std::string_view, 10> kThrottling = {
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "RequestThrottled",
      "SlowDown"};
  return std::find(kThrottling.begin(), kThrottling.end(), code) != kThrottling.end();
}

bool is_retryable_response(unsigned status, std::string_view code) noexcept {
  return status >= 500 || status == 429 || is_throttling_code(code);
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                        std::mt19937_64& random) {
  const int exponent = std::clamp(retry - 1, 0, 20);
  const auto ceiling = std::min(policy.cap.count(), policy.base.count() << exponent);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(random));
}

}  // namespace slipway::aws
