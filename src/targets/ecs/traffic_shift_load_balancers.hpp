#pragma once
// The service file's `loadBalancers` for BLUE_GREEN, LINEAR and CANARY: ECS shifts traffic
// between the primary target group and an alternate one through listener rules it rewrites with a
// role it assumes, all named in each load balancer's `advancedConfiguration` (the UpdateService
// input, ECS API reference "AdvancedConfiguration"). Terraform's provider 5.x cannot set that
// block on the service, so the deploy sends it with every UpdateService that carries a strategy.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>

namespace slipway::targets::ecs {

// The document's `loadBalancers`, checked with ECS's shape: each an object with targetGroupArn
// (or loadBalancerName), containerName, containerPort 1-65535 and advancedConfiguration
// {alternateTargetGroupArn, productionListenerRule, roleArn, testListenerRule?}, each an ARN of
// its kind, the alternate target group not the primary. nullopt when the file has no
// `loadBalancers` (the service keeps what it has). Throws release::SpecError naming `file`, the
// member and the fix.
std::optional<boost::json::array> read_traffic_shift_load_balancers(
    const boost::json::object& document, const std::string& file);

}  // namespace slipway::targets::ecs
