#pragma once
// deploy/service.json's deploymentConfiguration beyond the rolling limits: the strategy ECS runs
// (ROLLING, BLUE_GREEN, LINEAR, CANARY), its bake times and traffic steps, lifecycle hooks and
// alarms — with ECS's field names, defaults and valid ranges (the ECS API reference's
// DeploymentConfiguration, LinearConfiguration, CanaryConfiguration, DeploymentLifecycleHook and
// DeploymentAlarms), so the file a team runs on the vm target is the one it later hands to ECS.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slipway::release {

enum class DeploymentStrategyKind { rolling, blue_green, linear, canary };

// ECS's DeploymentLifecycleHookStage, in the order a deployment passes them.
enum class LifecycleStage {
  reconcile_service,
  pre_scale_up,
  post_scale_up,
  test_traffic_shift,
  post_test_traffic_shift,
  pre_production_traffic_shift,
  production_traffic_shift,
  post_production_traffic_shift,
};

struct LifecycleHook {
  std::string target_type = "AWS_LAMBDA";  // AWS_LAMBDA (ECS's default) or PAUSE
  std::string hook_target_arn;             // a Lambda function ARN (required for AWS_LAMBDA)
  std::string role_arn;                    // the role ECS invokes it with (unused on the vm)
  std::vector<LifecycleStage> stages;      // at least one
  std::string hook_details;  // compact JSON handed to the hook as given; empty when absent
  std::optional<int> timeout_minutes;  // timeoutConfiguration.timeoutInMinutes, 1-20160
  std::string timeout_action;          // timeoutConfiguration.action: ROLLBACK or CONTINUE
  bool operator==(const LifecycleHook&) const = default;

  // The Lambda function's name from hook_target_arn ("arn:aws:lambda:R:A:function:NAME[:QUAL]"
  // gives NAME), or hook_target_arn itself when it is not such an ARN.
  std::string function_name() const;
};

struct DeploymentAlarms {
  bool configured = false;  // the alarms member was present
  std::vector<std::string> alarm_names;
  bool enable = false;
  bool rollback = false;
  bool operator==(const DeploymentAlarms&) const = default;
};

struct DeploymentStrategy {
  DeploymentStrategyKind kind = DeploymentStrategyKind::rolling;  // ECS's default
  // bakeTimeInMinutes: blue and green both run this long after the production shift. Required
  // for BLUE_GREEN; 0 when absent under the other strategies.
  int bake_time_minutes = 0;
  // Percentages are kept in tenths (ECS accepts multiples of 0.1): 100 = 10.0 %.
  int linear_step_tenths = 100;      // linearConfiguration.stepPercent, default 10.0
  int linear_step_bake_minutes = 6;  // linearConfiguration.stepBakeTimeInMinutes, default 6
  int canary_tenths = 50;            // canaryConfiguration.canaryPercent, default 5.0
  int canary_bake_minutes = 10;      // canaryConfiguration.canaryBakeTimeInMinutes, default 10
  std::vector<LifecycleHook> lifecycle_hooks;
  DeploymentAlarms alarms;
  bool operator==(const DeploymentStrategy&) const = default;

  // Hooks that run at `stage`, in the order the file lists them.
  std::vector<const LifecycleHook*> hooks_at(LifecycleStage stage) const;
};

// The enum values and member names exactly as ECS spells them (tests compare them with the
// ECS service model).
const std::vector<std::string_view>& deployment_strategy_names();
const std::vector<std::string_view>& lifecycle_stage_names();
const std::vector<std::string_view>& deployment_configuration_members();

std::string_view to_string(DeploymentStrategyKind kind);
std::string_view to_string(LifecycleStage stage);

// Reads the strategy members of a deploymentConfiguration object (`field` is its path in
// errors, e.g. "deploymentConfiguration"); fills ECS's defaults; throws SpecError
// "FILE: FIELD: problem; fix" for a member ECS does not know, a wrong type, a value out of ECS's
// range, a percentage that is not a multiple of 0.1, linearConfiguration or canaryConfiguration
// under another strategy, BLUE_GREEN without bakeTimeInMinutes, lifecycle hooks under ROLLING,
// a hook without stages or target, or alarms missing a required member.
DeploymentStrategy read_deployment_strategy(const boost::json::object& deployment_configuration,
                                            std::string_view file, std::string_view field);

// The strategy as ECS's deploymentConfiguration members (strategy, bakeTimeInMinutes,
// linearConfiguration or canaryConfiguration, lifecycleHooks, alarms), defaults written out:
// what UpdateService is given, and what the ledger records.
boost::json::object to_deployment_configuration(const DeploymentStrategy& strategy);

// "12.5" for 125 tenths.
std::string percent_text(int tenths);

}  // namespace slipway::release
