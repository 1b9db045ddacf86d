#pragma once
// Drives the service deployment follower against ECS: reads the service file's strategy for
// UpdateService, polls ListServiceDeployments / DescribeServiceDeployments / DescribeAlarms,
// and asks ECS to roll back (StopServiceDeployment ROLLBACK) when the follower says so. The
// decisions are the follower's (service_deployment_follower.hpp); this file only does the I/O.

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/session.hpp"
#include "release/deployment_strategy.hpp"
#include "release/spec.hpp"
#include "targets/ecs/follower.hpp"
#include "targets/ecs/report.hpp"
#include "targets/ecs/service_deployment_follower.hpp"

namespace slipway::targets::ecs {

// A strategy other than ROLLING, as the service file gives it.
struct ProgressiveConfiguration {
  release::DeploymentStrategy strategy;          // read with ECS's rules and defaults
  boost::json::object deployment_configuration;  // what UpdateService is given, as written
  // The file's loadBalancers with their advancedConfiguration (traffic_shift_load_balancers.hpp);
  // nullopt when the file has none.
  std::optional<boost::json::array> load_balancers;
};

// The service file's deploymentConfiguration, rendered and checked with ECS's rules
// (release::read_deployment_strategy), when its strategy is not ROLLING. nullopt under ROLLING
// and when there is no service file (the service keeps what Terraform set); ${SERVICE} defaults to
// the spec's service. Throws release::SpecError naming the file and member for a bad value, or
// the variable when one is unset — unless the file names ROLLING (or no strategy) whatever the
// unset variables hold: the ROLLING path never needs them.
std::optional<ProgressiveConfiguration> progressive_deployment_configuration(
    const release::ServiceSpec& spec, const std::string& base_dir,
    std::map<std::string, std::string> variables);

// The service file's deploymentConfiguration when it names "strategy": "ROLLING" itself and
// renders in full (${SERVICE} defaulted as above): what UpdateService is given to move a service
// an earlier deploy left on BLUE_GREEN, LINEAR or CANARY back to ROLLING. nullopt otherwise (no
// file, no strategy member, another strategy, an unset variable).
std::optional<boost::json::object> explicit_rolling_configuration(
    const release::ServiceSpec& spec, const std::string& base_dir,
    std::map<std::string, std::string> variables);

struct ServiceDeploymentRun {
  ServiceDeploymentVerdict verdict = ServiceDeploymentVerdict::in_progress;
  RollbackCause cause = RollbackCause::none;
  std::string reason;
  std::string arn;                  // the service deployment followed
  bool point_service_back = false;  // the caller points the service at the previous revision
};

// Follows the service deployment `arn` (empty: the first listed created at or after
// `updated_at`) every `poll_interval` until a verdict; `alarm_names` are the alarms slipway
// watches. Each changed line goes to `report("deployment", line)`. Throttling and network
// errors are inconclusive polls; SIGINT/SIGTERM end the watch (core::Cancelled), ECS carries on.
ServiceDeploymentRun follow_service_deployment(aws::Session& session, const std::string& cluster,
                                               const std::string& service, const std::string& arn,
                                               double updated_at,
                                               const std::vector<std::string>& alarm_names,
                                               const ServiceDeploymentTimeouts& timeouts,
                                               std::chrono::milliseconds poll_interval,
                                               const Report& report);

// The verdict in the vocabulary (and exit codes) the ECS target reports: rolled back by an alarm
// when an alarm caused it, else by ECS's own judgement (breaker or hook; exit 3 either way).
Verdict to_verdict(const ServiceDeploymentRun& run);

}  // namespace slipway::targets::ecs
