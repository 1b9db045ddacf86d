// `slipway build`: the release build (static binaries), then the image REPOSITORY:<commit sha>
// from deploy/Containerfile with podman (or, for the process engine, the binary in its image
// store), its digest, and a CycloneDX SBOM of the Debian packages linked into the binary.
// A dirty work tree is refused unless --allow-dirty (the image is then tagged <sha>-dirty).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/vm_context.hpp"
#include "cli/vm_verbs.hpp"
#include "core/errors.hpp"
#include "core/subprocess.hpp"
#include "release/identity.hpp"
#include "release/sbom.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/podman_engine.hpp"
#include "targets/vm/process_engine.hpp"

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
  auto& engine = context.target->engine();
  if (engine.name() == "process") {
    auto& process = dynamic_cast<targets::vm::ProcessEngine&>(engine);
    auto dir = fs::path(targets::vm::process_image_dir(process.images_dir(), built.image));
    fs::create_directories(dir);
    fs::copy_file(binary_path, dir / "entrypoint.tmp", fs::copy_options::overwrite_existing);
    fs::rename(dir / "entrypoint.tmp", dir / "entrypoint");
    fs::remove(dir / "digest");
    built.digest = engine.image_digest(built.image);
    std::ofstream(dir / "digest") << built.digest << "\n";
  } else {
    // A build context with exactly what the image holds: never the work tree (no .env in it).
    auto context_dir = fs::path(context.state_dir) / "build-context";
    fs::remove_all(context_dir);
    fs::create_directories(context_dir);
    fs::copy_file(binary_path, context_dir / "app");
    fs::copy_file("/etc/ssl/certs/ca-certificates.crt", context_dir / "ca-certificates.crt");
    std::ofstream(context_dir / "passwd")
        << "root:x:0:0:root:/:/sbin/nologin\napp:x:65532:65532:app:/:/sbin/nologin\n";
    std::ofstream(context_dir / "group") << "root:x:0:\napp:x:65532:\n";
    auto file = fs::path(containerfile).is_absolute() ? fs::path(containerfile)
                                                      : fs::path(repo) / containerfile;
    auto& podman = dynamic_cast<targets::vm::PodmanEngine&>(engine);
    core::RunOptions options;
    options.argv = targets::vm::PodmanEngine::command(
        {"build", "--timestamp", "0", "--no-cache", "-f", file.string(), "--build-arg",
         "REVISION=" + sha, "--build-arg", "CREATED=" + commit_time(repo, sha), "-t", built.image,
         context_dir.string()});
    options.env = podman.podman_environment();
    options.timeout = std::chrono::minutes(20);
    events.progress("image", "podman build " + built.image);
    auto result = core::run(options);
    if (!result.ok()) {
      std::cerr << result.err;
      throw core::SystemError("podman build of " + built.image + " failed");
    }
    built.digest = engine.image_digest(built.image);
  }
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
        std::cout << "{\"event\":\"result\",\"image\":" << json_quote(built.image)
                  << ",\"commit\":" << json_quote(built.commit)
                  << ",\"digest\":" << json_quote(built.digest)
                  << ",\"sbom\":" << json_quote(built.sbom) << "}" << std::endl;
      } else {
        std::cout << built.image << "\t" << built.digest << "\t" << built.sbom << std::endl;
      }
      return ExitCode::ok;
    };
  });
}

}  // namespace slipway::cli
