// `slipway prune [--keep N] [--dry-run]`: remove release images from the engine's store, except
// the images of the last N good releases (so a rollback never needs a rebuild) and whatever runs.
// Only the stack's own images are candidates: those its ledger or its SBOMs name.
#include <filesystem>
#include <iostream>

#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "release/ledger.hpp"
#include "targets/vm/state.hpp"

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
      auto ledger = load_ledger(context.state_dir);
      auto keep = ledger.protected_images(options->keep);
      auto state = targets::vm::load_state(targets::vm::StatePaths(context.state_dir));
      for (const auto& r : state.replicas) keep.push_back(r.image);
      if (state.current) keep.push_back(state.current->image);
      if (state.previous) keep.push_back(state.previous->image);
      auto& engine = context.target->engine();
      // Only images this stack knows: released (in its ledger) or built here (an SBOM in its
      // state). podman's store is shared by every stack of the machine, and another stack's
      // images are not this one's to remove.
      std::vector<std::string> ours;
      for (const auto& image : engine.list_images(context.spec.image_repository)) {
        const auto tag = image.substr(image.rfind(':') + 1);
        bool released = false;
        for (const auto& r : ledger.releases()) released = released || r.image == image;
        if (released || std::filesystem::exists(std::filesystem::path(context.state_dir) / "sbom" /
                                                (tag + ".cdx.json"))) {
          ours.push_back(image);
        }
      }
      auto removable = release::images_to_prune(ours, keep);
      for (const auto& image : removable) {
        if (!options->dry_run) engine.remove_image(image);
      }
      if (globals.output == OutputFormat::json) {
        std::cout << "{\"dry_run\":" << (options->dry_run ? "true" : "false") << ",\"removed\":[";
        for (std::size_t i = 0; i < removable.size(); ++i) {
          std::cout << (i ? "," : "") << json_quote(removable[i]);
        }
        std::cout << "],\"kept\":[";
        for (std::size_t i = 0; i < keep.size(); ++i)
          std::cout << (i ? "," : "") << json_quote(keep[i]);
        std::cout << "]}" << std::endl;
      } else {
        for (const auto& image : removable) {
          std::cout << (options->dry_run ? "would remove\t" : "removed\t") << image << "\n";
        }
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
