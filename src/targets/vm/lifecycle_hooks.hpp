#pragma once
// Lifecycle hooks on the vm target: where ECS invokes a hook's Lambda function at a stage, the
// vm target runs the local command slipway.yaml's vm.lifecycle_hooks names for that function
// (`/bin/sh -c COMMAND`). Exit 0 is the Lambda's SUCCEEDED; anything else fails the stage. A
// hook past its timeoutConfiguration.timeoutInMinutes (in vm.strategy_minute units; 60 when
// unset) is killed and takes its timeout action: CONTINUE passes, ROLLBACK (or none) fails.
// Each output line is returned for the events log.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/subprocess.hpp"
#include "release/deployment_strategy.hpp"
#include "release/spec.hpp"

namespace slipway::targets::vm {

struct HookOutcome {
  bool passed = true;
  std::string failure;             // why the stage failed: hook, stage, exit or timeout, last line
  std::vector<std::string> lines;  // "FUNCTION: LINE" for each output line, then its result
};

// What a hook runs: `/bin/sh -c COMMAND` with SLIPWAY_LIFECYCLE_STAGE, SLIPWAY_HOOK_TARGET_ARN
// and SLIPWAY_HOOK_DETAILS (hookDetails as JSON, "{}" when absent) added to `context` (e.g.
// SLIPWAY_RELEASE, SERVICE_NAME) and the inherited environment, and its timeout. Throws
// release::SpecError when the hook's function has no command (check_vm_strategy refuses that
// before a deploy starts).
core::RunOptions hook_command(const release::ServiceSpec& spec, const release::LifecycleHook& hook,
                              release::LifecycleStage stage,
                              const std::map<std::string, std::string>& context);

// Runs the hooks of `strategy` at `stage` in the order the service file lists them; stops at the
// first that fails.
HookOutcome run_lifecycle_hooks(const release::ServiceSpec& spec,
                                const release::DeploymentStrategy& strategy,
                                release::LifecycleStage stage,
                                const std::map<std::string, std::string>& context);

}  // namespace slipway::targets::vm
