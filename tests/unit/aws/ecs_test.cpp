// ECS response parsing on documents shaped like ECS's own (field names, nesting, epoch seconds).
#include "aws/ecs.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace slipway::aws {
namespace {

constexpr const char* kService = R"({
  "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/app",
  "serviceName": "app", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
  "status": "ACTIVE", "desiredCount": 2, "runningCount": 3, "pendingCount": 1,
  "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8",
  "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/abc",
                     "containerName": "app", "containerPort": 8080}],
  "deploymentConfiguration": {
    "deploymentCircuitBreaker": {"enable": true, "rollback": true},
    "maximumPercent": 200, "minimumHealthyPercent": 100,
    "alarms": {"alarmNames": ["app-5xx", "app-latency"], "enable": true, "rollback": true}},
  "deployments": [
    {"id": "ecs-svc/1111111111111111111", "status": "PRIMARY",
     "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8",
     "desiredCount": 2, "pendingCount": 1, "runningCount": 1, "failedTasks": 2,
     "createdAt": 1764213600.123, "rolloutState": "IN_PROGRESS",
     "rolloutStateReason": "ECS deployment ecs-svc/1111111111111111111 in progress."},
    {"id": "ecs-svc/2222222222222222222", "status": "ACTIVE",
     "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7",
     "desiredCount": 2, "pendingCount": 0, "runningCount": 2, "failedTasks": 0,
     "createdAt": 1764210000.5, "rolloutState": "COMPLETED"}],
  "events": [{"id": "e2", "createdAt": 1764213610.0, "message": "(service app) has started 1 tasks: (task abc)."},
             {"id": "e1", "createdAt": 1764213500.0, "message": "(service app) has reached a steady state."}]
})";

TEST(EcsParse, ServiceKeepsDeploymentsEventsAlarmsAndTargetGroups) {
  const auto service = parse_service(boost::json::parse(kService).as_object());
  EXPECT_EQ(service.name, "app");
  EXPECT_EQ(service.running_count, 3);
  ASSERT_EQ(service.deployments.size(), 2u);
  EXPECT_EQ(service.deployments[0].id, "ecs-svc/1111111111111111111");
  EXPECT_EQ(service.deployments[0].status, "PRIMARY");
  EXPECT_EQ(service.deployments[0].rollout_state, "IN_PROGRESS");
  EXPECT_EQ(service.deployments[0].failed_tasks, 2);
  EXPECT_EQ(service.deployments[0].pending_count, 1);
  EXPECT_DOUBLE_EQ(service.deployments[0].created_at, 1764213600.123);
  EXPECT_EQ(service.deployments[1].task_definition,
            "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7");
  ASSERT_EQ(service.events.size(), 2u);
  EXPECT_EQ(service.events[0].id, "e2");
  EXPECT_EQ(service.alarm_names, (std::vector<std::string>{"app-5xx", "app-latency"}));
  EXPECT_TRUE(service.alarms_rollback);
  EXPECT_TRUE(service.circuit_breaker_enable);
  EXPECT_TRUE(service.circuit_breaker_rollback);
  ASSERT_EQ(service.target_group_arns.size(), 1u);
}

TEST(EcsParse, MissingOptionalMembersReadAsEmpty) {
  const auto service = parse_service(boost::json::parse(R"({"serviceName":"x"})").as_object());
  EXPECT_TRUE(service.deployments.empty());
  EXPECT_TRUE(service.alarm_names.empty());
  EXPECT_FALSE(service.circuit_breaker_enable);
}

TEST(EcsParse, StoppedTaskGivesItsReasonsAndContainerExitCodes) {
  const auto task = parse_task(boost::json::parse(R"({
    "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/prod/0123", "lastStatus": "STOPPED",
    "desiredStatus": "STOPPED", "healthStatus": "UNHEALTHY", "stopCode": "TaskFailedToStart",
    "stoppedReason": "ResourceInitializationError: unable to pull secrets or registry auth",
    "startedBy": "ecs-svc/1111111111111111111",
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8",
    "containers": [{"name": "app", "exitCode": 137, "reason": "OutOfMemoryError: Container killed due to memory usage"},
                   {"name": "sidecar"}]})")
                                   .as_object());
  EXPECT_EQ(task.last_status, "STOPPED");
  EXPECT_EQ(task.started_by, "ecs-svc/1111111111111111111");
  EXPECT_EQ(task.stop_code, "TaskFailedToStart");
  ASSERT_EQ(task.container_reasons.size(), 1u);
  EXPECT_EQ(task.container_reasons[0],
            "app: OutOfMemoryError: Container killed due to memory usage (exit 137)");
}

TEST(EcsParse, TaskDefinitionWithTags) {
  const auto definition = parse_task_definition(boost::json::parse(R"({
    "taskDefinition": {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8",
                       "family": "app", "revision": 8, "status": "ACTIVE", "containerDefinitions": []},
    "tags": [{"key": "slipway:commit", "value": "abc"}, {"key": "slipway:outcome", "value": "succeeded"}]})")
                                                    .as_object());
  EXPECT_EQ(definition.family, "app");
  EXPECT_EQ(definition.revision, 8);
  EXPECT_EQ(definition.tags.at("slipway:commit"), "abc");
  EXPECT_EQ(definition.tags.at("slipway:outcome"), "succeeded");
  EXPECT_TRUE(definition.document.contains("containerDefinitions"));
}

}  // namespace
}  // namespace slipway::aws
