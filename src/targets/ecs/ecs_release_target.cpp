#include "targets/ecs/ecs_release_target.hpp"

#include <boost/json.hpp>

#include "aws/ecs.hpp"
#include "core/errors.hpp"
#include "core/redaction.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::targets::ecs {
namespace json = boost::json;
namespace {

// "arn:...:task-definition/app:8" -> 8
std::int64_t revision_of(const std::string& arn) {
  const auto colon = arn.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::strtoll(arn.c_str() + colon + 1, nullptr, 10);
}

std::string short_name(const std::string& arn) {
  return arn.substr(arn.rfind('/') + 1);
}

std::optional<release::Outcome> outcome_named(const std::string& tag) {
  try {
    return release::outcome_from_string(tag);
  } catch (const core::Error&) {
    return std::nullopt;  // no tag, or one slipway did not write
  }
}

// The containers' secrets of a task definition document as written (valueFrom may pin a version).
std::vector<release::SecretRef> secrets_of(const json::object& task_definition) {
  std::vector<release::SecretRef> out;
  const auto* containers = task_definition.if_contains("containerDefinitions");
  if (!containers || !containers->is_array()) return out;
  for (const auto& container : containers->as_array()) {
    const auto* secrets =
        container.is_object() ? container.as_object().if_contains("secrets") : nullptr;
    if (!secrets || !secrets->is_array()) continue;
    for (const auto& secret : secrets->as_array()) {
      const auto* name = secret.is_object() ? secret.as_object().if_contains("name") : nullptr;
      const auto* from = secret.is_object() ? secret.as_object().if_contains("valueFrom") : nullptr;
      if (name && from && name->is_string() && from->is_string()) {
        out.push_back({std::string(name->as_string()), std::string(from->as_string())});
      }
    }
  }
  return out;
}

// The version a task of this reference was started with: the id it pins; "" when it follows a
// stage (ECS fetched whatever the stage held at the task's start, which nothing records).
std::string pinned_version(const std::string& value_from) {
  const auto reference = parse_secrets_manager_reference(value_from);
  return reference ? reference->version_id : "";
}

// The reference a pinned one was made from: the stage it follows (AWSCURRENT unless it named
// another), so "current" is what a new deploy would pin now.
std::string followed_reference(const std::string& value_from) {
  const auto reference = parse_secrets_manager_reference(value_from);
  if (!reference || reference->version_id.empty()) return value_from;
  return reference->json_key.empty() ? reference->secret_arn
                                     : reference->secret_arn + ":" + reference->json_key + "::";
}

}  // namespace

EcsReleaseTarget::EcsReleaseTarget(const aws::SessionOptions& session, EcsReleaseSettings settings,
                                   Report report)
    : session_(session), target_(session_, std::move(report)), settings_(std::move(settings)) {}

DeployInput EcsReleaseTarget::deploy_input(const std::string& image) const {
  DeployInput input;
  input.where = settings_.where;
  input.spec = settings_.spec;
  input.base_dir = settings_.base_dir;
  input.image = image;
  input.variables = settings_.variables;
  input.check_image = settings_.check_image;
  input.pin_secret_versions = settings_.pin_secret_versions;
  input.wait = settings_.wait;
  input.timeouts = settings_.timeouts;
  input.poll_interval = settings_.poll_interval;
  input.log_lines_on_failure = settings_.log_lines_on_failure;
  return input;
}

release::RolloutReport EcsReleaseTarget::report_of(const DeployResult& result) const {
  release::RolloutReport report;
  report.status = result.outcome;
  report.revision = revision_of(result.task_definition_arn);
  report.image = result.image;
  report.reason = result.reason;
  report.details = {{"task_definition", result.task_definition_arn},
                    {"previous_task_definition", result.previous_task_definition},
                    {"deployment_id", result.deployment_id},
                    {"strategy", result.strategy},
                    {"slipway_rolled_back", result.slipway_rolled_back},
                    {"api_calls", session_.requests_sent()}};
  return report;
}

release::RolloutReport EcsReleaseTarget::deploy(const std::string& image) {
  return report_of(target_.deploy(deploy_input(image)));
}

release::RolloutReport EcsReleaseTarget::rollback(const std::optional<std::string>& to) {
  RollbackInput input;
  input.where = settings_.where;
  input.family = settings_.family;
  input.to = to.value_or("");
  input.spec = settings_.spec;
  input.base_dir = settings_.base_dir;
  input.variables = settings_.variables;
  input.wait = settings_.wait;
  input.timeouts = settings_.timeouts;
  input.poll_interval = settings_.poll_interval;
  return report_of(target_.rollback(input));
}

std::vector<release::ReleaseRecord> EcsReleaseTarget::history(std::size_t limit) {
  std::vector<release::ReleaseRecord> records;
  for (const auto& r : target_.history(settings_.where, settings_.family, limit)) {
    records.push_back({.revision = r.revision,
                       .commit = r.commit,
                       .image = r.image,
                       .digest = r.digest,
                       .who = r.deployed_by,
                       .when = r.deployed_at,
                       .outcome = outcome_named(r.outcome),
                       .reason = r.reason,
                       .current = r.current,
                       .details = {{"arn", r.arn}, {"strategy", r.strategy}}});
    if (r.refresh_of > 0) records.back().details["refresh_of"] = r.refresh_of;
  }
  return records;
}

release::StatusReport EcsReleaseTarget::status() {
  const auto status = target_.status(settings_.where);
  const auto& s = status.service;
  release::StatusReport out;
  auto& document = out.document;
  document["service"] = s.name;
  document["status"] = s.status;
  document["task_definition"] = s.task_definition;
  document["desired"] = s.desired_count;
  document["running"] = s.running_count;
  document["pending"] = s.pending_count;
  json::array deployments;
  for (const auto& d : s.deployments) {
    deployments.push_back({{"id", d.id},
                           {"status", d.status},
                           {"rollout_state", d.rollout_state},
                           {"task_definition", d.task_definition},
                           {"running", d.running_count},
                           {"desired", d.desired_count},
                           {"failed_tasks", d.failed_tasks}});
  }
  document["deployments"] = std::move(deployments);
  document["tasks"] = status.tasks.size();
  json::array targets;
  for (const auto& t : status.targets) targets.push_back({{"id", t.id}, {"state", t.state}});
  document["targets"] = std::move(targets);
  json::array alarms;
  for (const auto& a : status.alarms) alarms.push_back({{"name", a.name}, {"state", a.state}});
  document["alarms"] = std::move(alarms);

  out.lines.push_back(s.name + " " + s.status + " " + short_name(s.task_definition) + " running " +
                      std::to_string(s.running_count) + "/" + std::to_string(s.desired_count) +
                      ", pending " + std::to_string(s.pending_count));
  for (const auto& d : s.deployments) {
    out.lines.push_back("deployment " + d.id + " " + d.status + " " + d.rollout_state + " " +
                        short_name(d.task_definition) + " running " +
                        std::to_string(d.running_count) + "/" + std::to_string(d.desired_count) +
                        ", failed " + std::to_string(d.failed_tasks));
  }
  for (const auto& t : status.targets) {
    out.lines.push_back("target " + t.id + ":" + t.port + " " + t.state);
  }
  for (const auto& a : status.alarms) out.lines.push_back("alarm " + a.name + " " + a.state);
  if (const auto& d = status.service_deployment) {
    auto revision = [](const aws::ServiceRevisionSummary& r) {
      return json::object{{"arn", r.arn},
                          {"production_traffic_percent", r.requested_production_traffic_weight},
                          {"test_traffic_percent", r.requested_test_traffic_weight},
                          {"running", r.running_task_count},
                          {"requested", r.requested_task_count}};
    };
    json::array sources;
    for (const auto& r : d->source_revisions) sources.push_back(revision(r));
    document["service_deployment"] = {{"arn", d->arn},
                                      {"strategy", d->strategy},
                                      {"status", d->status},
                                      {"stage", d->lifecycle_stage},
                                      {"target_revision", revision(d->target_revision)},
                                      {"source_revisions", std::move(sources)}};
    out.lines.push_back(
        "service deployment " + short_name(d->arn) + " " + d->strategy + " " + d->status + " at " +
        (d->lifecycle_stage.empty() ? "-" : d->lifecycle_stage) + ", " + traffic_split(*d));
  } else if (!status.service_deployment_error.empty()) {
    document["service_deployment"] = {{"error", status.service_deployment_error}};
    out.lines.push_back("service deployment unreadable: " + status.service_deployment_error);
  }
  if (settings_.current_versions) {
    release::SecretsStatus secrets;
    try {
      secrets = secrets_status(status);
    } catch (const std::exception& e) {
      // The rest of the status stands: a deleted secret or an unreadable store is one line.
      secrets = release::secrets_status_unknown(core::redact(e.what()));
    }
    document["secrets"] = std::move(secrets.document);
    out.lines.insert(out.lines.end(), secrets.lines.begin(), secrets.lines.end());
  }
  return out;
}

release::SecretsStatus EcsReleaseTarget::secrets_status(const ServiceStatus& status) {
  aws::EcsClient ecs(session_);
  std::map<std::string, std::vector<release::SecretRef>> secrets_by_definition;
  auto secrets_of_definition = [&](const std::string& arn) -> const auto& {
    auto found = secrets_by_definition.find(arn);
    if (found == secrets_by_definition.end()) {
      found = secrets_by_definition
                  .emplace(arn, secrets_of(ecs.describe_task_definition(arn, false).document))
                  .first;
    }
    return found->second;
  };
  // What the service runs now decides which secrets there are and what they follow.
  auto references = secrets_of_definition(status.service.task_definition);
  if (references.empty()) return {.document = {{"secrets", json::array{}}}, .lines = {}};
  for (auto& ref : references) ref.value_from = followed_reference(ref.value_from);
  const auto now = settings_.current_versions(references);
  std::vector<release::SecretHolder> holders;
  auto holder_of = [&](const std::string& name, const std::string& task_definition) {
    release::SecretHolder holder{name, {}};
    for (const auto& ref : secrets_of_definition(task_definition)) {
      holder.running[ref.name] = pinned_version(ref.value_from);
    }
    holders.push_back(std::move(holder));
  };
  for (const auto& task : status.tasks) {
    holder_of(short_name(task.arn) + " (" + short_name(task.task_definition) + ")",
              task.task_definition);
  }
  // No task listed (starting, or an ECS that records services without running them): what
  // each deployment's tasks, and the service's own revision, start with.
  if (status.tasks.empty()) {
    bool service_revision_listed = false;
    for (const auto& d : status.service.deployments) {
      holder_of("deployment " + d.id + " (" + short_name(d.task_definition) + ")",
                d.task_definition);
      service_revision_listed =
          service_revision_listed || d.task_definition == status.service.task_definition;
    }
    // moto moves a service to a new revision without a deployment entry for it.
    if (!service_revision_listed) {
      holder_of("service (" + short_name(status.service.task_definition) + ")",
                status.service.task_definition);
    }
  }
  return release::secrets_status(references, holders, now, settings_.spec.secrets.reloaded_by_app,
                                 "task");
}

release::RolloutReport EcsReleaseTarget::refresh() {
  if (!settings_.current_versions) throw core::InputError("no secret store is configured");
  const auto status = target_.status(settings_.where);
  release::SecretsStatus secrets;
  try {
    secrets = secrets_status(status);
  } catch (const core::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw core::InputError(core::redact(e.what()) + "; nothing was refreshed");
  }
  if (!secrets.any_stale) {
    release::RolloutReport report;
    report.revision = revision_of(status.service.task_definition);
    report.reason =
        "nothing stale: every task runs the current version of each secret it "
        "reads at start";
    report.details = {{"refreshed", false}, {"task_definition", status.service.task_definition}};
    return report;
  }
  // A copy of the revision the service runs (its image, environment and settings, whatever
  // --var the deploy was given), every secret pinned to its current version: a new revision
  // ECS starts fresh tasks of, followed (and rolled back) like a deploy.
  const auto result = target_.refresh(deploy_input(""));
  auto report = report_of(result);
  report.details["refreshed"] = true;
  report.details["refresh_of"] = revision_of(result.previous_task_definition);
  return report;
}

std::vector<std::string> EcsReleaseTarget::logs(std::size_t lines) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return target_.logs(settings_.where, lines == 0 ? 50 : lines,
                      now_ms - settings_.logs_since.count());
}

void EcsReleaseTarget::follow_logs(std::size_t, const std::function<void(const std::string&)>&) {
  throw core::InputError(
      "logs --follow is not available on the ecs target: use `slipway ecs logs --since 5m` "
      "and run it again");
}

}  // namespace slipway::targets::ecs
