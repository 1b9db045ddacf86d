#pragma once
// One set of verbs for both targets: when slipway.yaml says `target: ecs`, the top-level
// deploy, rollback, history, status and logs hand over to the ECS actions (cli/ecs.hpp) with the
// options the two targets share. ECS-only flags (--terraform-dir, --pin-secret-versions,
// --no-wait, per-phase timeouts) stay on `slipway ecs <verb>`.

#include <optional>
#include <string>

#include "cli/command.hpp"
#include "cli/vm_context.hpp"

namespace slipway::cli {

// Each returns nullopt when the spec's target is vm (the caller goes on with the vm target),
// otherwise the ECS action's exit code. Throws core::InputError for a bad spec, or a flag that
// means nothing on ECS (--engine, --state-dir, logs --follow).
std::optional<ExitCode> deploy_if_ecs(const VmOptions& vm, const std::string& image,
                                      const GlobalOptions& globals);
std::optional<ExitCode> rollback_if_ecs(const VmOptions& vm, const std::optional<std::string>& to,
                                        const GlobalOptions& globals);
std::optional<ExitCode> history_if_ecs(const VmOptions& vm, int limit,
                                       const GlobalOptions& globals);
std::optional<ExitCode> status_if_ecs(const VmOptions& vm, const GlobalOptions& globals);
std::optional<ExitCode> logs_if_ecs(const VmOptions& vm, int tail, bool follow,
                                    const GlobalOptions& globals);

}  // namespace slipway::cli
