#include "aws/ecs.hpp"

#include <boost/json.hpp>

#include "aws/json_fields.hpp"

namespace slipway::aws {
namespace {

bool bool_or_false(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_bool() && value->as_bool();
}

TagMap tags_from(const boost::json::array& tags) {
  TagMap out;
  for (const auto& item : tags) {
    if (!item.is_object()) continue;
    out[string_or_empty(item.as_object(), "key")] = string_or_empty(item.as_object(), "value");
  }
  return out;
}

boost::json::array tags_to_json(const TagMap& tags) {
  boost::json::array out;
  for (const auto& [key, value] : tags)
    out.push_back(boost::json::object{{"key", key}, {"value", value}});
  return out;
}

// Every page's `field` (a list of ARNs) of a paginated List* operation.
std::vector<std::string> all_pages_of(Session& session, std::string_view operation,
                                      const boost::json::object& input, std::string_view field) {
  std::vector<std::string> out;
  session.call_json_pages(kEcs, operation, input, "nextToken",
                          [&](const boost::json::object& response) {
                            auto page = string_list(response, field);
                            out.insert(out.end(), page.begin(), page.end());
                            return true;
                          });
  return out;
}

}  // namespace

EcsService parse_service(const boost::json::object& service) {
  EcsService out;
  out.arn = string_or_empty(service, "serviceArn");
  out.name = string_or_empty(service, "serviceName");
  out.cluster_arn = string_or_empty(service, "clusterArn");
  out.status = string_or_empty(service, "status");
  out.task_definition = string_or_empty(service, "taskDefinition");
  out.desired_count = int_or_zero(service, "desiredCount");
  out.running_count = int_or_zero(service, "runningCount");
  out.pending_count = int_or_zero(service, "pendingCount");
  out.health_check_grace_period_seconds = int_or_zero(service, "healthCheckGracePeriodSeconds");
  for (const auto& item : array_or_empty(service, "deployments")) {
    if (!item.is_object()) continue;
    const auto& deployment = item.as_object();
    out.deployments.push_back(
        {.id = string_or_empty(deployment, "id"),
         .status = string_or_empty(deployment, "status"),
         .rollout_state = string_or_empty(deployment, "rolloutState"),
         .rollout_state_reason = string_or_empty(deployment, "rolloutStateReason"),
         .task_definition = string_or_empty(deployment, "taskDefinition"),
         .desired_count = int_or_zero(deployment, "desiredCount"),
         .running_count = int_or_zero(deployment, "runningCount"),
         .pending_count = int_or_zero(deployment, "pendingCount"),
         .failed_tasks = int_or_zero(deployment, "failedTasks"),
         .created_at = number_or_zero(deployment, "createdAt")});
  }
  for (const auto& item : array_or_empty(service, "events")) {
    if (!item.is_object()) continue;
    const auto& event = item.as_object();
    out.events.push_back({.id = string_or_empty(event, "id"),
                          .created_at = number_or_zero(event, "createdAt"),
                          .message = string_or_empty(event, "message")});
  }
  const auto& configuration = object_or_empty(service, "deploymentConfiguration");
  const auto& alarms = object_or_empty(configuration, "alarms");
  out.alarm_names = string_list(alarms, "alarmNames");
  out.alarms_rollback = bool_or_false(alarms, "rollback") && bool_or_false(alarms, "enable");
  out.deployment_strategy = string_or_empty(configuration, "strategy");
  const auto& breaker = object_or_empty(configuration, "deploymentCircuitBreaker");
  out.circuit_breaker_enable = bool_or_false(breaker, "enable");
  out.circuit_breaker_rollback = bool_or_false(breaker, "rollback");
  for (const auto& item : array_or_empty(service, "loadBalancers")) {
    if (!item.is_object()) continue;
    auto arn = string_or_empty(item.as_object(), "targetGroupArn");
    if (!arn.empty()) out.target_group_arns.push_back(std::move(arn));
    const auto& advanced = object_or_empty(item.as_object(), "advancedConfiguration");
    if (string_or_empty(advanced, "alternateTargetGroupArn").empty()) {
      out.load_balancer_without_alternate = true;
    }
  }
  out.current_service_deployment = string_or_empty(service, "currentServiceDeployment");
  return out;
}

EcsTask parse_task(const boost::json::object& task) {
  EcsTask out{.arn = string_or_empty(task, "taskArn"),
              .task_definition = string_or_empty(task, "taskDefinitionArn"),
              .last_status = string_or_empty(task, "lastStatus"),
              .desired_status = string_or_empty(task, "desiredStatus"),
              .health_status = string_or_empty(task, "healthStatus"),
              .stopped_reason = string_or_empty(task, "stoppedReason"),
              .stop_code = string_or_empty(task, "stopCode"),
              .started_by = string_or_empty(task, "startedBy"),
              .container_reasons = {}};
  for (const auto& item : array_or_empty(task, "containers")) {
    if (!item.is_object()) continue;
    const auto& container = item.as_object();
    auto reason = string_or_empty(container, "reason");
    const auto* exit_code = container.if_contains("exitCode");
    if (reason.empty() && !(exit_code && exit_code->is_number())) continue;
    auto line = string_or_empty(container, "name") + ": " + (reason.empty() ? "exited" : reason);
    if (exit_code && exit_code->is_number()) {
      line += " (exit " + std::to_string(exit_code->to_number<int>()) + ")";
    }
    out.container_reasons.push_back(std::move(line));
  }
  return out;
}

TaskDefinition parse_task_definition(const boost::json::object& response) {
  const auto& definition = object_or_empty(response, "taskDefinition");
  TaskDefinition out{.arn = string_or_empty(definition, "taskDefinitionArn"),
                     .family = string_or_empty(definition, "family"),
                     .revision = int_or_zero(definition, "revision"),
                     .status = string_or_empty(definition, "status"),
                     .document = definition,
                     .tags = tags_from(array_or_empty(response, "tags"))};
  return out;
}

TaskDefinition EcsClient::register_task_definition(const boost::json::object& input,
                                                   const TagMap& tags) {
  auto request = input;
  if (!tags.empty()) request["tags"] = tags_to_json(tags);
  auto response = session_.call_json(kEcs, "RegisterTaskDefinition", request).as_object();
  return parse_task_definition(response);
}

TaskDefinition EcsClient::describe_task_definition(const std::string& task_definition,
                                                   bool with_tags) {
  boost::json::object input{{"taskDefinition", task_definition}};
  if (with_tags) input["include"] = boost::json::array{"TAGS"};
  auto result =
      parse_task_definition(session_.call_json(kEcs, "DescribeTaskDefinition", input).as_object());
  return result;
}

std::vector<std::string> EcsClient::list_task_definitions(const std::string& family) {
  boost::json::object input{{"familyPrefix", family}, {"status", "ACTIVE"}, {"sort", "DESC"}};
  return all_pages_of(session_, "ListTaskDefinitions", input, "taskDefinitionArns");
}

void EcsClient::deregister_task_definition(const std::string& arn) {
  session_.call_json(kEcs, "DeregisterTaskDefinition", {{"taskDefinition", arn}});
}

EcsService EcsClient::create_service(const boost::json::object& input) {
  auto response = session_.call_json(kEcs, "CreateService", input).as_object();
  return parse_service(object_or_empty(response, "service"));
}

boost::json::object update_service_request(const UpdateServiceInput& input) {
  boost::json::object request{{"cluster", input.cluster}, {"service", input.service}};
  if (input.task_definition) request["taskDefinition"] = *input.task_definition;
  if (input.desired_count) request["desiredCount"] = *input.desired_count;
  if (input.force_new_deployment) request["forceNewDeployment"] = true;
  if (input.load_balancers) request["loadBalancers"] = *input.load_balancers;
  return request;
}

EcsService EcsClient::update_service(const UpdateServiceInput& input) {
  auto response =
      session_.call_json(kEcs, "UpdateService", update_service_request(input)).as_object();
  return parse_service(object_or_empty(response, "service"));
}

DescribeServicesResult EcsClient::describe_services(const std::string& cluster,
                                                    const std::vector<std::string>& services) {
  boost::json::array names;
  for (const auto& name : services) names.emplace_back(name);
  auto response =
      session_.call_json(kEcs, "DescribeServices", {{"cluster", cluster}, {"services", names}})
          .as_object();
  DescribeServicesResult out;
  for (const auto& item : array_or_empty(response, "services")) {
    if (item.is_object()) out.services.push_back(parse_service(item.as_object()));
  }
  for (const auto& item : array_or_empty(response, "failures")) {
    if (!item.is_object()) continue;
    out.failures.push_back({.arn = string_or_empty(item.as_object(), "arn"),
                            .reason = string_or_empty(item.as_object(), "reason")});
  }
  return out;
}

std::vector<std::string> EcsClient::list_tasks(const std::string& cluster,
                                               const std::string& service,
                                               const std::string& desired_status) {
  boost::json::object input{
      {"cluster", cluster}, {"serviceName", service}, {"desiredStatus", desired_status}};
  return all_pages_of(session_, "ListTasks", input, "taskArns");
}

std::vector<EcsTask> EcsClient::describe_tasks(const std::string& cluster,
                                               const std::vector<std::string>& arns) {
  std::vector<EcsTask> out;
  for (std::size_t start = 0; start < arns.size(); start += 100) {
    boost::json::array batch;
    for (std::size_t i = start; i < arns.size() && i < start + 100; ++i)
      batch.emplace_back(arns[i]);
    auto response =
        session_.call_json(kEcs, "DescribeTasks", {{"cluster", cluster}, {"tasks", batch}})
            .as_object();
    for (const auto& item : array_or_empty(response, "tasks")) {
      if (item.is_object()) out.push_back(parse_task(item.as_object()));
    }
  }
  return out;
}

void EcsClient::tag_resource(const std::string& arn, const TagMap& tags) {
  session_.call_json(kEcs, "TagResource", {{"resourceArn", arn}, {"tags", tags_to_json(tags)}});
}

void EcsClient::untag_resource(const std::string& arn, const std::vector<std::string>& keys) {
  boost::json::array names;
  for (const auto& key : keys) names.emplace_back(key);
  session_.call_json(kEcs, "UntagResource", {{"resourceArn", arn}, {"tagKeys", names}});
}

TagMap EcsClient::list_tags_for_resource(const std::string& arn) {
  auto response =
      session_.call_json(kEcs, "ListTagsForResource", {{"resourceArn", arn}}).as_object();
  return tags_from(array_or_empty(response, "tags"));
}

}  // namespace slipway::aws
