#pragma once
// One rollout on the vm target: start a release's replicas, admit each into the balancer once it
// is healthy (a crashed or unready one is replaced and counts toward the circuit breaker), take
// the old fleet out within the deployment limits (or keep it warm as backups), bake, and retire
// or restore. It changes replicas and the balancer and saves the state after every change; the
// ledger and the lock are the target's (vm_target.hpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "release/spec.hpp"
#include "release/workload.hpp"
#include "targets/vm/balancer.hpp"
#include "targets/vm/engine.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/secret_source.hpp"
#include "targets/vm/state.hpp"
#include "targets/vm/step_judge.hpp"

namespace slipway::targets::vm {

// Probes a replica's health path once: its status code, or nullopt without an answer.
using ReplicaProbe = std::function<std::optional<int>(const ReplicaState& replica)>;

// Returns the probe of `spec`'s health check over HTTP on loopback.
ReplicaProbe http_probe(const release::ServiceSpec& spec);

// How a rollout ended.
struct RollResult {
  bool ok = true;
  bool timed_out = false;
  std::string reason;  // why it did not succeed
};

// What the rollout starts: a release, its workload and resolved secrets.
struct RolloutRelease {
  const ReleaseRef& ref;
  const release::Workload& workload;
  const ResolvedSecrets& secrets;
  // The image already succeeded as a release: one passing probe admits a replica.
  bool proven = false;
};

class Rollout {
 public:
  Rollout(const release::ServiceSpec& spec, const StatePaths& paths, EventLog& events,
          Engine& engine, Balancer& balancer, ReplicaProbe probe);

  // Brings `release` to `desired` replicas in rotation: all at once when old and new fit under
  // maximumPercent together, else in steps that never go below minimumHealthyPercent. With
  // `keep_old_warm` (and room for it) the old replicas become backups instead of stopping.
  // Returns !ok on the circuit breaker or at `deadline` (timed_out); replicas of the release that
  // failed or were still starting are stopped.
  RollResult roll(VmState& state, const RolloutRelease& release, int desired, bool keep_old_warm,
                  std::chrono::steady_clock::time_point deadline);

  // Watches the replicas of `revision` for spec.vm.bake_time (at most until `deadline`);
  // returns the breach (a server down, a restart, too many 5xx) or nullopt when it held.
  std::optional<std::string> bake(const VmState& state, std::int64_t revision,
                                  std::chrono::steady_clock::time_point deadline);
  // The same watch for `duration` (BLUE_GREEN's bakeTimeInMinutes in local time).
  std::optional<std::string> bake(const VmState& state, std::int64_t revision,
                                  std::chrono::steady_clock::time_point deadline,
                                  std::chrono::milliseconds duration);

  // BLUE_GREEN, LINEAR, CANARY: starts `desired` replicas of `release` beside the fleet that serves
  // and admits each as an active server of weight 0 (in rotation, taking no request until
  // shift_traffic gives the release a share). The counters restart first, so every server's
  // response time is its replica's own. Returns !ok like roll() (failed replicas are stopped).
  RollResult stand_up_unweighted(VmState& state, const RolloutRelease& release, int desired,
                                 std::chrono::steady_clock::time_point deadline);

  // Gives the active servers of `revision` `share_tenths` / 1000 of the requests and the other
  // active servers the rest (traffic_weights), in one balancer command; returns the weights.
  TrafficWeights shift_traffic(VmState& state, std::int64_t revision, int share_tenths);

  // Sets the active servers of `revision` to `new_weight` and the other active servers to
  // `old_weight`, in one balancer command (0 takes no requests; 1 is every server's default), and
  // records the weights in the state and HAProxy's configuration: before the command when
  // `revision`'s share grows, after it when it shrinks.
  void weigh(VmState& state, std::int64_t revision, int new_weight, int old_weight);

  // The counters of `revision`'s active servers and of the other active servers, now.
  StepSample step_sample(const VmState& state, std::int64_t revision);

  // How a watched step went: the breach, if any, and the samples it was judged on.
  struct StepWatch {
    std::optional<std::string> breach;
    StepSample start;
    StepSample last;
    // The tail judge's figures over the step, from the balancer's per-request response log.
    // Without it (`tail_unavailable` says why) the mean response time alone judged latency.
    LatencyFigures fresh_latency;
    LatencyFigures previous_latency;  // the previous release's: this step's, or `baseline`
    bool baseline_from_earlier_step = false;
    std::string tail_unavailable;
  };
  // Watches `revision` against the other active servers for `duration` (at most until
  // `deadline`), sampling the balancer every kStepSampleInterval into step_breach and
  // tail_breach (the responses logged since the step began), and a server of it DOWN or a
  // replica restarting; returns at the first breach. `baseline` stands in for the previous
  // release's tail when it served fewer than limits.min_p99_samples in the step (at 100 %).
  // A response stream that ends (HAProxy reloaded) is reopened, at most 3 times a step; when the
  // log cannot be read, says so in the events (the mean judges alone then).
  StepWatch watch_step(const VmState& state, std::int64_t revision,
                       std::chrono::milliseconds duration, const StepLimits& limits,
                       std::chrono::steady_clock::time_point deadline,
                       const std::optional<LatencyFigures>& baseline = std::nullopt);

  // Drains `replicas` (zero sessions or drain_delay), stops them, takes them out of the
  // balancer and the state.
  void retire(VmState& state, std::vector<ReplicaState> replicas, const std::string& reason);

  // Puts backup replicas back in rotation as active servers.
  void promote(VmState& state, std::vector<ReplicaState> replicas);

  // Whether roll() and bake() wake up and throw core::Cancelled when cancellation is requested
  // (SIGINT, SIGTERM; core/cancellation.hpp). On by default; off while restoring a release.
  void observe_cancellation(bool on) { observe_cancellation_ = on; }

  // Asked every kAbortPollInterval while watch_step() and bake() wait: a reason ends the watch
  // as a breach with that reason (`slipway rollback` during a BLUE_GREEN / LINEAR / CANARY run).
  // Empty: nothing asks.
  using AbortCheck = std::function<std::optional<std::string>()>;
  void set_abort_check(AbortCheck check) { abort_check_ = std::move(check); }

 private:
  struct Pending;
  // Records `count` new replicas of `ref` in the state, then starts them all at once.
  std::vector<ReplicaState> launch(VmState& state, const RolloutRelease& release, int count);
  // Starts `count` replicas and admits each once healthy, replacing failed ones; returns !ok on
  // the circuit breaker or the deadline. `failures` counts across calls of one roll.
  RollResult start_and_admit(VmState& state, const RolloutRelease& release, int count,
                             int& failures, int threshold,
                             std::chrono::steady_clock::time_point deadline);
  // Probes a pending replica once; returns why it failed, if it did, and admits it when healthy.
  std::optional<std::string> check(VmState& state, Pending& pending, bool& admitted);
  void admit(VmState& state, ReplicaState& replica);
  void demote_to_backup(VmState& state, std::vector<ReplicaState> replicas);
  // Sleeps until `until`; throws core::Cancelled (saying it was `doing`) when cancellation is
  // requested and observed.
  void pause_until(std::chrono::steady_clock::time_point until, const std::string& doing) const;
  // pause_until in slices of kAbortPollInterval, asking the abort check after each; returns its
  // reason as soon as it gives one.
  std::optional<std::string> pause_or_abort(std::chrono::steady_clock::time_point until,
                                            const std::string& doing) const;
  // Waits until none of `servers` has a session, at most drain_delay.
  void wait_drained(const std::vector<std::string>& servers);

  const release::ServiceSpec& spec_;
  const StatePaths& paths_;
  EventLog& events_;
  Engine& engine_;
  Balancer& balancer_;
  ReplicaProbe probe_;
  bool observe_cancellation_ = true;
  bool launch_unweighted_ = false;  // stand_up_unweighted: new replicas join with weight 0
  AbortCheck abort_check_;
  // Restart-count reads a bake stopped waiting for (a rollback request came first); joined when
  // the rollout goes.
  std::vector<std::future<int>> abandoned_reads_;
};

// How often a LINEAR / CANARY step samples the balancer: a breach is seen within this of the
// responses that make it (the issue asks for ≤ 1 s; one `show stat` costs ~1 ms).
inline constexpr std::chrono::milliseconds kStepSampleInterval{250};

// How often a watched step or bake asks whether a rollback was requested: one stat() of a file,
// so a command's rollback starts within this (the issue asks for all traffic back ≤ 100 ms).
inline constexpr std::chrono::milliseconds kAbortPollInterval{20};

// The balancer server a replica serves from now: its backup entry while it is a backup.
std::string serving_server(const ReplicaState& replica);

}  // namespace slipway::targets::vm
