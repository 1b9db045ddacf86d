#pragma once
// The hardening every revision of the service must keep (the same as Terraform's bootstrap
// revision in infra/terraform/modules/ecs_service): a non-root user, a read-only root filesystem
// and every Linux capability dropped. `slipway ecs verify` refuses a release without it.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace slipway::targets::ecs {

struct HardeningProblem {
  std::string container;  // name of the container definition ("?" when it has none)
  std::string problem;    // what is missing and the fix, one line
};

// Returns what each container of the RegisterTaskDefinition document lacks: `user` set and
// neither root nor uid 0, `readonlyRootFilesystem: true`, `linuxParameters.capabilities.drop`
// containing "ALL". Empty when every container is hardened.
std::vector<HardeningProblem> hardening_problems(const boost::json::object& task_definition);

}  // namespace slipway::targets::ecs
