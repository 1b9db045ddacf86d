// `slipway history`: the releases of the spec's target, newest first: revision, commit, image
// digest, who, when, outcome and why.
#include "cli/output.hpp"
#include "cli/target_factory.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {
namespace {

struct HistoryOptions {
  VmOptions vm;
  int limit = 20;
};

}  // namespace

void add_history_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<HistoryOptions>();
  auto* command =
      app.add_subcommand("history", "List releases: revision, commit, digest, who, when, outcome");
  command->add_option("--limit", options->limit, "Show at most this many releases, newest first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      const auto limit = static_cast<std::size_t>(options->limit);
      print_history(make_target(options->vm, globals)->history(limit), globals);
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
