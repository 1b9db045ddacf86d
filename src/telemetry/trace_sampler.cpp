#include "telemetry/trace_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <random>

namespace slipway::telemetry {
namespace {

constexpr std::uint64_t kUsedBits = 24;
constexpr std::uint64_t kUsedMask = (std::uint64_t{1} << kUsedBits) - 1;

// splitmix64 on a per-thread state: a draw per request must not lock or allocate.
std::uint64_t next_draw() {
  thread_local std::uint64_t state = std::random_device{}() ^ 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

TraceSampler::TraceSampler(SamplingRule rule) : rule_(rule) {
  rule_.fixed_rate = std::clamp(rule_.fixed_rate, 0.0, 1.0);
  rule_.reservoir_per_second =
      std::min<std::uint32_t>(rule_.reservoir_per_second, static_cast<std::uint32_t>(kUsedMask));
  // 1.0 must take every draw, so it is the maximum rather than 2^64 (not representable).
  rate_threshold_ = rule_.fixed_rate >= 1.0
                        ? std::numeric_limits<std::uint64_t>::max()
                        : static_cast<std::uint64_t>(std::ldexp(rule_.fixed_rate, 64));
}

bool TraceSampler::sample(std::int64_t unix_second) {
  if (rule_.reservoir_per_second > 0) {
    const auto second = static_cast<std::uint64_t>(unix_second);
    auto current = reservoir_.load(std::memory_order_relaxed);
    for (;;) {
      const bool same_second = (current >> kUsedBits) == second;
      const auto used = same_second ? (current & kUsedMask) : 0;
      if (used >= rule_.reservoir_per_second) break;
      const auto next = (second << kUsedBits) | (used + 1);
      if (reservoir_.compare_exchange_weak(current, next, std::memory_order_relaxed)) return true;
    }
  }
  if (rule_.fixed_rate <= 0.0) return false;
  return rule_.fixed_rate >= 1.0 || next_draw() < rate_threshold_;
}

bool TraceSampler::sample() {
  return sample(static_cast<std::int64_t>(std::time(nullptr)));
}

}  // namespace slipway::telemetry
