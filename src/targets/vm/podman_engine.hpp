#pragma once
// The podman engine (see engine.hpp): replicas are containers on the host network with
// --restart=on-failure, read-only, as the image's non-root user, without capabilities. Works
// without systemd with the settings docs/platform-notes.md records: runc, cgroupfs, default_ulimits
// = [].

#include <vector>

#include "targets/vm/engine.hpp"

namespace slipway::targets::vm {

class PodmanEngine final : public Engine {
 public:
  // `state_dir` receives the containers.conf podman is pointed at.
  explicit PodmanEngine(std::string state_dir);
  std::string name() const override { return "podman"; }
  bool image_exists(const std::string& image) override;
  std::string image_digest(const std::string& image) override;
  std::vector<std::string> list_images(const std::string& repository) override;
  void remove_image(const std::string& image) override;
  ReplicaHandle start(const ReplicaLaunch& launch) override;
  void stop(const ReplicaHandle& replica, std::chrono::seconds timeout) override;
  bool running(const ReplicaHandle& replica) override;
  int restarts(const ReplicaHandle& replica) override;
  int app_pid(const ReplicaHandle& replica) override;
  std::string logs(const ReplicaHandle& replica, int tail_lines) override;
  std::string build_image(const ImageBuild& build) override;

  // Returns `podman --runtime runc --cgroup-manager=cgroupfs ARGS...` as argv.
  static std::vector<std::string> command(std::vector<std::string> args);

  // Returns the environment podman itself needs (CONTAINERS_CONF).
  std::map<std::string, std::string> podman_environment() const;

 private:
  std::string containers_conf_;
};

}  // namespace slipway::targets::vm
