#pragma once
// Amazon ECS's service deployment API (ListServiceDeployments, DescribeServiceDeployments,
// StopServiceDeployment): one deployment of a service as ECS runs it under any strategy —
// its status, lifecycle stage, the traffic each service revision is asked to take, its hooks,
// alarms and circuit breaker. Responses are read into small structs by the parse_* functions,
// which the service deployment follower's tests feed with recorded responses.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "aws/ecs.hpp"
#include "aws/session.hpp"

namespace slipway::aws {

struct ServiceRevisionSummary {
  std::string arn;  // arn:aws:ecs:REGION:ACCOUNT:service-revision/CLUSTER/SERVICE/N
  int requested_task_count = 0;
  int running_task_count = 0;
  int pending_task_count = 0;
  double requested_test_traffic_weight = 0;        // percent, 0.0-100.0
  double requested_production_traffic_weight = 0;  // percent, 0.0-100.0
  bool operator==(const ServiceRevisionSummary&) const = default;
};

struct LifecycleHookDetail {
  std::string hook_id;
  std::string target_type;  // AWS_LAMBDA | PAUSE
  std::string target_arn;
  std::string status;          // AWAITING_ACTION | IN_PROGRESS | SUCCEEDED | FAILED | TIMED_OUT
  std::string timeout_action;  // ROLLBACK | CONTINUE
  bool operator==(const LifecycleHookDetail&) const = default;
};

struct ServiceDeployment {
  std::string arn;  // arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID
  std::string service_arn;
  double created_at = 0;  // epoch seconds
  double updated_at = 0;
  double finished_at = 0;
  double stopped_at = 0;
  // PENDING | IN_PROGRESS | SUCCESSFUL | STOP_REQUESTED | STOPPED | ROLLBACK_REQUESTED |
  // ROLLBACK_IN_PROGRESS | ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED
  std::string status;
  std::string status_reason;
  // RECONCILE_SERVICE | PRE_SCALE_UP | SCALE_UP | POST_SCALE_UP | TEST_TRAFFIC_SHIFT |
  // POST_TEST_TRAFFIC_SHIFT | PRODUCTION_TRAFFIC_SHIFT | POST_PRODUCTION_TRAFFIC_SHIFT |
  // BAKE_TIME | CLEAN_UP
  std::string lifecycle_stage;
  std::string strategy;  // deploymentConfiguration.strategy (ROLLING when absent)
  ServiceRevisionSummary target_revision;
  std::vector<ServiceRevisionSummary> source_revisions;
  std::vector<LifecycleHookDetail> hooks;
  std::string rollback_reason;  // rollback.reason
  std::string rollback_revision_arn;
  std::string circuit_breaker_status;  // TRIGGERED | MONITORING | MONITORING_COMPLETE | DISABLED
  int circuit_breaker_failures = 0;
  int circuit_breaker_threshold = 0;
  std::string alarms_status;  // TRIGGERED | MONITORING | MONITORING_COMPLETE | DISABLED
  std::vector<std::string> triggered_alarm_names;
};

struct ServiceDeploymentBrief {
  std::string arn;
  double created_at = 0;
  std::string status;
  std::string status_reason;
  std::string target_revision_arn;
};

// The UpdateService request body for `input` with `deployment_configuration`.
boost::json::object update_service_request(const UpdateServiceInput& input,
                                           const boost::json::object& deployment_configuration);

// One element of DescribeServiceDeployments' serviceDeployments.
ServiceDeployment parse_service_deployment(const boost::json::object& deployment);
// One element of ListServiceDeployments' serviceDeployments.
ServiceDeploymentBrief parse_service_deployment_brief(const boost::json::object& brief);

class EcsServiceDeploymentClient {
 public:
  explicit EcsServiceDeploymentClient(Session& session) : session_(session) {}

  // UpdateService carrying `deployment_configuration` (the service file's: strategy, bakes,
  // hooks, alarms, limits); returns the service as ECS answers, whose
  // current_service_deployment is the deployment to follow.
  EcsService update_service(const UpdateServiceInput& input,
                            const boost::json::object& deployment_configuration);

  // ListServiceDeployments of a service created at or after `created_after` (epoch seconds; 0:
  // all), every page, as ECS orders them (newest first).
  std::vector<ServiceDeploymentBrief> list(const std::string& cluster, const std::string& service,
                                           double created_after);

  // DescribeServiceDeployments of one deployment; an empty arn in the result when ECS lists it
  // under failures (e.g. MISSING: not visible yet).
  ServiceDeployment describe(const std::string& arn);

  // StopServiceDeployment with stopType ROLLBACK: ECS returns the service to the revision it
  // ran before (a traffic switch while blue still runs).
  void stop_with_rollback(const std::string& arn);

 private:
  Session& session_;
};

}  // namespace slipway::aws
