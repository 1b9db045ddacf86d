// `slipway down`: drain and stop every replica and HAProxy. The current release stays recorded,
// so `slipway up` brings the same release back.
#include <boost/json.hpp>
#include <iostream>

#include "cli/output.hpp"
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
        print_json_line(std::cout, boost::json::object{{"event", "result"}, {"status", "down"}});
      } else {
        std::cout << "down" << std::endl;
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
