// `slipway deploy --image REPOSITORY:TAG`: roll a release out on the spec's target. Progress goes
// to stderr as it happens (one JSON event per line on stdout with --output json); the exit code
// says how it ended: 0 succeeded, 3 rolled back, 1 failed without rollback, 4 timed out,
// 5 locked, 6 superseded, 2 bad input (nothing changed), 130 interrupted.
#include "cli/output.hpp"
#include "cli/target_factory.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/errors.hpp"
#include "release/identity.hpp"

namespace slipway::cli {
namespace {

struct DeployOptions {
  VmOptions vm;
  std::string image;
  bool allow_dirty = false;
};

}  // namespace

void add_deploy_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<DeployOptions>();
  auto* command = app.add_subcommand(
      "deploy", "Roll out a release image with health checks, draining and automatic rollback");
  command
      ->add_option("--image", options->image,
                   "Image to deploy, REPOSITORY:<full commit sha> as `slipway build` tags it")
      ->required();
  command->add_flag("--allow-dirty", options->allow_dirty,
                    "Accept an image built from a dirty work tree (tag ending in -dirty)");
  add_vm_options(command, options->vm, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto ref = release::parse_image_ref(options->image);
      if (ref.tag.ends_with("-dirty") && !options->allow_dirty) {
        throw core::InputError(
            "image " + options->image +
            " was built from a dirty work tree: commit and rebuild, or pass --allow-dirty");
      }
      return print_rollout(make_target(options->vm, globals)->deploy(ref.str()), globals);
    };
  });
}

}  // namespace slipway::cli
