#include "targets/vm/engine.hpp"

#include "core/errors.hpp"
#include "core/subprocess.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/podman_engine.hpp"
#include "targets/vm/process_engine.hpp"

namespace slipway::targets::vm {

std::string Engine::build_image(const ImageBuild& build) {
  throw EngineError("the " + name() + " engine cannot build images (" + build.image +
                    "): use --engine podman or --engine process");
}

std::unique_ptr<Engine> make_engine(const std::string& name, const std::string& state_dir) {
  if (name == "process") return std::make_unique<ProcessEngine>(state_dir);
  bool have_podman = core::find_program("podman").has_value();
  if (name == "podman") {
    if (!have_podman)
      throw core::InputError(
          "engine podman is not installed: apt-get install podman, or use --engine process");
    return std::make_unique<PodmanEngine>(state_dir);
  }
  if (name == "auto") {
    if (have_podman) return std::make_unique<PodmanEngine>(state_dir);
    return std::make_unique<ProcessEngine>(state_dir);
  }
  throw core::InputError("unknown engine \"" + name + "\": use auto, podman or process");
}

}  // namespace slipway::targets::vm
