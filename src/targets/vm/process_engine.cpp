// The process engine: an image is a directory holding an executable `entrypoint`; a replica is
// that entrypoint run by slipway's supervisor (see supervisor.hpp), with files beside the state.
#include "targets/vm/process_engine.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "core/private_files.hpp"
#include "core/subprocess.hpp"
#include "targets/vm/engine.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/supervisor.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
namespace {

int read_number(const fs::path& path) {
  std::ifstream in(path);
  int value = 0;
  in >> value;
  return value;
}

std::string read_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A container sees only its task definition's environment (podman gets exactly those names). A
// process replica stands in for one: it gets the same, plus what a process needs from the host
// to run at all, and never slipway's own environment (the deployer's AWS credentials, stack.env,
// CI tokens). No HOME either: an AWS SDK would find the deployer's ~/.aws through it.
std::map<std::string, std::string> replica_environment(const ReplicaLaunch& launch) {
  std::map<std::string, std::string> environment;
  for (const char* name : {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR"}) {
    if (const char* value = std::getenv(name)) environment[name] = value;
  }
  if (!environment.contains("PATH")) environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [name, value] : launch.environment) environment[name] = value;
  return environment;
}

}  // namespace

std::string process_image_dir(const std::string& images_dir, const std::string& image) {
  auto colon = image.rfind(':');
  auto repository = image.substr(0, colon);
  auto tag = colon == std::string::npos ? "latest" : image.substr(colon + 1);
  return (fs::path(images_dir) / repository / tag).string();
}

ProcessEngine::ProcessEngine(std::string state_dir) : state_dir_(std::move(state_dir)) {}

std::string ProcessEngine::images_dir() const {
  return (fs::path(state_dir_) / "images").string();
}

std::string ProcessEngine::replica_dir(const std::string& name) const {
  return (fs::path(state_dir_) / "replicas" / name).string();
}

bool ProcessEngine::image_exists(const std::string& image) {
  auto entrypoint = fs::path(process_image_dir(images_dir(), image)) / "entrypoint";
  return ::access(entrypoint.c_str(), X_OK) == 0;
}

std::string ProcessEngine::image_digest(const std::string& image) {
  if (!image_exists(image)) {
    throw UnknownImage("image " + image + " is not in the process engine's store " + images_dir() +
                       ": build it with `slipway build --engine process`");
  }
  auto dir = process_image_dir(images_dir(), image);
  if (std::ifstream recorded(fs::path(dir) / "digest"); recorded) {
    std::string digest;
    recorded >> digest;
    if (!digest.empty()) return digest;
  }
  core::RunOptions options;
  options.argv = {"sha256sum", (fs::path(dir) / "entrypoint").string()};
  auto result = core::run(options);
  if (!result.ok()) throw EngineError("cannot hash the entrypoint of " + image);
  return "sha256:" + result.out.substr(0, result.out.find(' '));
}

std::vector<std::string> ProcessEngine::list_images(const std::string& repository) {
  std::vector<std::string> images;
  auto dir = fs::path(images_dir()) / repository;
  if (!fs::is_directory(dir)) return images;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory()) images.push_back(repository + ":" + entry.path().filename().string());
  }
  std::sort(images.begin(), images.end());
  return images;
}

void ProcessEngine::remove_image(const std::string& image) {
  std::error_code ec;
  fs::remove_all(process_image_dir(images_dir(), image), ec);
  if (ec) throw EngineError("cannot remove image " + image + ": " + ec.message());
}

ReplicaHandle ProcessEngine::start(const ReplicaLaunch& launch) {
  if (!image_exists(launch.image)) {
    throw UnknownImage("image " + launch.image + " is not in " + images_dir() +
                       ": build it with `slipway build --engine process`");
  }
  auto dir = fs::path(replica_dir(launch.name));
  core::create_private_directories(dir.string());
  SupervisedProgram program;
  program.argv = {
      (fs::path(process_image_dir(images_dir(), launch.image)) / "entrypoint").string()};
  program.environment = core::build_environment(replica_environment(launch), false);
  program.log_path = launch.log_path.empty() ? (dir / "log").string() : launch.log_path;
  program.pid_path = (dir / "pid").string();
  program.identity_path = (dir / "identity").string();
  program.restarts_path = (dir / "restarts").string();
  fs::remove(program.pid_path);
  fs::remove(program.identity_path);
  const int supervisor = spawn_supervisor(program);
  return ReplicaHandle{launch.name, supervisor, process_identity(supervisor)};
}

void ProcessEngine::stop(const ReplicaHandle& replica, std::chrono::seconds timeout) {
  // Every signal goes to a PID only while it is still the process recorded: after a reboot or
  // a PID reuse, the same number (and process group) is somebody else's.
  auto ours = [&replica] {
    return is_same_process(replica.supervisor_pid, replica.supervisor_identity);
  };
  if (ours()) {
    ::kill(replica.supervisor_pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ours() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ours()) {
      // The supervisor leads its own session and process group; the app is in it too.
      ::kill(-replica.supervisor_pid, SIGKILL);
      auto kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (ours() && std::chrono::steady_clock::now() < kill_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  // An app left behind by a supervisor that died, identified the same way.
  const auto app_identity = read_line(fs::path(replica_dir(replica.name)) / "identity");
  const bool recorded_before_identities = replica.supervisor_identity.empty();
  if (int pid = app_pid(replica);
      (recorded_before_identities || !app_identity.empty()) && is_same_process(pid, app_identity)) {
    ::kill(pid, SIGKILL);
  }
}

bool ProcessEngine::running(const ReplicaHandle& replica) {
  return is_same_process(replica.supervisor_pid, replica.supervisor_identity);
}

int ProcessEngine::restarts(const ReplicaHandle& replica) {
  return read_number(fs::path(replica_dir(replica.name)) / "restarts");
}

int ProcessEngine::app_pid(const ReplicaHandle& replica) {
  return read_number(fs::path(replica_dir(replica.name)) / "pid");
}

std::string ProcessEngine::logs(const ReplicaHandle& replica, int tail_lines) {
  std::ifstream in(fs::path(replica_dir(replica.name)) / "log");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::size_t first = tail_lines > 0 && lines.size() > static_cast<std::size_t>(tail_lines)
                          ? lines.size() - static_cast<std::size_t>(tail_lines)
                          : 0;
  std::ostringstream out;
  for (std::size_t i = first; i < lines.size(); ++i) out << lines[i] << '\n';
  return out.str();
}

std::string ProcessEngine::build_image(const ImageBuild& build) {
  // The image is the binary itself: copied in under a temporary name and renamed, so a
  // half-copied entrypoint is never run.
  const auto dir = fs::path(process_image_dir(images_dir(), build.image));
  fs::create_directories(dir);
  fs::copy_file(build.binary, dir / "entrypoint.tmp", fs::copy_options::overwrite_existing);
  fs::rename(dir / "entrypoint.tmp", dir / "entrypoint");
  fs::remove(dir / "digest");
  const auto digest = image_digest(build.image);
  std::ofstream(dir / "digest") << digest << "\n";
  return digest;
}

}  // namespace slipway::targets::vm
