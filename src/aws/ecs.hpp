#pragma once
// Amazon ECS (JSON 1.1): task definition revisions, services, their deployments and tasks, and
// tags. Responses are read into small structs by the parse_* functions, which the deployment
// follower's tests feed with recorded responses.

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kEcs{.endpoint_prefix = "ecs",
                                  .signing_name = "ecs",
                                  .env_name = "ECS",
                                  .json_target_prefix = "AmazonEC2ContainerServiceV20141113"};

using TagMap = std::map<std::string, std::string>;

struct TaskDefinition {
  std::string arn;
  std::string family;
  std::int64_t revision = 0;
  std::string status;            // ACTIVE | INACTIVE | DELETE_IN_PROGRESS
  boost::json::object document;  // the taskDefinition object as ECS returned it
  TagMap tags;                   // only when asked for (include TAGS)
};

struct EcsDeployment {
  std::string id;             // ecs-svc/123...
  std::string status;         // PRIMARY | ACTIVE | INACTIVE
  std::string rollout_state;  // IN_PROGRESS | COMPLETED | FAILED
  std::string rollout_state_reason;
  std::string task_definition;  // ARN
  int desired_count = 0;
  int running_count = 0;
  int pending_count = 0;
  int failed_tasks = 0;
  double created_at = 0;  // epoch seconds
  bool operator==(const EcsDeployment&) const = default;
};

struct ServiceEvent {
  std::string id;
  double created_at = 0;
  std::string message;
};

struct EcsService {
  std::string arn;
  std::string name;
  std::string cluster_arn;
  std::string status;  // ACTIVE | DRAINING | INACTIVE
  std::string task_definition;
  int desired_count = 0;
  int running_count = 0;
  int pending_count = 0;
  int health_check_grace_period_seconds = 0;  // ELB/container checks ignored after task start
  std::vector<EcsDeployment> deployments;
  std::vector<ServiceEvent> events;      // newest first, as ECS returns them
  std::vector<std::string> alarm_names;  // deploymentConfiguration.alarms.alarmNames
  bool alarms_rollback = false;
  std::string deployment_strategy;  // deploymentConfiguration.strategy; empty: ROLLING
  bool circuit_breaker_enable = false;
  bool circuit_breaker_rollback = false;
  std::vector<std::string> target_group_arns;  // loadBalancers[].targetGroupArn
  // A load balancer without advancedConfiguration.alternateTargetGroupArn: ECS has no second
  // target group to shift traffic to under BLUE_GREEN, LINEAR or CANARY.
  bool load_balancer_without_alternate = false;
  // The service deployment ECS runs now (ServiceDeployment API); empty where ECS (or moto)
  // does not say.
  std::string current_service_deployment;
};

struct EcsTask {
  std::string arn;
  std::string task_definition;
  std::string last_status;  // PROVISIONING ... RUNNING ... STOPPED
  std::string desired_status;
  std::string health_status;  // HEALTHY | UNHEALTHY | UNKNOWN
  std::string stopped_reason;
  std::string stop_code;
  std::string started_by;                      // the deployment id for service tasks
  std::vector<std::string> container_reasons;  // "name: reason (exit N)"
};

struct EcsFailure {
  std::string arn;
  std::string reason;  // MISSING, ...
};

struct DescribeServicesResult {
  std::vector<EcsService> services;
  std::vector<EcsFailure> failures;
};

struct UpdateServiceInput {
  std::string cluster;
  std::string service;
  std::optional<std::string> task_definition;
  std::optional<int> desired_count;
  bool force_new_deployment = false;
  // loadBalancers as the service file gives them (with advancedConfiguration for BLUE_GREEN,
  // LINEAR and CANARY); nullopt: the service keeps its own.
  std::optional<boost::json::array> load_balancers;
};

EcsService parse_service(const boost::json::object& service);
// The UpdateService request body for `input`.
boost::json::object update_service_request(const UpdateServiceInput& input);
EcsTask parse_task(const boost::json::object& task);
TaskDefinition parse_task_definition(const boost::json::object& response);

class EcsClient {
 public:
  explicit EcsClient(Session& session) : session_(session) {}

  // RegisterTaskDefinition with `input` (the rendered taskdef.json) and `tags`; returns the new
  // revision. Throws ServiceError (ClientException for an invalid document).
  TaskDefinition register_task_definition(const boost::json::object& input, const TagMap& tags);

  // DescribeTaskDefinition (family, family:revision or ARN), with its tags when `with_tags`.
  TaskDefinition describe_task_definition(const std::string& task_definition, bool with_tags);

  // ListTaskDefinitions of a family (ACTIVE ones), all pages, newest first.
  std::vector<std::string> list_task_definitions(const std::string& family);

  // DeregisterTaskDefinition (the revision becomes INACTIVE; running tasks keep it).
  void deregister_task_definition(const std::string& arn);

  // CreateService with `input` (the rendered service.json plus what the caller adds).
  EcsService create_service(const boost::json::object& input);

  // UpdateService; returns the service as ECS answers (deployments include the new one).
  EcsService update_service(const UpdateServiceInput& input);

  // DescribeServices of 1-10 services; unknown ones come back in `failures`.
  DescribeServicesResult describe_services(const std::string& cluster,
                                           const std::vector<std::string>& services);

  // ListTasks of a service with a desired status (RUNNING or STOPPED), all pages.
  std::vector<std::string> list_tasks(const std::string& cluster, const std::string& service,
                                      const std::string& desired_status);

  // DescribeTasks of up to 100 task ARNs (more are sent in batches).
  std::vector<EcsTask> describe_tasks(const std::string& cluster,
                                      const std::vector<std::string>& arns);

  // TagResource: adds or overwrites `tags` on `arn`.
  void tag_resource(const std::string& arn, const TagMap& tags);

  // UntagResource: removes the tag keys from `arn`.
  void untag_resource(const std::string& arn, const std::vector<std::string>& keys);

  // ListTagsForResource.
  TagMap list_tags_for_resource(const std::string& arn);

 private:
  Session& session_;
};

}  // namespace slipway::aws
