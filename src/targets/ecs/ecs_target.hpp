#pragma once
// The ECS target: deploy (render, register a tagged revision, update the service, follow that
// deployment to a verdict), rollback (point the service at an earlier revision, registering
// nothing), history, cleanup, diff, verify, status and logs — on the AWS clients of src/aws.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"
#include "release/outcome.hpp"
#include "release/spec.hpp"
#include "targets/ecs/diff.hpp"
#include "targets/ecs/follower.hpp"
#include "targets/ecs/history.hpp"
#include "targets/ecs/report.hpp"
#include "targets/ecs/service_deployment_driver.hpp"

namespace slipway::targets::ecs {

// Where the service is.
struct ServiceLocation {
  std::string cluster;
  std::string service;
};

struct DeployInput {
  ServiceLocation where;
  release::ServiceSpec spec;
  std::string base_dir = ".";                    // where slipway.yaml and deploy/ are
  std::string image;                             // REPOSITORY:SHA (ECR reference)
  std::map<std::string, std::string> variables;  // terraform outputs, --var; before the env
  bool check_image = true;                       // DescribeImages before registering
  bool pin_secret_versions = false;
  bool wait = true;  // follow the deployment to a verdict
  FollowTimeouts timeouts;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
  std::size_t log_lines_on_failure = 20;
};

struct DeployResult {
  // The follower's verdict in the one vocabulary (in_progress when not waiting); the reason says
  // which rollback (circuit breaker, alarm) it was.
  release::Outcome outcome = release::Outcome::in_progress;
  std::string reason;
  std::string image;                     // the image of the revision
  std::string task_definition_arn;       // the revision registered (or rolled back to)
  std::string previous_task_definition;  // what the service ran before
  std::string deployment_id;         // a service deployment ARN under BLUE_GREEN, LINEAR, CANARY
  std::string strategy;              // the service file's strategy; ROLLING when it names none
  bool slipway_rolled_back = false;  // slipway pointed the service back itself
  // Set when slipway had to point the service back and AWS refused: what failed, what still
  // runs and the fix (the deploy records its verdict, then fails with it).
  std::string restore_error;
  std::uint64_t api_calls = 0;
};

struct RollbackInput {
  ServiceLocation where;
  // Where the service file is: its strategy (BLUE_GREEN, LINEAR, CANARY) runs the rollback too.
  release::ServiceSpec spec;
  std::string base_dir = ".";
  std::map<std::string, std::string> variables;
  std::string family;  // task definition family; empty: the service's
  std::string to;      // "" = last good; else SHA prefix or revision
  bool wait = true;
  FollowTimeouts timeouts;
  std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};
};

struct CleanupResult {
  std::vector<std::string> deregistered;
  std::vector<std::string> kept;
};

struct VerifyCheck {
  std::string name;  // image, secret:NAME, log-group, target-group, service
  bool ok = false;
  std::string detail;  // what was checked or what is wrong and the fix
};

// Where a task definition's awslogs driver writes.
struct LogSource {
  std::string group;
  std::string stream_prefix;
};

struct ServiceStatus {
  aws::EcsService service;
  std::vector<aws::EcsTask> tasks;  // running ones
  std::vector<aws::TargetHealth> targets;
  std::vector<aws::AlarmState> alarms;
  // The service deployment ECS runs or ran last (stage, traffic split) when the service has one
  // (currentServiceDeployment) or a strategy other than ROLLING; why it could not be read.
  std::optional<aws::ServiceDeployment> service_deployment;
  std::string service_deployment_error;
};

class EcsTarget {
 public:
  EcsTarget(aws::Session& session, Report report);

  // Deploys; see DeployInput. Throws EcsInputError for an unknown cluster/service, an image
  // missing from ECR, a bad template; aws errors pass through.
  DeployResult deploy(const DeployInput& input);

  // After a secret rotation: registers a copy of the revision the service runs (image,
  // environment and every other setting as ECS returns them, see registrable_copy) with each
  // Secrets Manager reference pinned to the version its stage (AWSCURRENT) holds now, tagged
  // slipway:refresh-of with the revision copied; then updates and follows the service as deploy()
  // does (previous_task_definition: the revision copied). Of `input` only the location, the
  // service file (its strategy) and the follow settings are used: no template is rendered.
  DeployResult refresh(const DeployInput& input);

  // Rolls back to an existing revision; registers nothing.
  DeployResult rollback(const RollbackInput& input);

  // Revisions of the family (the service's when empty), newest first, at most `limit`.
  std::vector<EcsRelease> history(const ServiceLocation& where, const std::string& family,
                                  std::size_t limit);

  // Deregisters revisions cleanup_candidates() allows (none with dry_run).
  CleanupResult cleanup(const ServiceLocation& where, const std::string& family,
                        std::size_t keep_good, bool dry_run);

  // The service's current task definition against what a deploy of `input.image` would register.
  std::vector<DiffLine> diff(const DeployInput& input);

  // Pre-deploy checks: the service exists, the image in ECR, every container hardened (non-root
  // user, read-only root filesystem, capabilities dropped), the execution role can read every
  // secret, the log group exists and the execution role may write it, the service has a target
  // group (and `target_group_arn` when given).
  std::vector<VerifyCheck> verify(const DeployInput& input, const std::string& target_group_arn);

  ServiceStatus status(const ServiceLocation& where);

  // The last `limit` log lines of the service's log group since `since_ms`.
  std::vector<std::string> logs(const ServiceLocation& where, std::size_t limit,
                                std::int64_t since_ms);

 private:
  aws::EcsService describe_service(const ServiceLocation& where);
  std::string image_digest(const std::string& image);
  // Pins each Secrets Manager valueFrom of `document` to the version its stage (AWSCURRENT unless
  // it names another) holds now; one that pins a version already is left alone unless `repin`.
  // Throws EcsInputError for a secret with no version in that stage.
  void pin_secret_versions(boost::json::object& document, bool repin);
  // Registers `document` with `tags` (plus the strategy), updates `service` to it under the
  // service's lock and follows the deployment: the part deploy() and refresh() share.
  DeployResult register_and_follow(const DeployInput& input, const aws::EcsService& service,
                                   const boost::json::object& document, aws::TagMap tags);
  DeployResult follow(const ServiceLocation& where, const std::string& task_definition_arn,
                      const std::string& previous, const aws::EcsService& updated, bool wait,
                      const FollowTimeouts& timeouts, std::chrono::milliseconds poll_interval,
                      std::size_t log_lines);
  // After UpdateService carried the service file's strategy (`updated`: ECS's answer, sent at
  // `updated_at`): the service deployment followed through the ServiceDeployment APIs
  // (service_deployment_driver.hpp) within `rollout` (the start and rollout timeouts and the
  // strategy's planned minutes), as follow() does for ROLLING.
  DeployResult follow_progressive(const ServiceLocation& where,
                                  const std::string& task_definition_arn,
                                  const std::string& previous,
                                  const ProgressiveConfiguration& progressive,
                                  const aws::EcsService& updated, double updated_at, bool wait,
                                  const FollowTimeouts& timeouts, std::chrono::milliseconds rollout,
                                  std::chrono::milliseconds poll_interval, std::size_t log_lines);
  // Points the service back at result.previous_task_definition after a verdict slipway must
  // undo itself; on AWS's refusal sets result.restore_error instead (the verdict stands).
  void point_back(const ServiceLocation& where, DeployResult& result);
  // `role_documents`: the execution role's policies (nullopt: the role does not exist).
  std::vector<VerifyCheck> secrets_readable_by(
      const std::string& role_arn, const std::optional<std::vector<std::string>>& role_documents,
      const std::vector<std::string>& value_froms);
  // May the execution role create streams in and put events to the task's log group?
  VerifyCheck log_group_writable_by(const std::string& role_arn,
                                    const std::optional<std::vector<std::string>>& documents,
                                    const LogSource& source);
  // Takes the service's advisory lock (tag slipway:lock = "HOLDER until EPOCH") for `hold`;
  // throws LockedError naming the holder when an unexpired lock exists. Returns a releaser.
  std::function<void()> lock_service(const aws::EcsService& service,
                                     std::chrono::milliseconds hold);
  // Tags the release the service ran `rolled_back` when the rollback goes to an older revision
  // (a roll forward with --to judges nothing).
  void mark_rolled_back_from(const std::string& current_arn,
                             const std::vector<EcsRelease>& releases, const EcsRelease& target);
  void record_outcome(const std::string& arn, release::Outcome outcome, const std::string& reason);
  void print_last_logs(const std::string& task_definition_arn, std::int64_t since_ms,
                       std::size_t lines);

  aws::Session& session_;
  Report report_;
};

// The follower's verdict in the one vocabulary: both rollbacks are rolled_back.
release::Outcome outcome_of(Verdict verdict);

}  // namespace slipway::targets::ecs
