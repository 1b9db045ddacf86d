// `slipway up`: the whole vm stack for the current commit: builds the image when it is missing,
// starts HAProxy, and deploys the release unless it already serves; then says what to try next.
#include <iostream>

#include "cli/output.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/errors.hpp"
#include "release/identity.hpp"

namespace slipway::cli {
namespace {

struct UpOptions {
  VmOptions vm;
  std::optional<std::string> image;
  bool no_build = false;
  bool allow_dirty = false;
  bool no_compile = false;
  std::string binary = "build/release/src/service/app";
};

}  // namespace

void add_up_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<UpOptions>();
  auto* command = app.add_subcommand(
      "up", "Start HAProxy and the replicas of the current commit (building the image if needed)");
  command->add_option("--image", options->image, "Run this image instead of the current commit's");
  command->add_flag("--no-build", options->no_build, "Never build: fail when the image is missing");
  command->add_flag(
      "--no-compile", options->no_compile,
      "When the image must be built, use the existing release binary (no CMake build)");
  command->add_flag("--allow-dirty", options->allow_dirty,
                    "Build and run an image of a dirty work tree");
  command->add_option("--binary", options->binary, "The release binary put into a missing image")
      ->capture_default_str();
  add_vm_options(command, options->vm, true);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto context = make_vm_context(options->vm, globals);
      std::string image;
      if (options->image) {
        image = release::parse_image_ref(*options->image).str();
      } else {
        auto sha = release::git_head_commit(context.base_dir);
        bool dirty = !release::git_dirty_paths(context.base_dir).empty();
        image = context.spec.image_repository + ":" + sha + (dirty ? "-dirty" : "");
        if (dirty && !options->allow_dirty) {
          throw core::InputError(
              "the work tree has uncommitted changes: commit them, or pass --allow-dirty");
        }
      }
      if (!context.target->engine().image_exists(image)) {
        if (options->no_build || options->image) {
          throw core::InputError("image " + image +
                                 " is not built: run `slipway build` (or drop --no-build)");
        }
        image = build_release_image(context, options->allow_dirty, !options->no_compile,
                                    options->binary, "deploy/Containerfile")
                    .image;
      }
      auto status = context.target->status();
      int in_service = 0;
      for (const auto& r : status.replicas)
        in_service += r.running && r.replica.in_haproxy && !r.replica.backup;
      auto ref = release::parse_image_ref(image);
      release::Release next;
      next.image = image;
      next.commit = ref.tag.substr(0, ref.tag.find("-dirty"));
      auto workload = context.workload_for(next);
      int desired = status.state.desired_count.value_or(workload.desired_count);
      ExitCode code = ExitCode::ok;
      if (status.haproxy_running && status.state.current && status.state.current->image == image &&
          in_service >= desired) {
        context.events->progress("up", "already up: revision " +
                                           std::to_string(status.state.current->revision) +
                                           " serves " + image);
      } else {
        auto report = context.target->deploy(
            next, workload, make_secret_resolver(globals),
            [&context](const release::Release& r) { return context.workload_for(r); });
        code = print_rollout(report, globals);
      }
      if (globals.output == OutputFormat::text) {
        const auto& vm = context.spec.vm;
        std::cerr << "\nslipway: the stack is up.\n"
                  << "  curl -s http://" << vm.listener_address << ":" << vm.listener_port
                  << "/version\n"
                  << "  slipway status                      # replicas, health, HAProxy counters\n"
                  << "  slipway deploy --image " << context.spec.image_repository
                  << ":<sha>   # roll out another commit (slipway build first)\n"
                  << "  slipway rollback                    # back to the last good release\n"
                  << "  slipway history | slipway logs -f | slipway scale 3 | slipway down\n"
                  << "  HAProxy metrics: http://" << vm.stats_address << ":" << vm.stats_port
                  << "/metrics\n";
      }
      return code;
    };
  });
}

}  // namespace slipway::cli
