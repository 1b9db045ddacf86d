#include "targets/vm/rollout_plan.hpp"

#include <algorithm>

namespace slipway::targets::vm {

FleetLimits fleet_limits(int desired, int minimum_healthy_percent, int maximum_percent) {
  FleetLimits limits;
  limits.desired = desired;
  limits.min_healthy = (desired * minimum_healthy_percent + 99) / 100;
  limits.max_running = desired * maximum_percent / 100;
  return limits;
}

RolloutStep next_rollout_step(const FleetState& state, const FleetLimits& limits) {
  RolloutStep step;
  const int running = state.old_in_service + state.new_in_service;
  // Old replicas beyond what the fleet needs go first: the new ones already cover them.
  step.stop_old = std::clamp(running - limits.desired, 0, state.old_in_service);
  int after_stop = running - step.stop_old;
  int missing_new = limits.desired - state.new_in_service;
  int room = limits.max_running - after_stop;
  if (missing_new > 0 && room <= 0) {
    // No room to start anything: stop old replicas down to the healthy minimum to make room.
    int can_stop = std::min(state.old_in_service - step.stop_old, after_stop - limits.min_healthy);
    int extra = std::clamp(std::min(can_stop, missing_new), 0, state.old_in_service);
    step.stop_old += extra;
    after_stop -= extra;
    room = limits.max_running - after_stop;
  }
  step.start_new = std::clamp(std::min(missing_new, room), 0, limits.desired);
  return step;
}

bool can_keep_old_warm(int old_count, const FleetLimits& limits) {
  return old_count + limits.desired <= limits.max_running;
}

int circuit_breaker_threshold(int desired) {
  return std::clamp((desired + 1) / 2, 3, 200);
}

HealthTracker::HealthTracker(int healthy_after, int unhealthy_after)
    : healthy_after_(healthy_after), unhealthy_after_(unhealthy_after) {}

HealthTracker::Verdict HealthTracker::record(bool passed) {
  if (passed) {
    failures_ = 0;
    if (++passes_ >= healthy_after_) verdict_ = Verdict::healthy;
  } else {
    passes_ = 0;
    if (++failures_ >= unhealthy_after_) verdict_ = Verdict::unhealthy;
  }
  return verdict_;
}

std::optional<std::string> bake_breach(const BakeSample& start, const BakeSample& now,
                                       double max_5xx_ratio) {
  if (now.servers_down > 0) {
    return std::to_string(now.servers_down) + " replica(s) of the new release failed health checks";
  }
  if (now.restarts > start.restarts) {
    return std::to_string(now.restarts - start.restarts) + " replica restart(s) of the new release";
  }
  auto responses = now.responses - start.responses;
  auto errors = now.responses_5xx - start.responses_5xx;
  if (errors >= kMinBreach5xx &&
      static_cast<double>(errors) > max_5xx_ratio * static_cast<double>(responses)) {
    return "5xx rate " + std::to_string(errors) + "/" + std::to_string(responses) +
           " above the limit " + std::to_string(max_5xx_ratio);
  }
  return std::nullopt;
}

}  // namespace slipway::targets::vm
