#include "aws/ecs_service_deployments.hpp"

#include <boost/json.hpp>

#include "aws/ecs.hpp"
#include "aws/json_fields.hpp"

namespace slipway::aws {
namespace {

ServiceRevisionSummary parse_revision(const boost::json::object& revision) {
  return {.arn = string_or_empty(revision, "arn"),
          .requested_task_count = int_or_zero(revision, "requestedTaskCount"),
          .running_task_count = int_or_zero(revision, "runningTaskCount"),
          .pending_task_count = int_or_zero(revision, "pendingTaskCount"),
          .requested_test_traffic_weight = number_or_zero(revision, "requestedTestTrafficWeight"),
          .requested_production_traffic_weight =
              number_or_zero(revision, "requestedProductionTrafficWeight")};
}

}  // namespace

ServiceDeployment parse_service_deployment(const boost::json::object& d) {
  ServiceDeployment out;
  out.arn = string_or_empty(d, "serviceDeploymentArn");
  out.service_arn = string_or_empty(d, "serviceArn");
  out.created_at = number_or_zero(d, "createdAt");
  out.updated_at = number_or_zero(d, "updatedAt");
  out.finished_at = number_or_zero(d, "finishedAt");
  out.stopped_at = number_or_zero(d, "stoppedAt");
  out.status = string_or_empty(d, "status");
  out.status_reason = string_or_empty(d, "statusReason");
  out.lifecycle_stage = string_or_empty(d, "lifecycleStage");
  out.strategy = string_or_empty(object_or_empty(d, "deploymentConfiguration"), "strategy");
  if (out.strategy.empty()) out.strategy = "ROLLING";
  out.target_revision = parse_revision(object_or_empty(d, "targetServiceRevision"));
  for (const auto& item : array_or_empty(d, "sourceServiceRevisions")) {
    if (item.is_object()) out.source_revisions.push_back(parse_revision(item.as_object()));
  }
  for (const auto& item : array_or_empty(d, "lifecycleHookDetails")) {
    if (!item.is_object()) continue;
    const auto& hook = item.as_object();
    out.hooks.push_back({.hook_id = string_or_empty(hook, "hookId"),
                         .target_type = string_or_empty(hook, "targetType"),
                         .target_arn = string_or_empty(hook, "targetArn"),
                         .status = string_or_empty(hook, "status"),
                         .timeout_action = string_or_empty(hook, "timeoutAction")});
  }
  const auto& rollback = object_or_empty(d, "rollback");
  out.rollback_reason = string_or_empty(rollback, "reason");
  out.rollback_revision_arn = string_or_empty(rollback, "serviceRevisionArn");
  const auto& breaker = object_or_empty(d, "deploymentCircuitBreaker");
  out.circuit_breaker_status = string_or_empty(breaker, "status");
  out.circuit_breaker_failures = int_or_zero(breaker, "failureCount");
  out.circuit_breaker_threshold = int_or_zero(breaker, "threshold");
  const auto& alarms = object_or_empty(d, "alarms");
  out.alarms_status = string_or_empty(alarms, "status");
  out.triggered_alarm_names = string_list(alarms, "triggeredAlarmNames");
  return out;
}

ServiceDeploymentBrief parse_service_deployment_brief(const boost::json::object& b) {
  return {.arn = string_or_empty(b, "serviceDeploymentArn"),
          .created_at = number_or_zero(b, "createdAt"),
          .status = string_or_empty(b, "status"),
          .status_reason = string_or_empty(b, "statusReason"),
          .target_revision_arn = string_or_empty(b, "targetServiceRevisionArn")};
}

boost::json::object update_service_request(const UpdateServiceInput& input,
                                           const boost::json::object& deployment_configuration) {
  auto request = update_service_request(input);
  request["deploymentConfiguration"] = deployment_configuration;
  return request;
}

EcsService EcsServiceDeploymentClient::update_service(
    const UpdateServiceInput& input, const boost::json::object& deployment_configuration) {
  auto response =
      session_
          .call_json(kEcs, "UpdateService", update_service_request(input, deployment_configuration))
          .as_object();
  const auto* service = response.if_contains("service");
  return parse_service(service && service->is_object() ? service->as_object()
                                                       : boost::json::object{});
}

std::vector<ServiceDeploymentBrief> EcsServiceDeploymentClient::list(const std::string& cluster,
                                                                     const std::string& service,
                                                                     double created_after) {
  boost::json::object input{{"cluster", cluster}, {"service", service}};
  if (created_after > 0) input["createdAt"] = boost::json::object{{"after", created_after}};
  std::vector<ServiceDeploymentBrief> out;
  session_.call_json_pages(
      kEcs, "ListServiceDeployments", input, "nextToken", [&](const boost::json::object& response) {
        for (const auto& item : array_or_empty(response, "serviceDeployments")) {
          if (item.is_object()) {
            out.push_back(parse_service_deployment_brief(item.as_object()));
          }
        }
        return true;
      });
  return out;
}

ServiceDeployment EcsServiceDeploymentClient::describe(const std::string& arn) {
  auto response = session_
                      .call_json(kEcs, "DescribeServiceDeployments",
                                 {{"serviceDeploymentArns", boost::json::array{arn}}})
                      .as_object();
  for (const auto& item : array_or_empty(response, "serviceDeployments")) {
    if (item.is_object()) return parse_service_deployment(item.as_object());
  }
  return {};
}

void EcsServiceDeploymentClient::stop_with_rollback(const std::string& arn) {
  session_.call_json(kEcs, "StopServiceDeployment",
                     {{"serviceDeploymentArn", arn}, {"stopType", "ROLLBACK"}});
}

}  // namespace slipway::aws
