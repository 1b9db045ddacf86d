// `slipway logs [--tail N] [--follow]`: the service's log lines (on vm every replica's, prefixed
// with its name); --follow keeps printing until Ctrl-C (vm only).
#include <iostream>

#include "cli/target_factory.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/cancellation.hpp"

namespace slipway::cli {
namespace {

struct LogsOptions {
  VmOptions vm;
  int tail = 100;
  bool follow = false;
};

}  // namespace

void add_logs_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<LogsOptions>();
  auto* command = app.add_subcommand(
      "logs", "Print the service's logs (on vm all replicas, prefixed with the replica name)");
  command
      ->add_option("--tail", options->tail,
                   "Lines to print first (per replica on vm; 0 = all on vm, 50 on ecs)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--follow,-f", options->follow,
                    "Keep printing new lines until interrupted (vm target)");
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto target = make_target(options->vm, globals);
      const auto tail = static_cast<std::size_t>(options->tail);
      if (options->follow) {
        // A signal is how --follow ends (as for `tail -f`): exit 130 without an error line.
        try {
          target->follow_logs(tail,
                              [](const std::string& line) { std::cout << line << std::endl; });
        } catch (const core::Cancelled&) {
          return ExitCode::interrupted;
        }
      } else {
        for (const auto& line : target->logs(tail)) std::cout << line << '\n';
        std::cout << std::flush;
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
