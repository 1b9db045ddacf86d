#include "targets/ecs/ecs_target.hpp"

#include <boost/json.hpp>
#include <thread>

#include "aws/cloudwatch.hpp"
#include "aws/ecr.hpp"
#include "aws/ecs.hpp"
#include "aws/ecs_service_deployments.hpp"
#include "aws/elbv2.hpp"
#include "aws/errors.hpp"
#include "aws/iam.hpp"
#include "aws/logs.hpp"
#include "aws/retry.hpp"
#include "aws/secretsmanager.hpp"
#include "core/cancellation.hpp"
#include "release/traffic_plan.hpp"
#include "targets/ecs/errors.hpp"
#include "targets/ecs/hardening.hpp"
#include "targets/ecs/policy.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::targets::ecs {
namespace {

using Clock = std::chrono::steady_clock;

double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "arn:...:task-definition/app:8" -> "app"
std::string family_of(const std::string& task_definition) {
  auto name = task_definition.substr(task_definition.rfind('/') + 1);
  return name.substr(0, name.rfind(':'));
}

std::string short_name(const std::string& arn) {
  return arn.substr(arn.rfind('/') + 1);
}

std::optional<LogSource> log_source(const boost::json::object& document) {
  const auto* containers = document.if_contains("containerDefinitions");
  if (!containers || !containers->is_array()) return std::nullopt;
  for (const auto& container : containers->as_array()) {
    if (!container.is_object()) continue;
    const auto* configuration = container.as_object().if_contains("logConfiguration");
    if (!configuration || !configuration->is_object()) continue;
    const auto* options = configuration->as_object().if_contains("options");
    if (!options || !options->is_object()) continue;
    const auto* group = options->as_object().if_contains("awslogs-group");
    if (!group || !group->is_string()) continue;
    LogSource source{.group = std::string(group->as_string()), .stream_prefix = {}};
    if (const auto* prefix = options->as_object().if_contains("awslogs-stream-prefix");
        prefix && prefix->is_string()) {
      source.stream_prefix = std::string(prefix->as_string());
    }
    return source;
  }
  return std::nullopt;
}

// Runs the lock's releaser when the deploy ends, however it ends.
struct Unlock {
  std::function<void()> release;
  ~Unlock() {
    if (release) release();
  }
};

// A poll that could not read the service.
Observation unreadable(std::chrono::milliseconds elapsed, std::string why) {
  Observation observation;
  observation.elapsed = elapsed;
  observation.unavailable = std::move(why);
  return observation;
}

// slipway's own pointing back was refused: what failed, what still runs, and the fix.
std::string not_pointed_back(const aws::AwsError& error, const std::string& running,
                             release::Outcome outcome, const std::string& previous) {
  return std::string(error.what()) + "; the service still runs " + short_name(running) + " (" +
         std::string(release::to_string(outcome)) + "): run `slipway ecs rollback` to return to " +
         short_name(previous);
}

std::string_view kind_of_line(const std::string& line) {
  if (line.starts_with("deployment ")) return "deployment";
  if (line.starts_with("event: ")) return "event";
  if (line.starts_with("task ")) return "task";
  if (line.starts_with("target ")) return "target";
  if (line.starts_with("alarm ")) return "alarm";
  return "progress";
}

// How long the strategy's traffic steps and bakes take in ECS's minutes: added to the lock hold
// and the rollout timeout, so a one-hour canary bake is not cut short by either.
std::chrono::milliseconds planned_minutes(const std::optional<ProgressiveConfiguration>& p) {
  if (!p) return std::chrono::milliseconds(0);
  return release::planned_duration(release::plan_traffic(p->strategy, std::chrono::minutes(1)));
}

// How long a deploy or rollback holds the service's lock: its whole follow and bake with five
// minutes to spare, or a minute when it does not wait.
std::chrono::milliseconds lock_hold(bool wait, std::chrono::milliseconds follow_budget,
                                    std::chrono::milliseconds bake) {
  if (!wait) return std::chrono::minutes(1);
  return follow_budget + bake + std::chrono::minutes(5);
}

// A service an earlier deploy left on BLUE_GREEN, LINEAR or CANARY keeps that strategy through
// an UpdateService without one: the file must say ROLLING to move it back (deploy and rollback
// alike). The configuration to send, or nullopt (and a line saying ECS keeps the other one).
std::optional<boost::json::object> back_to_rolling(
    const aws::EcsService& service, const release::ServiceSpec& spec, const std::string& base_dir,
    const std::map<std::string, std::string>& variables, const std::string& name,
    const Report& report) {
  if (service.deployment_strategy.empty() || service.deployment_strategy == "ROLLING") {
    return std::nullopt;
  }
  auto configuration = explicit_rolling_configuration(spec, base_dir, variables);
  report("info", configuration ? "moving " + name + " from " + service.deployment_strategy +
                                     " back to ROLLING, as " + spec.service_file + " says"
                               : name + " runs " + service.deployment_strategy +
                                     " (an earlier deploy set it) and " + spec.service_file +
                                     " does not name ROLLING, so ECS keeps it: set \"strategy\" "
                                     "in its deploymentConfiguration");
  return configuration;
}

// Under BLUE_GREEN, LINEAR or CANARY ECS shifts traffic between two target groups through the
// listener rules of each load balancer's advancedConfiguration. A service file without
// loadBalancers leaves the service's own; when those have no alternate target group, say so
// before anything changes (ECS's answer to that UpdateService is its own to give).
void warn_without_alternate_target_group(const aws::EcsService& service,
                                         const std::optional<ProgressiveConfiguration>& p,
                                         const std::string& service_file, const Report& report) {
  if (!p || p->load_balancers || !service.load_balancer_without_alternate) return;
  report("info", "service " + service.name + " has a load balancer without an alternate target " +
                     "group and " + service_file + " gives no loadBalancers: ECS shifts " +
                     std::string(release::to_string(p->strategy.kind)) +
                     " traffic only between two target groups; add loadBalancers[]." +
                     "advancedConfiguration (docs/strategies.md)");
}

// The UpdateService that points the service at a revision (deploy and rollback alike): under a
// strategy, with the file's loadBalancers (their advancedConfiguration) when it gives them.
aws::UpdateServiceInput point_service_at(const ServiceLocation& where,
                                         const std::string& task_definition,
                                         const std::optional<ProgressiveConfiguration>& p) {
  return {.cluster = where.cluster,
          .service = where.service,
          .task_definition = task_definition,
          .desired_count = std::nullopt,
          .force_new_deployment = false,
          .load_balancers = p ? p->load_balancers : std::nullopt};
}

std::string strategy_name(const std::optional<ProgressiveConfiguration>& p) {
  return std::string(
      release::to_string(p ? p->strategy.kind : release::DeploymentStrategyKind::rolling));
}

}  // namespace

release::Outcome outcome_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::in_progress:
      return release::Outcome::in_progress;
    case Verdict::succeeded:
      return release::Outcome::succeeded;
    case Verdict::rolled_back_by_circuit_breaker:
    case Verdict::rolled_back_by_alarm:
      return release::Outcome::rolled_back;
    case Verdict::failed:
      return release::Outcome::failed;
    case Verdict::timed_out:
      return release::Outcome::timed_out;
    case Verdict::superseded:
      return release::Outcome::superseded;
  }
  return release::Outcome::failed;
}

EcsTarget::EcsTarget(aws::Session& session, Report report)
    : session_(session), report_(std::move(report)) {}

aws::EcsService EcsTarget::describe_service(const ServiceLocation& where) {
  if (where.cluster.empty()) {
    throw EcsInputError("no ECS cluster given; set ecs.cluster in slipway.yaml or pass --cluster");
  }
  if (where.service.empty()) {
    throw EcsInputError("no ECS service given; set service in slipway.yaml or pass --service");
  }
  aws::DescribeServicesResult result;
  try {
    result = aws::EcsClient(session_).describe_services(where.cluster, {where.service});
  } catch (const aws::ServiceError& error) {
    if (error.code() == "ClusterNotFoundException") {
      throw EcsInputError("ECS cluster " + where.cluster +
                          " not found; fix ecs.cluster in slipway.yaml or --cluster, or create it "
                          "with terraform apply");
    }
    throw;
  }
  for (const auto& service : result.services) {
    if (service.status != "INACTIVE") return service;
  }
  throw EcsInputError("ECS service " + where.service + " not found in cluster " + where.cluster +
                      "; fix --service (or service in slipway.yaml), or create it with terraform "
                      "apply");
}

std::string EcsTarget::image_digest(const std::string& image) {
  const auto parts = aws::ecr_repository_and_tag(image);
  if (!parts) {
    throw EcsInputError("image " + image + " has no tag; pass --image REPOSITORY:SHA");
  }
  std::optional<aws::EcrImage> found;
  try {
    found = aws::EcrClient(session_).describe_image(parts->first, parts->second);
  } catch (const aws::ServiceError& error) {
    if (error.code() == "RepositoryNotFoundException") {
      throw EcsInputError("ECR repository " + parts->first + " does not exist (image " + image +
                          "); create it (terraform apply) and push the image");
    }
    throw;
  }
  if (!found) {
    throw EcsInputError("image " + image + " not found in ECR repository " + parts->first +
                        "; push it first (docker push " + image + ")");
  }
  return found->digest;
}

std::function<void()> EcsTarget::lock_service(const aws::EcsService& service,
                                              std::chrono::milliseconds hold) {
  aws::EcsClient ecs(session_);
  const auto now = static_cast<std::int64_t>(epoch_seconds());
  const auto tags = ecs.list_tags_for_resource(service.arn);
  if (const auto held = tags.find(std::string(kTagLock)); held != tags.end()) {
    const auto until = held->second.rfind(" until ");
    std::int64_t expires = 0;
    if (until != std::string::npos) {
      expires = std::strtoll(held->second.c_str() + until + 7, nullptr, 10);
    }
    if (expires > now) {
      throw LockedError("service " + service.name + " is locked by " +
                        held->second.substr(0, until) + " for " + std::to_string(expires - now) +
                        " s more (tag " + std::string(kTagLock) +
                        "); wait for that deploy, or remove the tag if it is gone");
    }
  }
  const auto expires = now + std::chrono::duration_cast<std::chrono::seconds>(hold).count() + 1;
  ecs.tag_resource(service.arn, {{std::string(kTagLock),
                                  tag_value(deployer() + " until " + std::to_string(expires))}});
  return [this, arn = service.arn, name = service.name, expires] {
    try {
      aws::EcsClient(session_).untag_resource(arn, {std::string(kTagLock)});
    } catch (const aws::AwsError& error) {
      // AWS refused the release too (credentials expired, a throttling storm): the tag blocks
      // every deploy until it expires, so say how to remove it.
      report_("info", "could not release the lock tag " + std::string(kTagLock) + " of service " +
                          name + ": " + error.what() + "; it expires in " +
                          std::to_string(expires - static_cast<std::int64_t>(epoch_seconds())) +
                          " s, or remove it once AWS answers: aws ecs untag-resource "
                          "--resource-arn " +
                          arn + " --tag-keys " + std::string(kTagLock));
    }
  };
}

void EcsTarget::mark_rolled_back_from(const std::string& current_arn,
                                      const std::vector<EcsRelease>& releases,
                                      const EcsRelease& target) {
  // Only once ECS accepted the move: a refused UpdateService leaves the release serving, and
  // marked bad it would be skipped by every later rollback.
  const auto current = std::find_if(releases.begin(), releases.end(),
                                    [](const auto& release) { return release.current; });
  if (current == releases.end() || current->revision <= target.revision) return;
  try {
    record_outcome(current_arn, release::Outcome::rolled_back,
                   "rolled back to " + short_name(target.arn) + " by slipway");
  } catch (const aws::AwsError& error) {
    // The service moved already: say so and follow it rather than fail the rollback.
    report_("info", "could not tag " + short_name(current_arn) + " rolled_back: " + error.what());
  }
}

void EcsTarget::record_outcome(const std::string& arn, release::Outcome outcome,
                               const std::string& reason) {
  aws::TagMap tags{{std::string(kTagOutcome), std::string(release::to_string(outcome))}};
  tags[std::string(kTagReason)] = tag_value(reason.empty() ? "-" : reason);
  aws::EcsClient(session_).tag_resource(arn, tags);
}

void EcsTarget::print_last_logs(const std::string& task_definition_arn, std::int64_t since_ms,
                                std::size_t lines) {
  if (lines == 0) return;
  try {
    const auto definition =
        aws::EcsClient(session_).describe_task_definition(task_definition_arn, false);
    const auto source = log_source(definition.document);
    if (!source) return;
    aws::FilterLogEventsInput input{.group = source->group,
                                    .stream_prefix = std::nullopt,
                                    .start_time_ms = since_ms,
                                    .pattern = std::nullopt,
                                    .limit = lines};
    if (!source->stream_prefix.empty()) input.stream_prefix = source->stream_prefix + "/";
    const auto events = aws::LogsClient(session_).filter_log_events(input);
    report_("info", "last " + std::to_string(events.size()) + " log lines of " + source->group);
    for (const auto& event : events) report_("log", event.message);
  } catch (const aws::AwsError& error) {
    report_("info", std::string("could not read the log lines: ") + error.what());
  }
}

DeployResult EcsTarget::follow(const ServiceLocation& where, const std::string& task_definition_arn,
                               const std::string& previous, const aws::EcsService& updated,
                               bool wait, const FollowTimeouts& timeouts,
                               std::chrono::milliseconds poll_interval, std::size_t log_lines) {
  DeployResult result;
  result.task_definition_arn = task_definition_arn;
  result.previous_task_definition = previous;
  const aws::EcsDeployment* ours = nullptr;
  for (const auto& deployment : updated.deployments) {
    if (deployment.task_definition == task_definition_arn &&
        (ours == nullptr || deployment.status == "PRIMARY")) {
      ours = &deployment;
    }
  }
  if (ours == nullptr) {
    // Real ECS always starts one; moto only retargets the PRIMARY deployment.
    for (const auto& deployment : updated.deployments) {
      if (deployment.status == "PRIMARY") ours = &deployment;
    }
    if (ours != nullptr) {
      report_("info", "ECS lists no deployment of " + short_name(task_definition_arn) +
                          "; following the PRIMARY deployment " + ours->id);
    }
  }
  if (ours == nullptr) {
    throw EcsError("UpdateService returned no PRIMARY deployment for " + where.service);
  }
  result.deployment_id = ours->id;
  report_("progress", "deployment " + ours->id + " of " + short_name(task_definition_arn) +
                          " started on " + where.cluster + "/" + where.service);
  if (!wait) return result;

  const auto since_ms = epoch_ms() - 60'000;
  const auto started = Clock::now();
  DeploymentFollower follower(
      {.id = ours->id,
       .created_at = ours->created_at > 0 ? ours->created_at : epoch_seconds(),
       .task_definition = task_definition_arn,
       .previous_task_definition = previous},
      timeouts);
  aws::EcsClient ecs(session_);
  int failed_seen = 0;
  std::vector<aws::EcsTask> stopped;
  FollowStep step;
  for (;;) {
    Observation observation;
    observation.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    try {
      observation.service = describe_service(where);
      for (const auto& deployment : observation.service.deployments) {
        if (deployment.id != result.deployment_id || deployment.failed_tasks <= failed_seen) {
          continue;
        }
        failed_seen = deployment.failed_tasks;
        const auto arns = ecs.list_tasks(where.cluster, where.service, "STOPPED");
        stopped.clear();
        for (auto& task : ecs.describe_tasks(where.cluster, arns)) {
          if (task.task_definition == task_definition_arn) stopped.push_back(std::move(task));
        }
      }
      observation.stopped_tasks = stopped;
      for (const auto& group : observation.service.target_group_arns) {
        auto targets = aws::Elbv2Client(session_).describe_target_health(group);
        observation.targets.insert(observation.targets.end(), targets.begin(), targets.end());
      }
      if (!observation.service.alarm_names.empty()) {
        observation.alarms =
            aws::CloudWatchClient(session_).describe_alarms(observation.service.alarm_names);
      }
    } catch (const aws::ServiceError& error) {
      // Throttling and 5xx outlasted the session's retries: this poll says nothing about the
      // deployment; the follower waits a bounded number of such polls. Anything else is ours.
      if (!aws::is_retryable_response(error.status(), error.code())) throw;
      observation = unreadable(observation.elapsed, error.what());
    } catch (const aws::NetworkError& error) {
      observation = unreadable(observation.elapsed, error.what());
    }
    step = follower.observe(observation);
    for (const auto& line : step.lines) report_(kind_of_line(line), line);
    if (step.verdict != Verdict::in_progress) break;
    if (core::wait_for_cancellation(poll_interval)) {
      // The deployment goes on in ECS; only our watch ends (the lock is released on the way out).
      report_("info", "stopped following deployment " + result.deployment_id +
                          "; ECS carries on with it: `slipway status` shows where it is");
      core::throw_if_cancelled("following deployment " + result.deployment_id);
    }
  }
  result.outcome = outcome_of(step.verdict);
  result.reason = step.reason;
  if (step.verdict != Verdict::succeeded) {
    print_last_logs(task_definition_arn, since_ms, log_lines);
  }
  if (step.slipway_must_roll_back) point_back(where, result);
  return result;
}

DeployResult EcsTarget::follow_progressive(
    const ServiceLocation& where, const std::string& task_definition_arn,
    const std::string& previous, const ProgressiveConfiguration& progressive,
    const aws::EcsService& updated, double updated_at, bool wait, const FollowTimeouts& timeouts,
    std::chrono::milliseconds rollout, std::chrono::milliseconds poll_interval,
    std::size_t log_lines) {
  DeployResult result;
  result.task_definition_arn = task_definition_arn;
  result.previous_task_definition = previous;
  result.strategy = std::string(release::to_string(progressive.strategy.kind));
  result.deployment_id = updated.current_service_deployment;
  report_("progress", result.strategy + " deployment " +
                          (result.deployment_id.empty() ? std::string("(to be listed)")
                                                        : result.deployment_id) +
                          " of " + short_name(task_definition_arn) + " started on " +
                          where.cluster + "/" + where.service);
  if (!wait) return result;

  const auto since_ms = epoch_ms() - 60'000;
  const auto run =
      follow_service_deployment(session_, where.cluster, where.service,
                                updated.current_service_deployment, updated_at, updated.alarm_names,
                                {.rollout = rollout,
                                 .bake = timeouts.bake,
                                 .inconclusive_polls = timeouts.inconclusive_polls},
                                poll_interval, report_);
  result.deployment_id = run.arn;
  const auto verdict = to_verdict(run);
  result.outcome = outcome_of(verdict);
  result.reason = run.reason;
  if (verdict != Verdict::succeeded) print_last_logs(task_definition_arn, since_ms, log_lines);
  // ECS's deployment ended SUCCESSFUL and an alarm fired in slipway's bake after it: as on the
  // ROLLING path, point the service back (ECS runs that as a deployment of its own strategy).
  if (run.point_service_back) point_back(where, result);
  return result;
}

void EcsTarget::point_back(const ServiceLocation& where, DeployResult& result) {
  const auto& previous = result.previous_task_definition;
  if (previous.empty() || previous == result.task_definition_arn) return;
  try {
    aws::EcsClient(session_).update_service({.cluster = where.cluster,
                                             .service = where.service,
                                             .task_definition = previous,
                                             .desired_count = std::nullopt,
                                             .force_new_deployment = false,
                                             .load_balancers = std::nullopt});
  } catch (const aws::AwsError& error) {
    // The verdict stands; the caller records it, then fails with what still runs.
    result.restore_error =
        not_pointed_back(error, result.task_definition_arn, result.outcome, previous);
    return;
  }
  result.slipway_rolled_back = true;
  report_("progress", "slipway rolled the service back to " + short_name(previous));
}

void EcsTarget::pin_secret_versions(boost::json::object& document, bool repin) {
  aws::SecretsManagerClient secrets(session_);
  rewrite_value_froms(document, [&](const std::string& value_from) -> std::optional<std::string> {
    const auto reference = parse_secrets_manager_reference(value_from);
    if (!reference || (!repin && !reference->version_id.empty())) return std::nullopt;
    // A pin cleared the stage it was made from: that was AWSCURRENT, or the reference names one.
    const auto stage =
        reference->version_stage.empty() ? std::string("AWSCURRENT") : reference->version_stage;
    const auto description = secrets.describe_secret(reference->secret_arn);
    for (const auto& [version_id, stages] : description.versions) {
      if (std::find(stages.begin(), stages.end(), stage) == stages.end()) continue;
      if (version_id == reference->version_id) return std::nullopt;  // current already
      report_("progress",
              "pinned " +
                  short_name(reference->secret_arn.substr(reference->secret_arn.rfind(':') + 1)) +
                  " to version " + version_id + " (" + stage + ")");
      return pin_version(*reference, version_id);
    }
    throw EcsInputError("secret " + reference->secret_arn + " has no version in stage " + stage +
                        "; put a value first (slipway secrets set)");
  });
}

DeployResult EcsTarget::deploy(const DeployInput& input) {
  const auto calls_before = session_.requests_sent();
  const auto service = describe_service(input.where);
  std::string digest;
  if (input.check_image) digest = image_digest(input.image);
  auto document = render_task_definition(input.spec, input.base_dir, input.image, input.variables,
                                         session_.region());
  if (input.pin_secret_versions) pin_secret_versions(document, false);
  auto result = register_and_follow(
      input, service, document,
      release_tags(commit_of_image(input.image), input.image, digest, deployer(), utc_now()));
  result.api_calls = session_.requests_sent() - calls_before;
  return result;
}

DeployResult EcsTarget::refresh(const DeployInput& input) {
  const auto calls_before = session_.requests_sent();
  const auto service = describe_service(input.where);
  const auto running =
      aws::EcsClient(session_).describe_task_definition(service.task_definition, true);
  auto document = registrable_copy(running.document);
  pin_secret_versions(document, true);
  const auto copied = release_from(running, service.task_definition);
  auto tags = release_tags(copied.commit.empty() ? commit_of_image(copied.image) : copied.commit,
                           copied.image, copied.digest, deployer(), utc_now());
  tags[std::string(kTagRefreshOf)] = std::to_string(running.revision);
  auto input_of_copy = input;
  input_of_copy.image = copied.image;
  auto result = register_and_follow(input_of_copy, service, document, std::move(tags));
  result.api_calls = session_.requests_sent() - calls_before;
  return result;
}

DeployResult EcsTarget::register_and_follow(const DeployInput& input,
                                            const aws::EcsService& service,
                                            const boost::json::object& document, aws::TagMap tags) {
  // Before the lock: a bad strategy in the service file is the spec's one-line error and nothing
  // has changed yet.
  const auto progressive =
      progressive_deployment_configuration(input.spec, input.base_dir, input.variables);
  const auto rolling = progressive ? std::nullopt
                                   : back_to_rolling(service, input.spec, input.base_dir,
                                                     input.variables, input.where.service, report_);
  warn_without_alternate_target_group(service, progressive, input.spec.service_file, report_);
  // The follow's budget: the start and rollout timeouts and the strategy's planned minutes.
  const auto follow_budget = effective_start_timeout(input.timeouts, service) +
                             input.timeouts.rollout + planned_minutes(progressive);
  const auto hold = lock_hold(input.wait, follow_budget, input.timeouts.bake);
  const Unlock unlock{lock_service(service, hold)};
  // A signal that came while the lock was taken: nothing has changed yet, stop here.
  core::throw_if_cancelled("taking the lock of service " + input.where.service +
                           "; nothing was changed");
  tags[std::string(kTagStrategy)] = strategy_name(progressive);
  const auto registered = aws::EcsClient(session_).register_task_definition(document, tags);
  const auto digest = tags.find(std::string(kTagDigest));
  report_("progress", "registered " + short_name(registered.arn) + " for " + input.image +
                          (digest == tags.end() ? "" : " (" + digest->second + ")"));
  // Until UpdateService is accepted the revision never ran: a stop here marks it failed, so the
  // ledger has no release in_progress that the service never pointed at.
  const auto never_deployed = [&](const std::string& why) {
    try {
      record_outcome(registered.arn, release::Outcome::failed, why);
    } catch (const aws::AwsError& error) {
      report_("info", "could not mark " + short_name(registered.arn) + " failed: " + error.what());
    }
  };
  if (core::cancellation_requested()) {
    never_deployed("interrupted before UpdateService; the service was not changed");
    core::throw_if_cancelled("registering " + short_name(registered.arn) +
                             "; the service was not changed");
  }
  const auto update = point_service_at(input.where, registered.arn, progressive);
  // Taken before the call: ECS stamps the deployment it starts no earlier (the listing's filter).
  const auto updated_at = epoch_seconds();
  aws::EcsService updated;
  try {
    if (progressive) {
      updated = aws::EcsServiceDeploymentClient(session_).update_service(
          update, progressive->deployment_configuration);
    } else if (rolling) {
      updated = aws::EcsServiceDeploymentClient(session_).update_service(update, *rolling);
    } else {
      updated = aws::EcsClient(session_).update_service(update);
    }
  } catch (const aws::AwsError& error) {
    // A 5xx or a lost answer may have been applied all the same: judge by what the service
    // runs.
    try {
      if (describe_service(input.where).task_definition != registered.arn) {
        never_deployed(std::string("UpdateService refused: ") + error.what());
      }
    } catch (const std::exception& unreadable) {
      report_("info", "could not read what service " + input.where.service +
                          " runs after UpdateService failed: " + unreadable.what());
    }
    throw;
  }
  auto result =
      progressive
          ? follow_progressive(input.where, registered.arn, service.task_definition, *progressive,
                               updated, updated_at, input.wait, input.timeouts, follow_budget,
                               input.poll_interval, input.log_lines_on_failure)
          : follow(input.where, registered.arn, service.task_definition, updated, input.wait,
                   input.timeouts, input.poll_interval, input.log_lines_on_failure);
  result.strategy = strategy_name(progressive);
  result.image = input.image;
  if (result.outcome != release::Outcome::in_progress) {
    auto reason = result.reason;
    if (!result.restore_error.empty()) {
      reason +=
          "; slipway could not point the service back to " + short_name(service.task_definition);
    }
    try {
      record_outcome(registered.arn, result.outcome, reason);
    } catch (const aws::AwsError& error) {
      // The service is where the verdict left it; only the ledger lags.
      report_("info", "could not record the outcome " +
                          std::string(release::to_string(result.outcome)) + " on " +
                          short_name(registered.arn) + ": " + error.what() +
                          "; `slipway history` shows it in_progress");
    }
  }
  report_("verdict", std::string(release::to_string(result.outcome)) +
                         (result.reason.empty() ? "" : ": " + result.reason));
  if (!result.restore_error.empty()) throw aws::AwsError(result.restore_error);
  return result;
}

DeployResult EcsTarget::rollback(const RollbackInput& input) {
  const auto calls_before = session_.requests_sent();
  const auto service = describe_service(input.where);
  // The service file's strategy runs the rollback as it runs a deploy (a new service deployment
  // of the earlier revision); a bad one refuses before the lock.
  const auto progressive =
      progressive_deployment_configuration(input.spec, input.base_dir, input.variables);
  // ROLLING in the file moves a service left on another strategy back, as a deploy does.
  const auto rolling = progressive ? std::nullopt
                                   : back_to_rolling(service, input.spec, input.base_dir,
                                                     input.variables, input.where.service, report_);
  warn_without_alternate_target_group(service, progressive, input.spec.service_file, report_);
  // The follow's budget: the start and rollout timeouts and the strategy's planned minutes.
  const auto follow_budget = effective_start_timeout(input.timeouts, service) +
                             input.timeouts.rollout + planned_minutes(progressive);
  const auto hold = lock_hold(input.wait, follow_budget, input.timeouts.bake);
  // Before anything else: a rollback must not race a running deploy.
  const Unlock unlock{lock_service(service, hold)};
  const auto family = input.family.empty() ? family_of(service.task_definition) : input.family;
  // Newest first, described lazily: the default target is usually one or two revisions back, so
  // a long history costs nothing until it is needed.
  aws::EcsClient ecs(session_);
  std::vector<EcsRelease> releases{release_from(
      ecs.describe_task_definition(service.task_definition, true), service.task_definition)};
  const auto current_release = releases.front();
  std::optional<EcsRelease> found;
  // --to N or --to family:N names one revision: stop once it is described.
  std::optional<std::int64_t> wanted_revision;
  if (!input.to.empty()) {
    const auto selector = rollback_selector(input.to);
    if (selector.commit_prefix.empty()) wanted_revision = selector.revision;
  }
  for (const auto& arn : ecs.list_task_definitions(family)) {
    if (arn == service.task_definition || family_of(arn) != family) continue;
    releases.push_back(
        release_from(ecs.describe_task_definition(arn, true), service.task_definition));
    const auto& release = releases.back();
    if (input.to.empty() && default_rollback_target(current_release, release)) {
      found = release;  // what choose_rollback_target would pick: the newest such
      break;
    }
    if (wanted_revision && release.revision == *wanted_revision) break;
  }
  std::sort(releases.begin(), releases.end(),
            [](const auto& a, const auto& b) { return a.revision > b.revision; });
  const auto target = found ? *found : choose_rollback_target(releases, input.to);
  DeployResult result;
  result.task_definition_arn = target.arn;
  result.previous_task_definition = service.task_definition;
  result.image = target.image;
  if (target.arn == service.task_definition) {
    report_("verdict", "the service already runs " + short_name(target.arn) + "; nothing to do");
    result.outcome = release::Outcome::succeeded;
    result.api_calls = session_.requests_sent() - calls_before;
    return result;
  }
  report_("progress", "rolling back " + input.where.service + " from " +
                          short_name(service.task_definition) + " to " + short_name(target.arn) +
                          (target.commit.empty() ? "" : " (commit " + target.commit + ")"));
  core::throw_if_cancelled("choosing the release to roll back to; nothing was changed");
  // Rolling back from a release marks it bad, so the next rollback does not return to it; a
  // move to a newer revision (roll forward with --to) judges nothing.
  const auto update = point_service_at(input.where, target.arn, progressive);
  const auto updated_at = epoch_seconds();
  const auto updated =
      progressive ? aws::EcsServiceDeploymentClient(session_).update_service(
                        update, progressive->deployment_configuration)
      : rolling ? aws::EcsServiceDeploymentClient(session_).update_service(update, *rolling)
                : aws::EcsClient(session_).update_service(update);
  mark_rolled_back_from(service.task_definition, releases, target);
  // No automatic "rollback of the rollback": the revision we leave is the bad one.
  result = progressive ? follow_progressive(input.where, target.arn, "", *progressive, updated,
                                            updated_at, input.wait, input.timeouts, follow_budget,
                                            input.poll_interval, 20)
                       : follow(input.where, target.arn, "", updated, input.wait, input.timeouts,
                                input.poll_interval, 20);
  result.strategy = strategy_name(progressive);
  result.previous_task_definition = service.task_definition;
  result.image = target.image;
  report_("verdict", std::string(release::to_string(result.outcome)) +
                         (result.reason.empty() ? "" : ": " + result.reason));
  result.api_calls = session_.requests_sent() - calls_before;
  return result;
}

std::vector<EcsRelease> EcsTarget::history(const ServiceLocation& where, const std::string& family,
                                           std::size_t limit) {
  const auto service = describe_service(where);
  const auto name = family.empty() ? family_of(service.task_definition) : family;
  aws::EcsClient ecs(session_);
  auto arns = ecs.list_task_definitions(name);
  // familyPrefix is a prefix: "app" also lists "app-worker".
  std::erase_if(arns, [&](const std::string& arn) { return family_of(arn) != name; });
  if (arns.size() > limit) arns.resize(limit);
  std::vector<EcsRelease> releases;
  for (const auto& arn : arns) {
    releases.push_back(
        release_from(ecs.describe_task_definition(arn, true), service.task_definition));
  }
  std::sort(releases.begin(), releases.end(),
            [](const auto& a, const auto& b) { return a.revision > b.revision; });
  return releases;
}

CleanupResult EcsTarget::cleanup(const ServiceLocation& where, const std::string& family,
                                 std::size_t keep_good, bool dry_run) {
  const auto service = describe_service(where);
  const auto releases = history(where, family, SIZE_MAX);
  std::set<std::string> in_use{service.task_definition};
  for (const auto& deployment : service.deployments) in_use.insert(deployment.task_definition);
  CleanupResult result;
  result.deregistered = cleanup_candidates(releases, keep_good, in_use);
  for (const auto& release : releases) {
    if (std::find(result.deregistered.begin(), result.deregistered.end(), release.arn) ==
        result.deregistered.end()) {
      result.kept.push_back(release.arn);
    }
  }
  if (!dry_run) {
    aws::EcsClient ecs(session_);
    for (const auto& arn : result.deregistered) {
      ecs.deregister_task_definition(arn);
      report_("progress", "deregistered " + short_name(arn));
    }
  }
  return result;
}

std::vector<DiffLine> EcsTarget::diff(const DeployInput& input) {
  const auto service = describe_service(input.where);
  const auto current =
      aws::EcsClient(session_).describe_task_definition(service.task_definition, false);
  const auto next = render_task_definition(input.spec, input.base_dir, input.image, input.variables,
                                           session_.region());
  return diff_task_definitions(current.document, next);
}

std::vector<VerifyCheck> EcsTarget::verify(const DeployInput& input,
                                           const std::string& target_group_arn) {
  std::vector<VerifyCheck> checks;
  std::optional<aws::EcsService> service;
  try {
    service = describe_service(input.where);
    checks.push_back({"service", true, input.where.cluster + "/" + input.where.service});
  } catch (const EcsInputError& error) {
    checks.push_back({"service", false, error.what()});
  }
  try {
    const auto digest = image_digest(input.image);
    checks.push_back({"image", true, input.image + " " + digest});
  } catch (const EcsInputError& error) {
    checks.push_back({"image", false, error.what()});
  }
  const auto document = render_task_definition(input.spec, input.base_dir, input.image,
                                               input.variables, session_.region());
  std::string execution_role;
  if (const auto* role = document.if_contains("executionRoleArn"); role && role->is_string()) {
    execution_role = std::string(role->as_string());
  }
  for (const auto& problem : hardening_problems(document)) {
    checks.push_back({"hardening:" + problem.container, false,
                      "container " + problem.container + " " + problem.problem});
  }
  if (checks.end() == std::find_if(checks.begin(), checks.end(), [](const VerifyCheck& check) {
        return check.name.starts_with("hardening:");
      })) {
    checks.push_back(
        {"hardening", true, "non-root user, read-only root filesystem, no capabilities"});
  }
  // The execution role's policies, read once: may it fetch every secret and write the logs?
  std::optional<std::vector<std::string>> role_documents;
  if (!execution_role.empty()) {
    try {
      role_documents = aws::IamClient(session_).role_policy_documents(
          execution_role.substr(execution_role.rfind('/') + 1));
    } catch (const aws::ServiceError& error) {
      if (error.code() != "NoSuchEntity") throw;
    }
  }
  const auto readable =
      secrets_readable_by(execution_role, role_documents, secret_value_froms(document));
  checks.insert(checks.end(), readable.begin(), readable.end());
  if (const auto source = log_source(document)) {
    const bool exists = aws::LogsClient(session_).log_group_exists(source->group);
    checks.push_back({"log-group", exists,
                      exists ? source->group
                             : "log group " + source->group +
                                   " does not exist; create it (terraform apply) or fix "
                                   "awslogs-group in the task definition"});
    if (exists) checks.push_back(log_group_writable_by(execution_role, role_documents, *source));
  } else {
    checks.push_back({"log-group", false,
                      "no awslogs logConfiguration in the task definition; add one so task logs "
                      "reach CloudWatch"});
  }
  if (service) {
    const auto& groups = service->target_group_arns;
    if (groups.empty()) {
      checks.push_back({"target-group", false,
                        "service " + input.where.service +
                            " has no load balancer target group; attach one (ecs_service module)"});
    } else if (!target_group_arn.empty() &&
               std::find(groups.begin(), groups.end(), target_group_arn) == groups.end()) {
      checks.push_back({"target-group", false,
                        "target group " + target_group_arn + " is not attached to service " +
                            input.where.service});
    } else {
      checks.push_back({"target-group", true, groups.front()});
    }
  }
  return checks;
}

namespace {

// "arn:aws:iam::ACCOUNT:role/NAME" -> ACCOUNT
std::string account_of(const std::string& role_arn) {
  const auto parts = role_arn.find("::");
  if (parts == std::string::npos) return "";
  return role_arn.substr(parts + 2, role_arn.find(':', parts + 2) - parts - 2);
}

}  // namespace

VerifyCheck EcsTarget::log_group_writable_by(
    const std::string& role_arn, const std::optional<std::vector<std::string>>& documents,
    const LogSource& source) {
  if (role_arn.empty() || !documents) {
    return {"log-group-write", false,
            "no execution role (or it does not exist) to write log group " + source.group +
                "; set executionRoleArn to the role Terraform made"};
  }
  const auto role_name = role_arn.substr(role_arn.rfind('/') + 1);
  const auto stream = "arn:aws:logs:" + session_.region() + ":" + account_of(role_arn) +
                      ":log-group:" + source.group + ":log-stream:" +
                      (source.stream_prefix.empty() ? "x" : source.stream_prefix + "/x");
  for (const auto* action : {"logs:CreateLogStream", "logs:PutLogEvents"}) {
    if (!policies_allow(*documents, action, stream)) {
      return {"log-group-write", false,
              "execution role " + role_name + " may not " + action + " on " + stream +
                  "; point awslogs-group at the service's log group (Terraform's LOG_GROUP) or "
                  "grant it (ecs_service module)"};
    }
  }
  return {"log-group-write", true, role_name + " may write " + source.group};
}

std::vector<VerifyCheck> EcsTarget::secrets_readable_by(
    const std::string& role_arn, const std::optional<std::vector<std::string>>& role_documents,
    const std::vector<std::string>& value_froms) {
  std::vector<VerifyCheck> checks;
  if (value_froms.empty()) return checks;
  if (role_arn.empty()) {
    checks.push_back({"secrets", false,
                      "the task definition has secrets but no executionRoleArn; ECS needs an "
                      "execution role to fetch them"});
    return checks;
  }
  const auto role_name = role_arn.substr(role_arn.rfind('/') + 1);
  if (!role_documents) {
    checks.push_back({"secrets", false,
                      "execution role " + role_arn +
                          " does not exist; create it (terraform "
                          "apply) or fix executionRoleArn"});
    return checks;
  }
  const auto& documents = *role_documents;
  const auto account = account_of(role_arn);
  for (const auto& value_from : value_froms) {
    std::string action;
    std::string resource;
    if (const auto reference = parse_secrets_manager_reference(value_from)) {
      action = "secretsmanager:GetSecretValue";
      resource = reference->secret_arn;
    } else if (value_from.starts_with("arn:") && value_from.find(":ssm:") != std::string::npos) {
      action = "ssm:GetParameters";
      resource = value_from;
    } else if (value_from.find("://") != std::string::npos || value_from.starts_with("arn:")) {
      checks.push_back({"secret:" + value_from, false,
                        "valueFrom " + value_from +
                            " is neither a Secrets Manager ARN nor an SSM parameter; ECS cannot "
                            "inject it (set the *_FROM variable to the secret's ARN)"});
      continue;
    } else {
      action = "ssm:GetParameters";
      auto name = value_from.starts_with('/') ? value_from.substr(1) : value_from;
      resource = "arn:aws:ssm:" + session_.region() + ":" + account + ":parameter/" + name;
    }
    const bool allowed = policies_allow(documents, action, resource);
    checks.push_back({"secret:" + resource.substr(resource.rfind(':') + 1), allowed,
                      allowed ? role_name + " may " + action + " on " + resource
                              : "execution role " + role_name + " may not " + action + " on " +
                                    resource + "; add it to the role's policy (secrets module)"});
  }
  return checks;
}

ServiceStatus EcsTarget::status(const ServiceLocation& where) {
  ServiceStatus status;
  status.service = describe_service(where);
  aws::EcsClient ecs(session_);
  const auto arns = ecs.list_tasks(where.cluster, where.service, "RUNNING");
  if (!arns.empty()) status.tasks = ecs.describe_tasks(where.cluster, arns);
  for (const auto& group : status.service.target_group_arns) {
    auto targets = aws::Elbv2Client(session_).describe_target_health(group);
    status.targets.insert(status.targets.end(), targets.begin(), targets.end());
  }
  if (!status.service.alarm_names.empty()) {
    status.alarms = aws::CloudWatchClient(session_).describe_alarms(status.service.alarm_names);
  }
  const auto& strategy = status.service.deployment_strategy;
  if (status.service.current_service_deployment.empty() &&
      (strategy.empty() || strategy == "ROLLING")) {
    return status;  // a ROLLING service: its deployments above say it all
  }
  // Where a BLUE_GREEN, LINEAR or CANARY deployment is (stage, traffic split): its own read.
  // A deployer without the ServiceDeployment permissions still sees the rest.
  try {
    aws::EcsServiceDeploymentClient deployments(session_);
    auto arn = status.service.current_service_deployment;
    if (arn.empty()) {
      const auto listed = deployments.list(where.cluster, where.service, 0);
      if (!listed.empty()) arn = listed.front().arn;  // ECS lists the newest first
    }
    if (!arn.empty()) {
      auto described = deployments.describe(arn);
      if (!described.arn.empty()) status.service_deployment = std::move(described);
    }
  } catch (const aws::AwsError& error) {
    status.service_deployment_error = error.what();
  }
  return status;
}

std::vector<std::string> EcsTarget::logs(const ServiceLocation& where, std::size_t limit,
                                         std::int64_t since_ms) {
  const auto service = describe_service(where);
  const auto definition =
      aws::EcsClient(session_).describe_task_definition(service.task_definition, false);
  const auto source = log_source(definition.document);
  if (!source) {
    throw EcsInputError("task definition " + short_name(service.task_definition) +
                        " has no awslogs logConfiguration; nothing to read");
  }
  aws::FilterLogEventsInput input{.group = source->group,
                                  .stream_prefix = std::nullopt,
                                  .start_time_ms = since_ms,
                                  .pattern = std::nullopt,
                                  .limit = limit};
  if (!source->stream_prefix.empty()) input.stream_prefix = source->stream_prefix + "/";
  std::vector<std::string> lines;
  for (const auto& event : aws::LogsClient(session_).filter_log_events(input)) {
    lines.push_back(event.message);
  }
  return lines;
}

}  // namespace slipway::targets::ecs
