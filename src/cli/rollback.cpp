// `slipway rollback [--to SHA|REVISION]`: redeploy the last good release (not simply the one
// before), or any kept release, with no rebuild. Same exit codes as deploy.
#include "cli/ecs_dispatch.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {
namespace {

struct RollbackOptions {
  VmOptions vm;
  std::optional<std::string> to;
};

}  // namespace

void add_rollback_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<RollbackOptions>();
  auto* command = app.add_subcommand(
      "rollback", "Go back to the last good release (or --to one) without rebuilding");
  command->add_option("--to", options->to,
                      "Revision number or commit SHA (7+ hex digits) from `slipway history`");
  add_vm_options(command, options->vm, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      if (auto code = rollback_if_ecs(options->vm, options->to, globals)) return *code;
      auto context = make_vm_context(options->vm, globals);
      auto report = make_release_target(context, globals)->rollback(options->to);
      return finish_deploy(report, globals);
    };
  });
}

}  // namespace slipway::cli
