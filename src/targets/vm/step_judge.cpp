#include "targets/vm/step_judge.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace slipway::targets::vm {
namespace {

constexpr int kMaxWeight = 256;  // HAProxy's largest server weight

std::string fixed(double value, const char* format) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

TrafficWeights traffic_weights(int share_tenths, int new_servers, int old_servers) {
  if (share_tenths >= 1000 || old_servers == 0) return {kMaxWeight, 0, 1000};
  if (share_tenths <= 0 || new_servers == 0) return {0, kMaxWeight, 0};
  const double wanted = share_tenths / 1000.0;
  TrafficWeights best;
  double best_error = 2;
  // 256 x 256 pairs: exact search, cheap, and it prefers the largest weights among equals (the
  // finest steps for the next change).
  for (int n = kMaxWeight; n >= 1; --n) {
    for (int o = kMaxWeight; o >= 1; --o) {
      double share = static_cast<double>(n) * new_servers /
                     (static_cast<double>(n) * new_servers + static_cast<double>(o) * old_servers);
      double error = std::abs(share - wanted);
      if (error < best_error - 1e-12) {
        best_error = error;
        best = {n, o, static_cast<int>(std::lround(share * 1000))};
      }
    }
  }
  return best;
}

std::optional<std::string> step_breach(const StepSample& start, const StepSample& now,
                                       const StepLimits& limits) {
  const auto responses = now.fresh.responses - start.fresh.responses;
  const auto errors = now.fresh.responses_5xx - start.fresh.responses_5xx;
  if (errors >= limits.min_5xx && responses > 0 &&
      static_cast<double>(errors) / static_cast<double>(responses) > limits.max_5xx_ratio) {
    return std::to_string(errors) + " of " + std::to_string(responses) +
           " responses of the new release were 5xx (" +
           fixed(100.0 * static_cast<double>(errors) / static_cast<double>(responses), "%.1f") +
           "%, above " + fixed(100.0 * limits.max_5xx_ratio, "%.1f") + "%)";
  }
  if (responses >= limits.min_responses_for_latency && now.previous.mean_response_ms >= 0) {
    const double baseline = std::max(now.previous.mean_response_ms, limits.latency_floor_ms);
    if (now.fresh.mean_response_ms > limits.max_slowdown * baseline) {
      return "the new release answers in " + fixed(now.fresh.mean_response_ms, "%.0f") +
             " ms on average, the previous one in " + fixed(now.previous.mean_response_ms, "%.0f") +
             " ms (more than " + fixed(limits.max_slowdown, "%.1f") + "x slower)";
    }
  }
  return std::nullopt;
}

std::int64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9)));
  std::int64_t seen = 0;
  for (const auto& [ms, n] : counts_) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return counts_.rbegin()->first;
}

LatencyFigures latency_figures(const LatencyHistogram& histogram) {
  return {histogram.count(), histogram.percentile(0.50), histogram.percentile(0.99)};
}

std::optional<std::string> tail_breach(const LatencyFigures& fresh, const LatencyFigures& previous,
                                       const StepLimits& limits) {
  if (fresh.samples < limits.min_p99_samples || previous.samples < limits.min_p99_samples) {
    return std::nullopt;
  }
  const double baseline = std::max(static_cast<double>(previous.p99_ms), limits.p99_floor_ms);
  if (static_cast<double>(fresh.p99_ms) <= limits.max_p99_ratio * baseline) return std::nullopt;
  return "the new release's p99 response time is " + std::to_string(fresh.p99_ms) + " ms over " +
         std::to_string(fresh.samples) + " responses, the previous one's " +
         std::to_string(previous.p99_ms) + " ms over " + std::to_string(previous.samples) +
         " (more than " + fixed(limits.max_p99_ratio, "%.1f") + "x slower at p99; p50 " +
         std::to_string(fresh.p50_ms) + " vs " + std::to_string(previous.p50_ms) + " ms)";
}

}  // namespace slipway::targets::vm
