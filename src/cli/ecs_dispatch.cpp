#include "cli/ecs_dispatch.hpp"

#include "cli/ecs.hpp"
#include "core/errors.hpp"
#include "release/spec.hpp"

namespace slipway::cli {
namespace {

// Loads the spec to read its target; nullopt for vm. vm-only flags are refused for ecs rather
// than silently ignored.
std::optional<EcsCommonOptions> ecs_common(const VmOptions& vm) {
  if (release::load_spec(vm.spec_file).target != release::TargetKind::ecs) return std::nullopt;
  if (vm.engine) {
    throw core::InputError("--engine applies to the vm target; " + vm.spec_file +
                           " says target: ecs: drop the flag");
  }
  if (vm.state_dir) {
    throw core::InputError("--state-dir applies to the vm target; " + vm.spec_file +
                           " says target: ecs, whose releases live in ECS itself: drop the flag");
  }
  EcsCommonOptions common;
  common.spec_file = vm.spec_file;
  return common;
}

EcsFollowOptions follow_options(const VmOptions& vm) {
  EcsFollowOptions follow;
  follow.rollout_timeout = vm.timeout;
  if (vm.bake_time) follow.bake_time = *vm.bake_time;
  return follow;
}

}  // namespace

std::optional<ExitCode> deploy_if_ecs(const VmOptions& vm, const std::string& image,
                                      const GlobalOptions& globals) {
  auto common = ecs_common(vm);
  if (!common) return std::nullopt;
  EcsDeployOptions options;
  options.common = *common;
  options.render.image = image;
  options.render.variables = vm.vars;
  options.follow = follow_options(vm);
  return run_ecs_deploy(options, globals);
}

std::optional<ExitCode> rollback_if_ecs(const VmOptions& vm, const std::optional<std::string>& to,
                                        const GlobalOptions& globals) {
  auto common = ecs_common(vm);
  if (!common) return std::nullopt;
  EcsRollbackOptions options;
  options.common = *common;
  options.follow = follow_options(vm);
  options.to = to.value_or("");
  return run_ecs_rollback(options, globals);
}

std::optional<ExitCode> history_if_ecs(const VmOptions& vm, int limit,
                                       const GlobalOptions& globals) {
  auto common = ecs_common(vm);
  if (!common) return std::nullopt;
  EcsHistoryOptions options;
  options.common = *common;
  options.limit = static_cast<std::size_t>(limit);
  return run_ecs_history(options, globals);
}

std::optional<ExitCode> status_if_ecs(const VmOptions& vm, const GlobalOptions& globals) {
  auto common = ecs_common(vm);
  if (!common) return std::nullopt;
  EcsStatusOptions options;
  options.common = *common;
  return run_ecs_status(options, globals);
}

std::optional<ExitCode> logs_if_ecs(const VmOptions& vm, int tail, bool follow,
                                    const GlobalOptions& globals) {
  auto common = ecs_common(vm);
  if (!common) return std::nullopt;
  if (follow) {
    throw core::InputError(
        "logs --follow is not available on the ecs target: use `slipway ecs logs --since 5m` "
        "and run it again");
  }
  EcsLogsOptions options;
  options.common = *common;
  if (tail > 0) options.lines = static_cast<std::size_t>(tail);
  return run_ecs_logs(options, globals);
}

}  // namespace slipway::cli
