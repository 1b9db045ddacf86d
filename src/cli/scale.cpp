// `slipway scale N`: run N replicas of the current release (recorded; later deploys keep it).
#include "cli/output.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {
namespace {

struct ScaleOptions {
  VmOptions vm;
  int count = 0;
};

}  // namespace

void add_scale_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<ScaleOptions>();
  auto* command = app.add_subcommand("scale", "Set the number of replicas of the current release");
  command->add_option("count", options->count, "Replicas wanted, 0 to 100")
      ->required()
      ->check(CLI::Range(0, 100));
  add_vm_options(command, options->vm, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto context = make_vm_context(options->vm, globals);
      auto report = context.target->scale(
          options->count, make_secret_resolver(globals),
          [&context](const release::Release& r) { return context.workload_for(r); });
      return print_rollout(report, globals);
    };
  });
}

}  // namespace slipway::cli
