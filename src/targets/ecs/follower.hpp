#pragma once
// The deployment follower: pure logic that reads successive snapshots of a service (as
// DescribeServices/DescribeTasks/DescribeTargetHealth/DescribeAlarms return them) and decides
// what happened to ONE deployment, found by its id. It never calls AWS and never sleeps, so
// recorded sequences test every verdict; the deploy driver feeds it live snapshots.
//
// Verdict rules, in order, for our deployment D:
//  - D is gone and another deployment is PRIMARY              -> superseded
//  - D rolloutState FAILED and another PRIMARY exists         -> rolled back (by an alarm when
//    rolloutStateReason names an alarm, else by the circuit breaker)
//  - D rolloutState FAILED, nothing replaced it               -> failed
//  - D not PRIMARY (another deployment took over), or the service
//    now names another task definition than the one deployed   -> superseded
//  - D COMPLETED with running == desired                      -> bake; during the bake an alarm
//    named in the service's deploymentConfiguration in ALARM  -> slipway must roll back
//  - bake over                                                -> succeeded
//  - a phase (start: first task running; rollout: COMPLETED) over its timeout -> timed out
// Success is never reported while D is not PRIMARY or ECS has marked it FAILED.

#include <chrono>
#include <map>
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
  timed_out,                       // a phase exceeded its timeout
  superseded                       // another deployment became PRIMARY
};

std::string_view to_string(Verdict verdict);

enum class Phase { starting, rolling, baking, done };

std::string_view to_string(Phase phase);

struct FollowTimeouts {
  std::chrono::milliseconds start{std::chrono::minutes(5)};     // until a task of D runs
  std::chrono::milliseconds rollout{std::chrono::minutes(15)};  // until D is COMPLETED
  std::chrono::milliseconds bake{std::chrono::minutes(0)};      // alarms watched after that
};

// One poll's worth of state.
struct Observation {
  std::chrono::milliseconds elapsed{0};  // since UpdateService returned
  aws::EcsService service;
  std::vector<aws::EcsTask> stopped_tasks;  // recently stopped tasks of the service
  std::vector<aws::TargetHealth> targets;
  std::vector<aws::AlarmState> alarms;
};

struct FollowStep {
  Verdict verdict = Verdict::in_progress;
  Phase phase = Phase::starting;
  std::vector<std::string> lines;  // only what changed since the previous observation
  std::string reason;              // set with a final verdict
  // True when ECS did not restore the previous release itself and slipway has to (an alarm in
  // our bake, a timeout).
  bool slipway_must_roll_back = false;
};

class DeploymentFollower {
 public:
  // Follows deployment `deployment_id`; events older than `started_at` (epoch seconds) are
  // history and not printed.
  // `task_definition_arn` (optional) is the revision being deployed: when the service's
  // taskDefinition turns into another one while D is still PRIMARY (moto retargets the service
  // without a new deployment), that is a newer deploy too.
  DeploymentFollower(std::string deployment_id, double started_at, FollowTimeouts timeouts,
                     std::string task_definition_arn = {});

  // Reads one observation; once a final verdict is returned, later calls repeat it.
  FollowStep observe(const Observation& observation);

 private:
  std::vector<std::string> changes(const Observation& observation);
  FollowStep decide(const Observation& observation);

  std::string deployment_id_;
  std::string task_definition_arn_;
  double started_at_;
  FollowTimeouts timeouts_;
  Phase phase_ = Phase::starting;
  std::chrono::milliseconds phase_started_{0};
  std::set<std::string> seen_events_;
  std::set<std::string> seen_stopped_tasks_;
  std::map<std::string, std::string> deployment_lines_;
  std::map<std::string, std::string> target_states_;
  std::map<std::string, std::string> alarm_states_;
  std::optional<FollowStep> final_;
};

}  // namespace slipway::targets::ecs
