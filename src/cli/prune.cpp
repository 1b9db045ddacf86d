// `slipway prune [--keep N] [--dry-run]`: remove release images from the engine's store, except
// the images of the last N good releases (so a rollback never needs a rebuild) and whatever runs.
// The policy and the lock are the vm target's (VmTarget::prune); this file parses and prints.
#include <boost/json.hpp>
#include <iostream>

#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"

namespace slipway::cli {
namespace {

struct PruneOptions {
  VmOptions vm;
  std::size_t keep = 5;
  bool dry_run = false;
};

}  // namespace

void add_prune_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<PruneOptions>();
  auto* command = app.add_subcommand(
      "prune", "Remove old release images, keeping the last N good releases and what runs");
  command->add_option("--keep", options->keep, "Good releases whose images are kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->add_flag("--dry-run", options->dry_run, "Only list what would be removed");
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto context = make_vm_context(options->vm, globals);
      auto report = context.target->prune(options->keep, options->dry_run);
      if (globals.output == OutputFormat::json) {
        boost::json::array removed(report.removed.begin(), report.removed.end());
        boost::json::array kept(report.kept.begin(), report.kept.end());
        std::cout << boost::json::serialize(boost::json::object{{"dry_run", options->dry_run},
                                                                {"removed", std::move(removed)},
                                                                {"kept", std::move(kept)}})
                  << std::endl;
      } else {
        for (const auto& image : report.removed) {
          std::cout << (options->dry_run ? "would remove\t" : "removed\t") << image << "\n";
        }
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
