#include "cli/target_factory.hpp"

#include "cli/ecs.hpp"
#include "core/errors.hpp"
#include "release/spec.hpp"
#include "targets/vm/vm_release_target.hpp"

namespace slipway::cli {
namespace {

// The vm target with the context it works in (state, event log, variables), owned together.
class OwnedVmTarget final : public release::Target {
 public:
  OwnedVmTarget(VmContext context, const GlobalOptions& globals)
      : context_(std::move(context)),
        target_(
            *context_.target, context_.spec.service, make_secret_resolver(globals),
            [this](const release::Release& r) { return context_.workload_for(r); },
            make_current_versions(globals.session_options())) {}

  release::TargetKind kind() const override { return target_.kind(); }
  release::RolloutReport deploy(const std::string& image) override { return target_.deploy(image); }
  release::RolloutReport rollback(const std::optional<std::string>& to) override {
    return target_.rollback(to);
  }
  release::RolloutReport refresh() override { return target_.refresh(); }
  std::vector<release::ReleaseRecord> history(std::size_t limit) override {
    return target_.history(limit);
  }
  release::StatusReport status() override { return target_.status(); }
  std::vector<std::string> logs(std::size_t lines) override { return target_.logs(lines); }
  void follow_logs(std::size_t lines,
                   const std::function<void(const std::string&)>& line) override {
    target_.follow_logs(lines, line);
  }

 private:
  VmContext context_;
  targets::vm::VmReleaseTarget target_;
};

}  // namespace

std::unique_ptr<release::Target> make_target(const VmOptions& options,
                                             const GlobalOptions& globals) {
  const auto kind = release::load_spec(options.spec_file).target;
  if (kind == release::TargetKind::vm) {
    return std::make_unique<OwnedVmTarget>(make_vm_context(options, globals), globals);
  }
  // vm-only flags are refused rather than silently ignored.
  if (options.engine) {
    throw core::InputError("--engine applies to the vm target; " + options.spec_file +
                           " says target: ecs: drop the flag");
  }
  if (options.state_dir) {
    throw core::InputError("--state-dir applies to the vm target; " + options.spec_file +
                           " says target: ecs, whose releases live in ECS itself: drop the flag");
  }
  EcsCommonOptions common;
  common.spec_file = options.spec_file;
  EcsFollowOptions follow;
  follow.rollout_timeout = options.timeout;
  if (options.bake_time) follow.bake_time = *options.bake_time;
  EcsRenderOptions render;
  render.variables = options.vars;
  return make_ecs_target(common, render, follow, globals, ProgressStream::stderr_text);
}

}  // namespace slipway::cli
