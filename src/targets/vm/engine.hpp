#pragma once
// Replica engines: what runs one replica of a release and restarts it when it crashes. podman
// runs the release's container image; the process engine runs the image's entrypoint as a plain
// process under slipway's own supervisor, for machines without a container engine (and fast tests).

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace slipway::targets::vm {

struct ReplicaLaunch {
  std::string name;                                // unique replica name, also the container name
  std::string image;                               // REPOSITORY:TAG
  std::map<std::string, std::string> environment;  // including resolved secrets: never on argv
  std::chrono::seconds stop_timeout{30};
  std::string log_path;  // where the replica's stdout and stderr go (process engine)
};

// What `slipway build` makes an image of: the static binary, and for podman the Containerfile
// and the labels' build arguments.
struct ImageBuild {
  std::string image;          // REPOSITORY:TAG to create
  std::string binary;         // the static binary, the image's entrypoint
  std::string containerfile;  // podman: deploy/Containerfile
  std::string context_dir;    // podman: a directory the build context is written to (replaced)
  std::map<std::string, std::string> build_args;  // podman: --build-arg NAME=VALUE
  std::chrono::seconds timeout{1200};
};

struct ReplicaHandle {
  std::string name;
  int supervisor_pid = 0;  // process engine: the supervisor; podman: conmon's child pid or 0
  // Process engine: the supervisor's process_identity() when it started. A PID alone may name
  // another process by now (reused, or after a reboot); only a PID with this identity is ours.
  std::string supervisor_identity;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // "podman" or "process".
  virtual std::string name() const = 0;

  // Returns true when the image is in the engine's store.
  virtual bool image_exists(const std::string& image) = 0;

  // Returns the image's content digest ("sha256:..."); throws UnknownImage when absent.
  virtual std::string image_digest(const std::string& image) = 0;

  // Returns the images of `repository` in the engine's store, as REPOSITORY:TAG.
  virtual std::vector<std::string> list_images(const std::string& repository) = 0;

  // Removes an image from the store; throws EngineError when the engine refuses.
  virtual void remove_image(const std::string& image) = 0;

  // Starts a replica that restarts on failure; throws EngineError when it cannot start.
  virtual ReplicaHandle start(const ReplicaLaunch& launch) = 0;

  // SIGTERM, then SIGKILL after `timeout`; removes what start() created. Never throws for a
  // replica that is already gone.
  virtual void stop(const ReplicaHandle& replica, std::chrono::seconds timeout) = 0;

  // Returns true while the replica (its supervisor or container) exists.
  virtual bool running(const ReplicaHandle& replica) = 0;

  // Returns how many times the replica was restarted after a crash.
  virtual int restarts(const ReplicaHandle& replica) = 0;

  // Returns the PID of the replica's application process now, 0 when none.
  virtual int app_pid(const ReplicaHandle& replica) = 0;

  // Returns the replica's log text (the last `tail_lines` lines; 0 = all).
  virtual std::string logs(const ReplicaHandle& replica, int tail_lines) = 0;

  // Builds `build.image` into the engine's store and returns its digest. Throws EngineError
  // when the build fails, or for an engine that cannot build images (the default).
  virtual std::string build_image(const ImageBuild& build);
};

// Returns the engine named `name` ("podman", "process", or "auto" = podman when installed,
// else process). `state_dir` holds the process engine's supervisor files and image store.
// Throws core::InputError for an unknown name or podman requested but not installed.
std::unique_ptr<Engine> make_engine(const std::string& name, const std::string& state_dir);

// The process engine's image store: an image REPOSITORY:TAG is the directory
// <images_dir>/<REPOSITORY>/<TAG>/ holding an executable `entrypoint`.
std::string process_image_dir(const std::string& images_dir, const std::string& image);

}  // namespace slipway::targets::vm
