// `slipway down`: drain and stop every replica and HAProxy. The current release stays recorded,
// so `slipway up` brings the same release back.
#include <iostream>

#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {

void add_down_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<VmOptions>();
  auto* command = app.add_subcommand("down", "Stop the replicas (drained first) and HAProxy");
  add_vm_options(command, *options, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto context = make_vm_context(*options, globals);
      context.target->down();
      if (globals.output == OutputFormat::json) {
        std::cout << "{\"event\":\"result\",\"status\":\"down\"}" << std::endl;
      } else {
        std::cout << "down" << std::endl;
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
