// Reading the service deployment API's answers, and the UpdateService body that carries a
// strategy. The documents are shaped like the API reference's ServiceDeployment and
// ServiceDeploymentBrief (the recorded sequences of the follower's test are checked against
// botocore's output shapes by tests/integration/ecs_service_deployments_botocore_test.py).
#include "aws/ecs_service_deployments.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "aws/ecs.hpp"

namespace slipway::aws {
namespace {

TEST(EcsServiceDeployments, ReadsStageTrafficHooksAlarmsBreakerAndRollback) {
  auto d = parse_service_deployment(boost::json::parse(R"({
    "serviceDeploymentArn": "arn:aws:ecs:us-east-1:1:service-deployment/c/app/abc",
    "serviceArn": "arn:aws:ecs:us-east-1:1:service/c/app",
    "createdAt": 1764213600.0, "updatedAt": 1764213700.5, "finishedAt": 1764213800,
    "status": "ROLLBACK_IN_PROGRESS", "statusReason": "Lifecycle hook failed.",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5},
    "targetServiceRevision": {"arn": "arn:aws:ecs:us-east-1:1:service-revision/c/app/7",
      "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0,
      "requestedTestTrafficWeight": 100.0, "requestedProductionTrafficWeight": 0.0},
    "sourceServiceRevisions": [{"arn": "arn:aws:ecs:us-east-1:1:service-revision/c/app/6",
      "requestedProductionTrafficWeight": 100.0}],
    "lifecycleHookDetails": [{"hookId": "h1", "targetType": "AWS_LAMBDA",
      "targetArn": "arn:aws:lambda:us-east-1:1:function:smoke", "status": "FAILED",
      "timeoutAction": "ROLLBACK"}],
    "rollback": {"reason": "Lifecycle hook failed.", "startedAt": 1764213700,
      "serviceRevisionArn": "arn:aws:ecs:us-east-1:1:service-revision/c/app/6"},
    "deploymentCircuitBreaker": {"status": "MONITORING", "failureCount": 1, "threshold": 3},
    "alarms": {"status": "TRIGGERED", "alarmNames": ["a", "b"], "triggeredAlarmNames": ["b"]}
  })")
                                        .as_object());
  EXPECT_EQ(d.status, "ROLLBACK_IN_PROGRESS");
  EXPECT_EQ(d.lifecycle_stage, "POST_TEST_TRAFFIC_SHIFT");
  EXPECT_EQ(d.strategy, "BLUE_GREEN");
  EXPECT_DOUBLE_EQ(d.updated_at, 1764213700.5);
  EXPECT_DOUBLE_EQ(d.target_revision.requested_test_traffic_weight, 100.0);
  ASSERT_EQ(d.source_revisions.size(), 1u);
  EXPECT_DOUBLE_EQ(d.source_revisions[0].requested_production_traffic_weight, 100.0);
  ASSERT_EQ(d.hooks.size(), 1u);
  EXPECT_EQ(d.hooks[0].status, "FAILED");
  EXPECT_EQ(d.rollback_revision_arn, "arn:aws:ecs:us-east-1:1:service-revision/c/app/6");
  EXPECT_EQ(d.circuit_breaker_failures, 1);
  EXPECT_EQ(d.circuit_breaker_threshold, 3);
  EXPECT_EQ(d.triggered_alarm_names, std::vector<std::string>{"b"});
}

TEST(EcsServiceDeployments, AbsentStrategyIsRolling) {
  auto d = parse_service_deployment(boost::json::parse(R"({"status": "IN_PROGRESS"})").as_object());
  EXPECT_EQ(d.strategy, "ROLLING");
  EXPECT_TRUE(d.hooks.empty());
  auto b = parse_service_deployment_brief(
      boost::json::parse(R"({"serviceDeploymentArn": "x", "createdAt": 5, "status": "PENDING"})")
          .as_object());
  EXPECT_EQ(b.arn, "x");
  EXPECT_DOUBLE_EQ(b.created_at, 5);
}

TEST(EcsServiceDeployments, UpdateServiceCarriesTheStrategyAndReturnsTheDeploymentArn) {
  UpdateServiceInput input{.cluster = "c",
                           .service = "app",
                           .task_definition = "app:7",
                           .desired_count = std::nullopt,
                           .force_new_deployment = false,
                           .load_balancers = std::nullopt};
  EXPECT_FALSE(update_service_request(input).contains("deploymentConfiguration"));
  auto request = update_service_request(input, {{"strategy", "CANARY"}});
  EXPECT_EQ(boost::json::serialize(request.at("deploymentConfiguration")),
            R"({"strategy":"CANARY"})");
  EXPECT_EQ(request.at("taskDefinition"), "app:7");
  auto service = parse_service(
      boost::json::parse(R"({"serviceName": "app", "currentServiceDeployment": "arn:sd/1"})")
          .as_object());
  EXPECT_EQ(service.current_service_deployment, "arn:sd/1");
}

}  // namespace
}  // namespace slipway::aws
