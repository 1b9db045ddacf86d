// `slipway build`: the release build (static binaries), then the image REPOSITORY:<commit sha>
// from deploy/Containerfile with podman (or, for the process engine, the binary in its image
// store), its digest, and a CycloneDX SBOM of the Debian packages linked into the binary.
// A dirty work tree is refused unless --allow-dirty (the image is then tagged <sha>-dirty).
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/output.hpp"
#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/errors.hpp"
#include "core/subprocess.hpp"
#include "release/identity.hpp"
#include "release/sbom.hpp"
#include "targets/vm/engine.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::cli {
namespace fs = std::filesystem;
namespace {

struct BuildOptions {
  VmOptions vm;
  bool allow_dirty = false;
  bool no_compile = false;
  std::string binary = "build/release/src/service/app";
  std::string containerfile = "deploy/Containerfile";
};

void run_step(const std::vector<std::string>& argv, const std::string& dir,
              const std::string& what) {
  core::RunOptions options;
  options.argv = argv;
  options.working_dir = dir;
  options.timeout = std::chrono::minutes(60);
  auto result = core::run(options);
  if (!result.ok()) {
    auto err = result.err.empty() ? result.out : result.err;
    auto tail = err.size() > 2000 ? err.substr(err.size() - 2000) : err;
    std::cerr << tail;
    throw core::SystemError(what + " failed (exit " + std::to_string(result.exit_code) + ")");
  }
}

std::string commit_time(const std::string& repo, const std::string& sha) {
  core::RunOptions options;
  options.argv = {"git", "-C", repo, "show", "-s", "--format=%cI", sha};
  auto result = core::run(options);
  auto text = result.out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

BuiltImage build_release_image(VmContext& context, bool allow_dirty, bool compile,
                               const std::string& binary, const std::string& containerfile) {
  const auto& repo = context.base_dir;
  auto sha = release::git_head_commit(repo);
  auto dirty = release::git_dirty_paths(repo);
  if (!dirty.empty() && !allow_dirty) {
    auto first = dirty.substr(0, dirty.find('\n'));
    throw core::InputError("the work tree has uncommitted changes (" + first +
                           "): commit them so the image is a commit, or pass --allow-dirty");
  }
  BuiltImage built;
  built.commit = sha;
  built.image = context.spec.image_repository + ":" + sha + (dirty.empty() ? "" : "-dirty");
  auto& events = *context.events;
  if (compile) {
    events.progress("compile",
                    "release build: cmake --preset release && cmake --build --preset release");
    run_step({"cmake", "--preset", "release"}, repo, "cmake --preset release");
    run_step({"cmake", "--build", "--preset", "release"}, repo, "cmake --build --preset release");
  }
  auto binary_path = fs::path(binary).is_absolute() ? fs::path(binary) : fs::path(repo) / binary;
  if (!fs::exists(binary_path)) {
    throw core::InputError(binary_path.string() +
                           " does not exist: run the release build (drop --no-compile)");
  }
  auto file = fs::path(containerfile).is_absolute() ? fs::path(containerfile)
                                                    : fs::path(repo) / containerfile;
  targets::vm::ImageBuild build{
      .image = built.image,
      .binary = binary_path.string(),
      .containerfile = file.string(),
      .context_dir = (fs::path(context.state_dir) / "build-context").string(),
      .build_args = {{"REVISION", sha}, {"CREATED", commit_time(repo, sha)}},
      .timeout = std::chrono::minutes(20)};
  auto& engine = context.target->engine();
  events.progress("image", engine.name() + " build " + built.image);
  built.digest = engine.build_image(build);
  // SBOM of what the binary links, from the release build's Ninja file.
  // The build directory is where the binary's CMake tree is: BUILD/src/service/app.
  auto build_dir = binary_path.parent_path().parent_path().parent_path();
  std::ifstream ninja(build_dir / "build.ninja");
  std::string ninja_text((std::istreambuf_iterator<char>(ninja)), std::istreambuf_iterator<char>());
  auto packages = release::debian_packages_of(
      release::linked_archives_from_ninja(ninja_text, "src/service/app"));
  auto sbom_dir = fs::path(context.state_dir) / "sbom";
  fs::create_directories(sbom_dir);
  auto tag = built.image.substr(built.image.rfind(':') + 1);
  built.sbom = (sbom_dir / (tag + ".cdx.json")).string();
  std::ofstream(built.sbom) << release::render_cyclonedx(built.image, sha, built.digest, packages,
                                                         targets::vm::utc_now_iso8601())
                            << "\n";
  events.progress("built", "image " + built.image + " " + built.digest + ", SBOM " + built.sbom);
  return built;
}

void add_build_command(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto options = std::make_shared<BuildOptions>();
  auto* command = app.add_subcommand(
      "build",
      "Build the release binary and the image REPOSITORY:<commit sha>, its digest and SBOM");
  command->add_flag("--allow-dirty", options->allow_dirty,
                    "Build from a work tree with uncommitted changes (tags the image <sha>-dirty)");
  command->add_flag("--no-compile", options->no_compile,
                    "Skip the CMake release build and use the existing binary");
  command->add_option("--binary", options->binary, "The static binary that goes into the image")
      ->capture_default_str();
  command
      ->add_option("--containerfile", options->containerfile, "Containerfile of the image (podman)")
      ->capture_default_str();
  add_vm_options(command, options->vm, false);
  command->callback([options, &globals, &action] {
    action = [options, &globals] {
      auto context = make_vm_context(options->vm, globals, /*any_target=*/true);
      auto built = build_release_image(context, options->allow_dirty, !options->no_compile,
                                       options->binary, options->containerfile);
      if (globals.output == OutputFormat::json) {
        print_json_line(std::cout, boost::json::object{{"event", "result"},
                                                       {"image", built.image},
                                                       {"commit", built.commit},
                                                       {"digest", built.digest},
                                                       {"sbom", built.sbom}});
      } else {
        std::cout << built.image << "\t" << built.digest << "\t" << built.sbom << std::endl;
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
