// `slipway refresh`: after a secret rotation, restart what still runs the old versions — on vm
// only the stale replicas, on ecs a copy of the running revision pinned to the current versions
// (no --var needed on either: nothing is rendered again) — with the deploy's rollout, bake and
// rollback, recorded as its own release. Secrets the app re-reads itself (slipway.yaml
// secrets.reloaded_by_app) never cause one. Same exit codes as deploy; nothing stale is exit 0
// and changes nothing.
#include <boost/json.hpp>
#include <iostream>

#include "cli/output.hpp"
#include "cli/target_factory.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/redaction.hpp"

namespace slipway::cli {

void add_refresh_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<VmOptions>();
  auto* command = app.add_subcommand(
      "refresh",
      "Restart what runs rotated-away secret versions (only those), like a deploy of the same "
      "image");
  add_vm_options(command, *options, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      const auto report = make_target(*options, globals)->refresh();
      const auto* refreshed = report.details.if_contains("refreshed");
      if (globals.output == OutputFormat::text && refreshed && refreshed->is_bool() &&
          !refreshed->as_bool()) {
        std::cout << "unchanged\trevision " << report.revision << "\t"
                  << core::redact(report.reason) << std::endl;
        return ExitCode::ok;
      }
      return print_rollout(report, globals);
    };
  });
}

}  // namespace slipway::cli
