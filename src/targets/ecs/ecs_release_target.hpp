#pragma once
// The ECS target behind release::Target: deploy (render, register a tagged revision, update the
// service, follow that deployment), rollback, history, status and logs of one service, on an
// AWS session of its own. The ECS-only actions (diff, verify, cleanup) stay on the driver.

#include <chrono>
#include <map>
#include <string>

#include "aws/session.hpp"
#include "release/secret_versions.hpp"
#include "release/spec.hpp"
#include "release/target.hpp"
#include "targets/ecs/ecs_target.hpp"

namespace slipway::targets::ecs {

// Everything a rollout of this service needs besides the image.
struct EcsReleaseSettings {
  release::ServiceSpec spec;
  std::string base_dir = ".";  // where slipway.yaml and deploy/ are
  ServiceLocation where;
  std::string family;                            // task definition family; empty: the service's
  std::map<std::string, std::string> variables;  // terraform outputs, --var; before the env
  bool check_image = true;
  bool pin_secret_versions = false;
  bool wait = true;  // follow each deployment to a verdict
  FollowTimeouts timeouts;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  std::size_t log_lines_on_failure = 20;
  std::chrono::milliseconds logs_since{std::chrono::hours(1)};  // how far back logs() reads
  // Which secret versions are current now (status, refresh); none: status shows no secrets part.
  release::CurrentSecretVersions current_versions;
};

class EcsReleaseTarget final : public release::Target {
 public:
  // Resolves the session's region now; throws aws::ConfigError when there is none.
  EcsReleaseTarget(const aws::SessionOptions& session, EcsReleaseSettings settings, Report report);

  release::TargetKind kind() const override { return release::TargetKind::ecs; }
  // details: task_definition, previous_task_definition, deployment_id, slipway_rolled_back,
  // api_calls (this session's requests, the lock's release included).
  release::RolloutReport deploy(const std::string& image) override;
  release::RolloutReport rollback(const std::optional<std::string>& to) override;
  // When a task runs a rotated-away secret version: a copy of the revision the service runs
  // (nothing rendered, so no --var is needed), its secrets pinned to the current versions,
  // deployed and followed like any deploy (EcsTarget::refresh); details: refreshed, refresh_of
  // (the revision copied). Nothing stale: changes nothing, details.refreshed false.
  release::RolloutReport refresh() override;
  // details: arn, strategy, refresh_of (a refresh's). A revision slipway did not register has no
  // outcome (nullopt).
  std::vector<release::ReleaseRecord> history(std::size_t limit) override;
  // With the secret versions each running task was started with (the version ids its task
  // definition pins; unknown for an unpinned reference) against the current ones.
  release::StatusReport status() override;
  // The last `lines` (0: 50) lines of the service's log group since settings().logs_since.
  std::vector<std::string> logs(std::size_t lines) override;
  // Throws core::InputError: CloudWatch Logs is read by polling windows, not followed.
  void follow_logs(std::size_t lines, const std::function<void(const std::string&)>& line) override;

  // What a deploy of `image` renders (also for diff and verify).
  DeployInput deploy_input(const std::string& image) const;
  // The settings the next call uses (an ECS-only flag may adjust them).
  EcsReleaseSettings& settings() { return settings_; }
  // The driver, for the ECS-only actions.
  EcsTarget& driver() { return target_; }

 private:
  release::RolloutReport report_of(const DeployResult& result) const;
  // Throws when a secret no longer exists or the store cannot be read.
  release::SecretsStatus secrets_status(const ServiceStatus& status);

  aws::Session session_;
  EcsTarget target_;
  EcsReleaseSettings settings_;
};

}  // namespace slipway::targets::ecs
