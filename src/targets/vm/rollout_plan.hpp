#pragma once
// The rollout's decisions as pure functions: how many replicas may start or stop next, when the
// circuit breaker trips, when a replica counts as healthy, and whether a bake has breached.
// Kept apart from I/O so every rule is table-tested.

#include <cstdint>
#include <optional>
#include <string>

namespace slipway::targets::vm {

// Replica counts derived from ECS percentages: the minimum healthy count rounds up and the
// maximum running count rounds down, as ECS does.
struct FleetLimits {
  int desired = 0;
  int min_healthy = 0;  // in-service replicas never go below this
  int max_running = 0;  // replicas of both releases together never exceed this
};

// Returns the limits for `desired` replicas under ECS deploymentConfiguration percentages.
FleetLimits fleet_limits(int desired, int minimum_healthy_percent, int maximum_percent);

// Where a rollout stands: old replicas still in service, new replicas healthy and in service.
struct FleetState {
  int old_in_service = 0;
  int new_in_service = 0;
};

// The next action: drain and stop `stop_old` old replicas, then start `start_new` new ones.
struct RolloutStep {
  int stop_old = 0;
  int start_new = 0;
  bool done() const { return stop_old == 0 && start_new == 0; }
  bool operator==(const RolloutStep&) const = default;
};

// Returns the next step toward `desired` new replicas and no old ones, within the limits. A
// step with nothing to do while old replicas remain or new ones are missing means the limits
// allow no progress (e.g. 1 replica with max 150%/min 100%): the caller reports that as bad input.
RolloutStep next_rollout_step(const FleetState& state, const FleetLimits& limits);

// Returns true when the whole new fleet can start before any old replica stops: then the old
// replicas stay warm as HAProxy backups during the bake, and a breach switches back at once.
bool can_keep_old_warm(int old_count, const FleetLimits& limits);

// ECS's circuit-breaker threshold: half the desired count, at least 3 and at most 200 failed
// replicas.
int circuit_breaker_threshold(int desired);

// Consecutive-probe tracking for one replica, as an HTTP health check counts: `healthy_after`
// passes in a row make it healthy, `unhealthy_after` failures in a row make it unhealthy.
class HealthTracker {
 public:
  enum class Verdict { unknown, healthy, unhealthy };
  HealthTracker(int healthy_after, int unhealthy_after);
  // Records one probe and returns the verdict after it.
  Verdict record(bool passed);
  Verdict verdict() const { return verdict_; }

 private:
  int healthy_after_;
  int unhealthy_after_;
  int passes_ = 0;
  int failures_ = 0;
  Verdict verdict_ = Verdict::unknown;
};

// What the bake watches, summed over the new release's servers.
struct BakeSample {
  std::int64_t responses = 0;      // all HTTP responses so far
  std::int64_t responses_5xx = 0;  // 5xx responses so far
  int servers_down = 0;            // new servers HAProxy reports DOWN
  int restarts = 0;                // crashes of new replicas (total restarts)
};

// Fewer 5xx than this in the window never count as a breach: one unlucky request must not roll
// back a release.
inline constexpr std::int64_t kMinBreach5xx = 3;

// Returns why the bake has breached between `start` and `now` — a server down, a replica
// restarted, or a 5xx share above `max_5xx_ratio` — or nullopt while it holds.
std::optional<std::string> bake_breach(const BakeSample& start, const BakeSample& now,
                                       double max_5xx_ratio);

}  // namespace slipway::targets::vm
