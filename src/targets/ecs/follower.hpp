#pragma once
// The deployment follower: pure logic that reads successive snapshots of a service (as
// DescribeServices/DescribeTasks/DescribeTargetHealth/DescribeAlarms return them) and decides
// what happened to ONE deployment, found by its id. It never calls AWS and never sleeps, so
// recorded sequences and a model of ECS's lifecycle test every verdict; the deploy driver feeds
// it live snapshots.
//
// Verdicts come from identity and time, not from position in the list: ECS's reads are
// eventually consistent (a poll right after UpdateService may not list our deployment D yet),
// and ECS's circuit-breaker rollback re-activates the last COMPLETED deployment, which is older
// than D. The decision table (docs/ecs.md, "How a deployment is followed"):
//
//  - a poll that explains nothing (throttled, no deployments listed, D not listed yet while an
//    earlier deployment is PRIMARY, a read older than one already seen) is inconclusive; after
//    `inconclusive_polls` of them in a row the follower gives the verdict that is safe then;
//  - D PRIMARY: phases starting -> rolling -> baking -> succeeded, each with its timeout; D FAILED
//    -> failed, once ECS has had `inconclusive_polls` to show the rollback it is configured for;
//  - another deployment P PRIMARY, and ECS rolls D back: P is named by a "rolling back to"
//    reason or event, or P is older than D (only ECS puts an earlier deployment back), or ECS
//    said D failed -> ECS rolling back; rolled back once P is COMPLETED, failed if P FAILED;
//  - P newer than D without such evidence -> superseded (after `inconclusive_polls` when P runs
//    the revision D replaced, since ECS's word on a rollback may lag).
// Success is only ever reported for D PRIMARY and COMPLETED: never while another deployment is
// PRIMARY and never after ECS said D failed.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch.hpp"
#include "aws/ecs.hpp"
#include "aws/elbv2.hpp"

namespace slipway::targets::ecs {

enum class Verdict {
  in_progress,
  succeeded,
  rolled_back_by_circuit_breaker,  // ECS rolled back: tasks failed to start or stay healthy
  rolled_back_by_alarm,            // ECS rolled back on an alarm, or one fired during our bake
  failed,                          // ECS marked it FAILED and restored nothing
  timed_out,                       // a phase exceeded its timeout, or ECS stayed unreadable
  superseded                       // a newer deployment, not ECS's rollback, became PRIMARY
};

std::string_view to_string(Verdict verdict);

enum class Phase { starting, rolling, baking, ecs_rolling_back, done };

std::string_view to_string(Phase phase);

struct FollowTimeouts {
  std::chrono::milliseconds start{std::chrono::minutes(5)};     // until a task of D runs
  std::chrono::milliseconds rollout{std::chrono::minutes(15)};  // until D (or ECS's rollback)
                                                                // is COMPLETED
  std::chrono::milliseconds bake{std::chrono::minutes(0)};      // alarms watched after that
  // Consecutive polls that explain nothing before the follower stops waiting for ECS to explain.
  int inconclusive_polls = 6;
  // When set, the start timeout is at least what ECS's circuit breaker needs to trip on this
  // service (breaker_start_budget): the user did not choose one.
  bool start_from_service = false;
};

// What the deploy driver knows of the deployment it follows, from UpdateService's answer.
struct FollowedDeployment {
  std::string id;                        // ecs-svc/...
  double created_at = 0;                 // epoch seconds; events before it are history
  std::string task_definition;           // the revision deployed (optional)
  std::string previous_task_definition;  // what the service ran before (optional)
};

// One poll's worth of state.
struct Observation {
  std::chrono::milliseconds elapsed{0};  // since UpdateService returned
  aws::EcsService service;
  std::vector<aws::EcsTask> stopped_tasks;  // recently stopped tasks of the service
  std::vector<aws::TargetHealth> targets;
  std::vector<aws::AlarmState> alarms;
  std::string unavailable;  // set when this poll could not read the service (throttled, network)
};

struct FollowStep {
  Verdict verdict = Verdict::in_progress;
  Phase phase = Phase::starting;
  std::vector<std::string> lines;  // only what changed since the previous observation
  std::string reason;              // set with a final verdict
  // True when ECS did not restore the previous release itself and slipway has to (an alarm in
  // our bake, a timeout while D was still ours to roll back).
  bool slipway_must_roll_back = false;
};

// The failed-task count at which ECS's circuit breaker marks a deployment FAILED with the
// default BOUNDED_PERCENT 50: half the desired count, rounded up, at least 3, at most 200.
int circuit_breaker_threshold(int desired_count);

// How long ECS's circuit breaker may take to trip while no task of a deployment starts: the
// failed starts it needs, in rounds of desiredCount parallel attempts, each about the health
// check grace period plus a failed start (several minutes: ECS backs off between retries).
std::chrono::milliseconds breaker_start_budget(const aws::EcsService& service);

// The start timeout that applies to `service`: timeouts.start, or with start_from_service the
// larger of it and breaker_start_budget when the service's circuit breaker is on.
std::chrono::milliseconds effective_start_timeout(const FollowTimeouts& timeouts,
                                                  const aws::EcsService& service);

class DeploymentFollower {
 public:
  DeploymentFollower(FollowedDeployment followed, FollowTimeouts timeouts);

  // Reads one observation; once a final verdict is returned, later calls repeat it.
  FollowStep observe(const Observation& observation);

 private:
  std::vector<std::string> changes(const Observation& observation);
  FollowStep decide(const Observation& observation);
  void read_evidence(const aws::EcsService& service);
  FollowStep follow_ours(const Observation& observation, const aws::EcsDeployment& ours);
  FollowStep follow_rollback(const Observation& observation, const aws::EcsDeployment& rollback);
  // Why a poll cannot be decided yet: it shows nothing usable (unreadable, empty, stale), or
  // it shows a state ECS has yet to explain (a FAILED deployment without its rollback, a newer
  // deployment of the previous revision). Each has its own count of polls in a row, so noise
  // neither resets nor spends the wait for ECS's word.
  enum class Wait { unexplained, ecs_word };
  // Returns a waiting step while fewer than `inconclusive_polls` polls in a row waited for the
  // same kind of reason; nullopt once the caller must decide without the explanation.
  std::optional<FollowStep> wait_for_evidence(Wait kind, const std::string& why);
  FollowStep finish(Verdict verdict, std::string reason, bool must_roll_back = false);
  std::string breaker_progress(const aws::EcsService& service,
                               const aws::EcsDeployment& ours) const;

  FollowedDeployment followed_;
  FollowTimeouts timeouts_;
  Phase phase_ = Phase::starting;
  std::chrono::milliseconds phase_started_{0};
  bool seen_ours_ = false;
  std::string failure_reason_;          // ECS's own word that D failed
  std::set<std::string> rollback_ids_;  // deployments ECS said it rolls back to
  std::string rollback_id_;             // the rollback being followed
  double newest_event_ = 0;             // newest event seen: a read without it is older
  int unexplained_ = 0;                 // polls in a row that showed nothing usable
  int ecs_word_ = 0;  // readable polls in a row waiting for ECS to explain a state
  bool unexplained_this_poll_ = false;
  bool ecs_word_this_poll_ = false;
  std::string note_;  // why the last inconclusive poll explained nothing (printed on change)
  std::string printed_note_;
  std::set<std::string> seen_events_;
  std::set<std::string> seen_stopped_tasks_;
  std::map<std::string, std::string> deployment_lines_;
  std::map<std::string, std::string> target_states_;
  std::map<std::string, std::string> alarm_states_;
  std::optional<FollowStep> final_;
};

}  // namespace slipway::targets::ecs
