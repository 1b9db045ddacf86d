#include "targets/vm/step_judge.hpp"

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

}  // namespace slipway::targets::vm
