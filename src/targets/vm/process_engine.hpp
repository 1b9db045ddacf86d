#pragma once
// The plain-process engine (see engine.hpp): images are directories with an `entrypoint` under
// STATE/images, replicas are supervised processes with their files under STATE/replicas/NAME.

#include "targets/vm/engine.hpp"

namespace slipway::targets::vm {

class ProcessEngine final : public Engine {
 public:
  explicit ProcessEngine(std::string state_dir);
  std::string name() const override { return "process"; }
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

  // Returns STATE/images, the root of this engine's image store.
  std::string images_dir() const;

 private:
  std::string replica_dir(const std::string& name) const;
  std::string state_dir_;
};

}  // namespace slipway::targets::vm
