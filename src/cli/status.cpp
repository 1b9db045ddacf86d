// `slipway status`: what the spec's target runs now — on vm the release, every replica (engine
// view, health probe, HAProxy state and counters) and where to reach it; on ecs the service, its
// deployments, target health and alarms.
#include "cli/output.hpp"
#include "cli/target_factory.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {

void add_status_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<VmOptions>();
  auto* command =
      app.add_subcommand("status", "Show the release, replicas or tasks, health and counters");
  add_vm_options(command, *options, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      print_status(make_target(*options, globals)->status(), globals);
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
