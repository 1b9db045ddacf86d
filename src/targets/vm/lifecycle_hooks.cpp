#include "targets/vm/lifecycle_hooks.hpp"

#include <sstream>

#include "release/errors.hpp"

namespace slipway::targets::vm {
namespace {

constexpr int kDefaultTimeoutMinutes = 60;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

core::RunOptions hook_command(const release::ServiceSpec& spec, const release::LifecycleHook& hook,
                              release::LifecycleStage stage,
                              const std::map<std::string, std::string>& context) {
  const auto name = hook.function_name();
  const auto command = spec.vm.lifecycle_hooks.find(name);
  if (command == spec.vm.lifecycle_hooks.end()) {
    throw release::SpecError("slipway.yaml: vm.lifecycle_hooks: no command for Lambda function " +
                             name + "; add vm.lifecycle_hooks." + name + ": COMMAND");
  }
  core::RunOptions options;
  options.argv = {"/bin/sh", "-c", command->second};
  options.env = context;
  options.env["SLIPWAY_LIFECYCLE_STAGE"] = std::string(release::to_string(stage));
  options.env["SLIPWAY_HOOK_TARGET_ARN"] = hook.hook_target_arn;
  options.env["SLIPWAY_HOOK_DETAILS"] = hook.hook_details.empty() ? "{}" : hook.hook_details;
  options.timeout = spec.vm.strategy_minute * hook.timeout_minutes.value_or(kDefaultTimeoutMinutes);
  return options;
}

HookOutcome run_lifecycle_hooks(const release::ServiceSpec& spec,
                                const release::DeploymentStrategy& strategy,
                                release::LifecycleStage stage,
                                const std::map<std::string, std::string>& context) {
  HookOutcome outcome;
  const auto stage_name = std::string(release::to_string(stage));
  for (const auto* hook : strategy.hooks_at(stage)) {
    const auto name = hook->function_name();
    const auto result = core::run(hook_command(spec, *hook, stage, context));
    auto output = lines_of(result.out);
    for (const auto& line : lines_of(result.err)) output.push_back(line);
    for (const auto& line : output) outcome.lines.push_back(name + ": " + line);
    if (result.ok()) {
      outcome.lines.push_back(name + " at " + stage_name + ": SUCCEEDED");
      continue;
    }
    if (result.timed_out && hook->timeout_action == "CONTINUE") {
      outcome.lines.push_back(name + " at " + stage_name +
                              ": TIMED_OUT, timeout action CONTINUE: the stage goes on");
      continue;
    }
    const auto how = result.timed_out ? std::string("timed out")
                     : result.exit_code >= 0
                         ? "exited " + std::to_string(result.exit_code)
                         : "was killed by signal " + std::to_string(result.term_signal);
    outcome.passed = false;
    outcome.failure = "lifecycle hook " + name + " at " + stage_name + " " + how +
                      (output.empty() ? std::string() : ": " + output.back());
    outcome.lines.push_back(name + " at " + stage_name + ": " +
                            (result.timed_out ? "TIMED_OUT" : "FAILED"));
    break;
  }
  return outcome;
}

}  // namespace slipway::targets::vm
