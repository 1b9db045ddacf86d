// `slipway rollback [--to SHA|REVISION]`: redeploy the last good release (not simply the one
// before), or any kept release, with no rebuild. Same exit codes as deploy.
#include "cli/output.hpp"
#include "cli/target_factory.hpp"
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
  command->add_option(
      "--to", options->to,
      "Revision number (12, or family:12 on ecs) or commit SHA (7+ hex digits) from "
      "`slipway history`");
  add_vm_options(command, options->vm, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      return print_rollout(make_target(options->vm, globals)->rollback(options->to), globals);
    };
  });
}

}  // namespace slipway::cli
