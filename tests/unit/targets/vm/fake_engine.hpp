#pragma once
// Test double of the replica engine: a replica is a record, not a process, and answers probes
// as its image's behaviour says. Thread-safe: the rollout starts and stops replicas in parallel.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "targets/vm/engine.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::targets::vm::testing {

class FakeEngine final : public Engine {
 public:
  enum class Behaviour {
    healthy,      // answers 200 at once
    never_ready,  // runs, answers 503
    crashes,      // restarts right after it starts, never answers
  };

  void add_image(const std::string& image, Behaviour behaviour = Behaviour::healthy) {
    std::lock_guard guard(mutex_);
    images_[image] = behaviour;
  }

  // start() of `image` throws EngineError from now on.
  void fail_starts_of(const std::string& image) {
    std::lock_guard guard(mutex_);
    failing_starts_.insert(image);
  }

  // What a health probe of the replica on `port` gets now.
  std::optional<int> probe(int port) {
    std::lock_guard guard(mutex_);
    for (const auto& [name, replica] : replicas_) {
      if (replica.port != port || !replica.running) continue;
      switch (images_.at(replica.image)) {
        case Behaviour::healthy:
          return 200;
        case Behaviour::never_ready:
          return 503;
        case Behaviour::crashes:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // Names of the replicas started, in order, and of those stopped.
  std::vector<std::string> started() {
    std::lock_guard guard(mutex_);
    return started_;
  }
  std::vector<std::string> stopped() {
    std::lock_guard guard(mutex_);
    return stopped_;
  }
  // The replicas running now, by name, with their image.
  std::map<std::string, std::string> running_images() {
    std::lock_guard guard(mutex_);
    std::map<std::string, std::string> out;
    for (const auto& [name, replica] : replicas_) {
      if (replica.running) out[name] = replica.image;
    }
    return out;
  }

  std::string name() const override { return "fake"; }
  bool image_exists(const std::string& image) override {
    std::lock_guard guard(mutex_);
    return images_.contains(image);
  }
  std::string image_digest(const std::string& image) override {
    if (!image_exists(image)) throw UnknownImage("no image " + image);
    return "sha256:" + std::to_string(std::hash<std::string>{}(image));
  }
  std::vector<std::string> list_images(const std::string& repository) override {
    std::lock_guard guard(mutex_);
    std::vector<std::string> out;
    for (const auto& [image, behaviour] : images_) {
      if (image.starts_with(repository + ":")) out.push_back(image);
    }
    return out;
  }
  void remove_image(const std::string& image) override {
    std::lock_guard guard(mutex_);
    images_.erase(image);
  }
  ReplicaHandle start(const ReplicaLaunch& launch) override {
    std::lock_guard guard(mutex_);
    if (!images_.contains(launch.image)) throw UnknownImage("no image " + launch.image);
    if (failing_starts_.contains(launch.image)) throw EngineError("cannot start " + launch.name);
    Replica replica;
    replica.image = launch.image;
    replica.port = std::stoi(launch.environment.at("PORT"));
    replica.pid = next_pid_++;
    replica.restarts = images_.at(launch.image) == Behaviour::crashes ? 1 : 0;
    replicas_[launch.name] = replica;
    started_.push_back(launch.name);
    return {launch.name, replica.pid, {}};
  }
  void stop(const ReplicaHandle& handle, std::chrono::seconds) override {
    std::lock_guard guard(mutex_);
    if (auto it = replicas_.find(handle.name); it != replicas_.end() && it->second.running) {
      it->second.running = false;
      stopped_.push_back(handle.name);
    }
  }
  bool running(const ReplicaHandle& handle) override {
    std::lock_guard guard(mutex_);
    auto it = replicas_.find(handle.name);
    return it != replicas_.end() && it->second.running;
  }
  int restarts(const ReplicaHandle& handle) override {
    std::lock_guard guard(mutex_);
    auto it = replicas_.find(handle.name);
    return it == replicas_.end() ? 0 : it->second.restarts;
  }
  int app_pid(const ReplicaHandle& handle) override {
    std::lock_guard guard(mutex_);
    auto it = replicas_.find(handle.name);
    return it != replicas_.end() && it->second.running ? it->second.pid : 0;
  }
  std::string logs(const ReplicaHandle&, int) override { return ""; }

 private:
  struct Replica {
    std::string image;
    int port = 0;
    int pid = 0;
    int restarts = 0;
    bool running = true;
  };
  std::mutex mutex_;
  std::map<std::string, Behaviour> images_;
  std::set<std::string> failing_starts_;
  std::map<std::string, Replica> replicas_;
  std::vector<std::string> started_;
  std::vector<std::string> stopped_;
  int next_pid_ = 1000;
};

}  // namespace slipway::targets::vm::testing
