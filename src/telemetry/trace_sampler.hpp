#pragma once
// Which new traces to record, as X-Ray's default sampling rule decides: the first
// `reservoir_per_second` requests of each second, then `fixed_rate` of the rest. Callers that
// already decided (an incoming Sampled=1/0) are not asked.

#include <atomic>
#include <cstdint>

namespace slipway::telemetry {

struct SamplingRule {
  std::uint32_t reservoir_per_second = 1;
  double fixed_rate = 0.05;  // 0..1
};

class TraceSampler {
 public:
  explicit TraceSampler(SamplingRule rule);

  // Decides for one request at `unix_second`. Thread-safe and lock-free.
  bool sample(std::int64_t unix_second);
  // The same at the current time.
  bool sample();

  const SamplingRule& rule() const { return rule_; }

 private:
  SamplingRule rule_;
  std::uint64_t rate_threshold_;  // a uniform 64-bit draw below it is sampled
  // The second the reservoir counts for (high 40 bits) and how much of it was used (low 24).
  std::atomic<std::uint64_t> reservoir_{0};
};

}  // namespace slipway::telemetry
