#include "targets/vm/podman_engine.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "core/errors.hpp"
#include "core/private_files.hpp"
#include "core/subprocess.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/process_engine.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Where Debian keeps the CA certificates: the bundle, and a HASH.N link to each certificate.
constexpr const char* kSystemCertDir = "/etc/ssl/certs";

// "HASH.N": OpenSSL's name for a CA certificate in a certificate directory (8 hex digits of the
// subject name's hash, then a counter for names that collide).
bool is_hashed_certificate_name(std::string_view name) {
  return name.size() > 9 && name.find_first_not_of("0123456789abcdef") == 8 && name[8] == '.' &&
         name.find_first_not_of("0123456789", 9) == std::string_view::npos;
}

// The system's CA certificates, one file each under its hashed name, as OpenSSL reads a
// certificate directory (SSL_CERT_DIR): it then loads only the CA a peer's chain ends at, when
// that chain is verified. The service used to read the whole bundle (~140 certificates) at its
// first TLS connection, which kept about 0.9 MiB of its memory (bench/http/README.md).
void stage_ca_certificates(const fs::path& to) {
  fs::create_directories(to);
  std::size_t staged = 0;
  std::error_code unreadable;  // reported below, as no certificates
  for (const auto& entry : fs::directory_iterator(kSystemCertDir, unreadable)) {
    const auto name = entry.path().filename().string();
    if (!is_hashed_certificate_name(name)) continue;
    fs::copy_file(entry.path(), to / name);  // the file a link points at, not the link
    ++staged;
  }
  if (staged == 0) {
    throw EngineError("no CA certificates in " + std::string(kSystemCertDir) +
                      " (files named HASH.0): install ca-certificates (make deps), which also "
                      "writes them");
  }
}

}  // namespace

PodmanEngine::PodmanEngine(std::string state_dir) {
  core::create_private_directories(state_dir);
  containers_conf_ = (fs::path(state_dir) / "containers.conf").string();
  // Without this, podman applies an RLIMIT_NOFILE default that this kind of machine refuses.
  core::write_private_file(containers_conf_, "[containers]\ndefault_ulimits = []\n");
}

std::vector<std::string> PodmanEngine::command(std::vector<std::string> args) {
  // crun fails on this kind of machine and there is no systemd for the cgroup manager.
  std::vector<std::string> argv{"podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::map<std::string, std::string> PodmanEngine::podman_environment() const {
  return {{"CONTAINERS_CONF", containers_conf_}};
}

bool PodmanEngine::image_exists(const std::string& image) {
  core::RunOptions options;
  options.argv = command({"image", "exists", image});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(60);
  return core::run(options).ok();
}

std::string PodmanEngine::image_digest(const std::string& image) {
  core::RunOptions options;
  options.argv = command({"image", "inspect", "--format", "{{.Digest}}", image});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(60);
  auto result = core::run(options);
  if (!result.ok()) {
    throw UnknownImage("image " + image +
                       " is not in podman's store: build it with `slipway build`");
  }
  return trim(result.out);
}

std::vector<std::string> PodmanEngine::list_images(const std::string& repository) {
  core::RunOptions options;
  options.argv = command(
      {"images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=" + repository});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(60);
  auto result = core::run(options);
  std::vector<std::string> images;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    // podman names local images localhost/REPOSITORY.
    if (line.starts_with("localhost/")) line = line.substr(10);
    if (line.starts_with(repository + ":") && !line.ends_with(":<none>")) images.push_back(line);
  }
  return images;
}

void PodmanEngine::remove_image(const std::string& image) {
  core::RunOptions options;
  options.argv = command({"rmi", image});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(60);
  auto result = core::run(options);
  if (!result.ok()) {
    throw EngineError("podman could not remove " + image + ": " +
                      trim(result.err.substr(0, result.err.find('\n'))));
  }
}

ReplicaHandle PodmanEngine::start(const ReplicaLaunch& launch) {
  // --replace: a leftover container of that name (a killed run) goes in the same podman call.
  core::RunOptions options;
  options.argv = command(
      {"run", "-d", "--replace", "--name", launch.name, "--network=host", "--restart=on-failure",
       "--read-only", "--cap-drop=ALL", "--security-opt", "no-new-privileges", "--stop-timeout",
       std::to_string(launch.stop_timeout.count()), "--label", "slipway.replica=" + launch.name});
  // "-e NAME" without a value: podman copies the value from its own environment, so secret
  // values travel in the environment and never appear on a command line.
  options.env = podman_environment();
  for (const auto& [name, value] : launch.environment) {
    options.argv.push_back("-e");
    options.argv.push_back(name);
    options.env[name] = value;
  }
  options.argv.push_back(launch.image);
  options.timeout = std::chrono::seconds(120);
  auto result = core::run(options);
  if (!result.ok()) {
    throw EngineError("podman could not start " + launch.name + ": " +
                      trim(result.err.substr(0, result.err.find('\n'))));
  }
  return ReplicaHandle{launch.name, 0, ""};
}

void PodmanEngine::stop(const ReplicaHandle& replica, std::chrono::seconds timeout) {
  core::RunOptions stop;
  stop.argv = command({"stop", "-t", std::to_string(timeout.count()), "--ignore", replica.name});
  stop.env = podman_environment();
  stop.timeout = timeout + std::chrono::seconds(30);
  core::run(stop);
  core::RunOptions remove;
  remove.argv = command({"rm", "-f", "--ignore", replica.name});
  remove.env = podman_environment();
  remove.timeout = std::chrono::seconds(60);
  core::run(remove);
}

bool PodmanEngine::running(const ReplicaHandle& replica) {
  core::RunOptions options;
  options.argv = command({"container", "inspect", "--format", "{{.State.Status}}", replica.name});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(30);
  auto result = core::run(options);
  auto status = trim(result.out);
  // A container between a crash and its restart is still ours.
  return result.ok() &&
         (status == "running" || status == "created" || status == "stopping" || status == "exited");
}

int PodmanEngine::restarts(const ReplicaHandle& replica) {
  core::RunOptions options;
  options.argv = command({"container", "inspect", "--format", "{{.RestartCount}}", replica.name});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(30);
  auto result = core::run(options);
  try {
    return result.ok() ? std::stoi(trim(result.out)) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

int PodmanEngine::app_pid(const ReplicaHandle& replica) {
  core::RunOptions options;
  options.argv = command({"container", "inspect", "--format", "{{.State.Pid}}", replica.name});
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(30);
  auto result = core::run(options);
  try {
    return result.ok() ? std::stoi(trim(result.out)) : 0;
  } catch (const std::exception&) {
    return 0;
  }
}

std::string PodmanEngine::logs(const ReplicaHandle& replica, int tail_lines) {
  core::RunOptions options;
  options.argv = command({"logs"});
  if (tail_lines > 0) {
    options.argv.push_back("--tail");
    options.argv.push_back(std::to_string(tail_lines));
  }
  options.argv.push_back(replica.name);
  options.env = podman_environment();
  options.timeout = std::chrono::seconds(30);
  auto result = core::run(options);
  return result.out + result.err;
}

std::string PodmanEngine::build_image(const ImageBuild& build) {
  // A build context with exactly what the image holds: never the work tree (no .env in it).
  const fs::path context_dir = build.context_dir;
  fs::remove_all(context_dir);
  fs::create_directories(context_dir);
  fs::copy_file(build.binary, context_dir / "app");
  stage_ca_certificates(context_dir / "certs");
  // Still staged for a --containerfile written against earlier contexts; deploy/Containerfile
  // does not copy it.
  fs::copy_file(fs::path(kSystemCertDir) / "ca-certificates.crt",
                context_dir / "ca-certificates.crt");
  std::ofstream(context_dir / "passwd")
      << "root:x:0:0:root:/:/sbin/nologin\napp:x:65532:65532:app:/:/sbin/nologin\n";
  std::ofstream(context_dir / "group") << "root:x:0:\napp:x:65532:\n";
  std::vector<std::string> args{"build",      "--timestamp", "0",
                                "--no-cache", "-f",          build.containerfile};
  for (const auto& [name, value] : build.build_args) {
    args.insert(args.end(), {"--build-arg", name + "=" + value});
  }
  args.insert(args.end(), {"-t", build.image, context_dir.string()});
  core::RunOptions options;
  options.argv = command(std::move(args));
  options.env = podman_environment();
  options.timeout = build.timeout;
  const auto result = core::run(options);
  if (!result.ok()) {
    // One line: podman's last word says what went wrong (a missing file, a bad instruction).
    auto err = result.err.empty() ? result.out : result.err;
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    throw EngineError("podman build of " + build.image + " failed (exit " +
                      std::to_string(result.exit_code) + "): " + err.substr(err.rfind('\n') + 1));
  }
  return image_digest(build.image);
}

}  // namespace slipway::targets::vm
