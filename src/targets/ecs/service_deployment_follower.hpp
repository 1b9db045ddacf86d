#pragma once
// The service deployment follower: pure logic over successive reads of ONE ECS service
// deployment (DescribeServiceDeployments), the service's deployments since UpdateService
// (ListServiceDeployments) and its alarms (DescribeAlarms), deciding what happened to it under
// any strategy — ROLLING, BLUE_GREEN, LINEAR, CANARY. It never calls AWS and never sleeps:
// recorded sequences shaped like the API reference test every verdict, and the deploy driver
// feeds it live reads.
//
// Decision table (docs/ecs.md, "Progressive strategies on ECS"):
//  - a read that shows nothing usable (throttled, not described yet, older than one already
//    seen) is inconclusive; after `inconclusive_polls` in a row: timed out;
//  - a newer service deployment listed: superseded;
//  - PENDING / IN_PROGRESS: following, each stage, traffic shift, hook and breaker change printed;
//    a service alarm in ALARM that ECS is not watching (its alarms status DISABLED or absent),
//    or the rollout timeout, makes slipway ask ECS to roll back (StopServiceDeployment
//    ROLLBACK) — while blue still runs that is a traffic switch — and follow that rollback;
//  - ROLLBACK_REQUESTED / ROLLBACK_IN_PROGRESS: ECS rolling back, for the cause its own read
//    shows (alarms TRIGGERED, circuit breaker TRIGGERED, a lifecycle hook FAILED or TIMED_OUT)
//    or the one slipway asked for; ROLLBACK_SUCCESSFUL: rolled back; ROLLBACK_FAILED: failed;
//  - STOPPED (no rollback configured, or stopped by someone): failed;
//  - SUCCESSFUL: slipway's own bake (`bake`) watching the alarms; an alarm then: rolled back by
//    pointing the service back (ECS's deployment is over), else succeeded.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/cloudwatch.hpp"
#include "aws/ecs_service_deployments.hpp"

namespace slipway::targets::ecs {

enum class ServiceDeploymentVerdict {
  in_progress,
  succeeded,
  rolled_back,  // the previous revision serves again (cause says why)
  failed,       // ECS stopped it without restoring, or its rollback failed
  timed_out,
  superseded
};

enum class RollbackCause {
  none,
  circuit_breaker,  // ECS's breaker: tasks failed to start or stay healthy
  alarm,            // a CloudWatch alarm ECS watches went to ALARM
  lifecycle_hook,   // a lifecycle hook answered FAILED or TIMED_OUT (timeout action ROLLBACK)
  slipway_alarm,    // an alarm slipway watched went to ALARM; slipway asked for the rollback
  slipway_timeout,  // the rollout timeout ended; slipway asked for the rollback
  unknown           // ECS rolled back and its read names no cause
};

std::string_view to_string(ServiceDeploymentVerdict verdict);

// "production traffic: revision 7 (new) 10.0%, revision 6 90.0%" (and the test traffic on the
// new revision when there is some): the split a service deployment asks for now.
std::string traffic_split(const aws::ServiceDeployment& deployment);

// Whether a follower line tells the stage ("stage PRODUCTION_TRAFFIC_SHIFT (CANARY)") or the
// traffic split: the lines `--output json` reports as one structured `stage` event.
bool is_stage_line(std::string_view line);
std::string_view to_string(RollbackCause cause);

struct ServiceDeploymentTimeouts {
  // Until the deployment is SUCCESSFUL, bakes and traffic steps included (the driver adds the
  // strategy's planned minutes to the user's rollout timeout).
  std::chrono::milliseconds rollout{std::chrono::minutes(30)};
  std::chrono::milliseconds bake{0};  // slipway's alarm watch after SUCCESSFUL
  int inconclusive_polls = 6;
};

struct ServiceDeploymentPoll {
  std::chrono::milliseconds elapsed{0};             // since UpdateService returned
  std::optional<aws::ServiceDeployment> ours;       // DescribeServiceDeployments; nullopt: not yet
  std::vector<aws::ServiceDeploymentBrief> listed;  // ListServiceDeployments since UpdateService
  std::vector<aws::AlarmState> alarms;              // the service's alarms
  std::string unavailable;  // set when this poll could not read ECS (throttled, network)
};

struct ServiceDeploymentStep {
  ServiceDeploymentVerdict verdict = ServiceDeploymentVerdict::in_progress;
  RollbackCause cause = RollbackCause::none;
  std::string stage;                  // ECS's lifecycleStage, as last read
  double new_production_percent = 0;  // the target revision's production traffic weight
  std::vector<std::string> lines;     // only what changed since the previous poll
  std::string reason;                 // set with a final verdict
  bool stop_with_rollback = false;    // driver: StopServiceDeployment ROLLBACK now
  bool point_service_back = false;    // driver: UpdateService to the previous revision
};

class ServiceDeploymentFollower {
 public:
  // `arn`: the service deployment UpdateService started (the service's currentServiceDeployment),
  // or empty to take the first one listed created at or after `updated_at` (epoch seconds).
  ServiceDeploymentFollower(std::string arn, double updated_at, ServiceDeploymentTimeouts timeouts);

  // Reads one poll; once a final verdict is returned, later calls repeat it.
  ServiceDeploymentStep observe(const ServiceDeploymentPoll& poll);

  // The followed deployment's ARN once known (DescribeServiceDeployments needs it).
  const std::string& arn() const { return arn_; }

 private:
  ServiceDeploymentStep decide(const ServiceDeploymentPoll& poll, const aws::ServiceDeployment& d);
  void print_changes(const aws::ServiceDeployment& d, ServiceDeploymentStep& step);
  RollbackCause cause_from(const aws::ServiceDeployment& d, std::string& detail) const;
  ServiceDeploymentStep finish(ServiceDeploymentStep step, ServiceDeploymentVerdict verdict,
                               std::string reason);
  std::optional<ServiceDeploymentStep> inconclusive(const std::string& why);

  std::string arn_;
  double updated_at_ = 0;
  ServiceDeploymentTimeouts timeouts_;
  int inconclusive_ = 0;
  double newest_update_ = 0;  // updatedAt of the newest read: an older one is stale
  bool requested_rollback_ = false;
  RollbackCause requested_cause_ = RollbackCause::none;
  std::string requested_detail_;
  std::chrono::milliseconds requested_at_{0};
  std::optional<std::chrono::milliseconds> successful_at_;
  std::string stage_;
  std::string status_;
  std::string traffic_;
  std::string breaker_;
  std::string alarms_;
  std::map<std::string, std::string> hook_states_;  // hook id -> status
  std::string failed_hook_;  // "TARGET FAILED at STAGE", the first hook that failed
  std::optional<ServiceDeploymentStep> final_;
};

}  // namespace slipway::targets::ecs
