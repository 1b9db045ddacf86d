// `slipway logs [--tail N] [--follow]`: every replica's log lines, prefixed with its name.
#include <chrono>
#include <iostream>
#include <sstream>

#include "cli/ecs_dispatch.hpp"
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
      "logs", "Print the replicas' logs (all replicas, prefixed with the replica name)");
  command->add_option("--tail", options->tail, "Lines per replica to print first (0 = all)")
      ->capture_default_str();
  command->add_flag("--follow,-f", options->follow, "Keep printing new lines until interrupted");
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      if (auto code = logs_if_ecs(options->vm, options->tail, options->follow, globals)) {
        return *code;
      }
      auto context = make_vm_context(options->vm, globals);
      auto text = context.target->logs(options->tail);
      std::cout << text << std::flush;
      if (!options->follow) return ExitCode::ok;
      // Polling keeps this engine-neutral: per replica, print what was not printed before.
      auto seen = context.target->replica_logs();
      while (true) {
        core::sleep_or_cancel(std::chrono::milliseconds(500), "following the logs");
        for (auto& [name, log_text] : context.target->replica_logs()) {
          auto& before = seen[name];
          std::string fresh =
              log_text.starts_with(before) ? log_text.substr(before.size()) : log_text;
          std::istringstream lines(fresh);
          std::string line;
          while (std::getline(lines, line)) std::cout << name << " | " << line << '\n';
          std::cout << std::flush;
          before = log_text;
        }
      }
    };
  });
}

}  // namespace slipway::cli
