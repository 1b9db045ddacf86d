#include "targets/ecs/traffic_shift_load_balancers.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "release/errors.hpp"

namespace slipway::targets::ecs {

namespace {

constexpr std::string_view kTerraformHint =
    "; Terraform's outputs alternate_target_group_arn, production_listener_rule_arn and "
    "load_balancer_infrastructure_role_arn give them (docs/strategies.md)";

[[noreturn]] void refuse(const std::string& file, const std::string& member,
                         const std::string& why) {
  throw release::SpecError(file + ": " + member + " " + why);
}

// An ARN of one service and resource kind: "arn:PARTITION:SERVICE:...:KIND/..." (ECS's own
// check is the same one, with the resource kind the member documents).
bool is_arn_of(std::string_view value, std::string_view service, std::string_view kind) {
  if (!value.starts_with("arn:")) return false;
  const auto service_at = value.find(':', 4);
  if (service_at == std::string_view::npos) return false;
  const auto service_end = value.find(':', service_at + 1);
  if (service_end == std::string_view::npos ||
      value.substr(service_at + 1, service_end - service_at - 1) != service) {
    return false;
  }
  return value.find(std::string(":") + std::string(kind) + "/") != std::string_view::npos;
}

std::string string_member(const boost::json::object& object, std::string_view name,
                          const std::string& file, const std::string& where) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string() || value->as_string().empty()) {
    refuse(file, where + "." + std::string(name), "must be a non-empty string");
  }
  return std::string(value->as_string());
}

void check_advanced_configuration(const boost::json::object& advanced, const std::string& primary,
                                  const std::string& file, const std::string& where) {
  static constexpr std::array<std::string_view, 4> kMembers{
      "alternateTargetGroupArn", "productionListenerRule", "roleArn", "testListenerRule"};
  for (const auto& [name, value] : advanced) {
    if (std::find(kMembers.begin(), kMembers.end(), std::string_view(name)) == kMembers.end()) {
      refuse(file, where + "." + std::string(name),
             "is not a member of ECS's AdvancedConfiguration (alternateTargetGroupArn, "
             "productionListenerRule, roleArn, testListenerRule)");
    }
  }
  const auto alternate = string_member(advanced, "alternateTargetGroupArn", file, where);
  if (!is_arn_of(alternate, "elasticloadbalancing", "targetgroup")) {
    refuse(file, where + ".alternateTargetGroupArn",
           "must be a target group ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:"
           "targetgroup/NAME/ID)" +
               std::string(kTerraformHint));
  }
  if (alternate == primary) {
    refuse(file, where + ".alternateTargetGroupArn",
           "names the primary target group: ECS shifts traffic between two different ones" +
               std::string(kTerraformHint));
  }
  const auto production = string_member(advanced, "productionListenerRule", file, where);
  // An ALB names a listener rule, an NLB its listener.
  if (!is_arn_of(production, "elasticloadbalancing", "listener-rule") &&
      !is_arn_of(production, "elasticloadbalancing", "listener")) {
    refuse(file, where + ".productionListenerRule",
           "must be a listener rule ARN (or an NLB listener's)" + std::string(kTerraformHint));
  }
  if (!is_arn_of(string_member(advanced, "roleArn", file, where), "iam", "role")) {
    refuse(file, where + ".roleArn",
           "must be an IAM role ARN (the role ECS assumes to rewrite the listener rules)" +
               std::string(kTerraformHint));
  }
  if (advanced.contains("testListenerRule")) {
    const auto test = string_member(advanced, "testListenerRule", file, where);
    if (!is_arn_of(test, "elasticloadbalancing", "listener-rule") &&
        !is_arn_of(test, "elasticloadbalancing", "listener")) {
      refuse(file, where + ".testListenerRule",
             "must be a listener rule ARN (or an NLB listener's)");
    }
  }
}

}  // namespace

std::optional<boost::json::array> read_traffic_shift_load_balancers(
    const boost::json::object& document, const std::string& file) {
  const auto* member = document.if_contains("loadBalancers");
  if (member == nullptr) return std::nullopt;
  if (!member->is_array() || member->as_array().empty()) {
    refuse(file, "loadBalancers", "must be a non-empty array of ECS LoadBalancer objects");
  }
  static constexpr std::array<std::string_view, 5> kMembers{"targetGroupArn", "loadBalancerName",
                                                            "containerName", "containerPort",
                                                            "advancedConfiguration"};
  const auto& list = member->as_array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto where = "loadBalancers[" + std::to_string(i) + "]";
    if (!list[i].is_object()) refuse(file, where, "must be an object");
    const auto& balancer = list[i].as_object();
    for (const auto& [name, value] : balancer) {
      if (std::find(kMembers.begin(), kMembers.end(), std::string_view(name)) == kMembers.end()) {
        refuse(file, where + "." + std::string(name),
               "is not a member of ECS's LoadBalancer (targetGroupArn, loadBalancerName, "
               "containerName, containerPort, advancedConfiguration)");
      }
    }
    std::string primary;
    if (balancer.contains("targetGroupArn")) {
      primary = string_member(balancer, "targetGroupArn", file, where);
      if (!is_arn_of(primary, "elasticloadbalancing", "targetgroup")) {
        refuse(file, where + ".targetGroupArn", "must be a target group ARN");
      }
    } else if (!balancer.contains("loadBalancerName")) {
      refuse(file, where, "names neither targetGroupArn nor loadBalancerName");
    }
    string_member(balancer, "containerName", file, where);
    const auto* port = balancer.if_contains("containerPort");
    if (port == nullptr || !port->is_int64() || port->as_int64() < 1 || port->as_int64() > 65535) {
      refuse(file, where + ".containerPort", "must be a whole number 1-65535");
    }
    const auto* advanced = balancer.if_contains("advancedConfiguration");
    if (advanced == nullptr || !advanced->is_object()) {
      refuse(file, where + ".advancedConfiguration",
             "is required under BLUE_GREEN, LINEAR and CANARY: ECS shifts traffic between the "
             "primary and an alternate target group" +
                 std::string(kTerraformHint));
    }
    check_advanced_configuration(advanced->as_object(), primary, file,
                                 where + ".advancedConfiguration");
  }
  return list;
}

}  // namespace slipway::targets::ecs
