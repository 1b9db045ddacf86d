#include "targets/ecs/ecs_release_target.hpp"

#include <boost/json.hpp>

#include "core/errors.hpp"

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
  return out;
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
