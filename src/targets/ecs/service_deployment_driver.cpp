#include "targets/ecs/service_deployment_driver.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/cloudwatch.hpp"
#include "aws/ecs_service_deployments.hpp"
#include "aws/errors.hpp"
#include "aws/retry.hpp"
#include "core/cancellation.hpp"
#include "core/env.hpp"
#include "release/deployment_strategy.hpp"
#include "release/errors.hpp"
#include "release/template.hpp"
#include "release/workload.hpp"
#include "targets/ecs/traffic_shift_load_balancers.hpp"

namespace slipway::targets::ecs {

namespace {

// The strategy a rendered service file names, with its configuration; nullopt under ROLLING.
std::optional<ProgressiveConfiguration> strategy_of(const boost::json::value& document,
                                                    const std::string& file) {
  const auto* configuration =
      document.is_object() ? document.as_object().if_contains("deploymentConfiguration") : nullptr;
  if (configuration == nullptr || !configuration->is_object()) return std::nullopt;
  auto strategy = release::read_deployment_strategy(configuration->as_object(), file,
                                                    "deploymentConfiguration");
  if (strategy.kind == release::DeploymentStrategyKind::rolling) return std::nullopt;
  return ProgressiveConfiguration{
      .strategy = std::move(strategy),
      .deployment_configuration = configuration->as_object(),
      .load_balancers = read_traffic_shift_load_balancers(document.as_object(), file)};
}

// The service file's text; nullopt when there is none (ECS runs the service Terraform made: it
// keeps its own configuration).
std::optional<std::string> service_file_text(const release::ServiceSpec& spec,
                                             const std::string& base_dir) {
  const auto& file = spec.service_file;
  auto path = std::filesystem::path(file).is_absolute() ? std::filesystem::path(file)
                                                        : std::filesystem::path(base_dir) / file;
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  if (!in) throw release::SpecError(file + ": cannot read it; create it or fix slipway.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// As for the task definition: the spec's service name is ${SERVICE}'s default.
release::VariableLookup service_file_lookup(const release::ServiceSpec& spec,
                                            std::map<std::string, std::string> variables) {
  if (!variables.contains("SERVICE") && !core::env_string("SERVICE")) {
    variables["SERVICE"] = spec.service;
  }
  return release::extra_then_environment(std::move(variables));
}

// The structured `stage` event: where the deployment stands and the traffic split it asks for
// (the revisions' fields as `slipway status --output json` names them).
boost::json::object stage_fields(const aws::ServiceDeployment& d) {
  auto revision = [](const aws::ServiceRevisionSummary& r) {
    return boost::json::object{
        {"arn", r.arn},
        {"production_traffic_percent", r.requested_production_traffic_weight},
        {"test_traffic_percent", r.requested_test_traffic_weight}};
  };
  boost::json::array sources;
  for (const auto& r : d.source_revisions) sources.push_back(revision(r));
  return {{"stage", d.lifecycle_stage},
          {"strategy", d.strategy},
          {"status", d.status},
          {"deployment", d.arn},
          {"traffic",
           {{"target_revision", revision(d.target_revision)},
            {"source_revisions", std::move(sources)}}}};
}

// The follower's changed lines: the stage and traffic-split lines as one `stage` event (text:
// the same lines as before), every other line as `deployment`.
void report_lines(const ServiceDeploymentStep& step, const ServiceDeploymentPoll& poll,
                  const Report& report) {
  std::string stage_text;
  for (const auto& line : step.lines) {
    if (is_stage_line(line) && poll.ours) {
      stage_text += (stage_text.empty() ? "" : "\n") + line;
    }
  }
  bool stage_reported = false;
  for (const auto& line : step.lines) {
    if (stage_text.empty() || !is_stage_line(line)) {
      report("deployment", line);
    } else if (!stage_reported) {
      report("stage", stage_text, stage_fields(*poll.ours));
      stage_reported = true;
    }
  }
}

}  // namespace

std::optional<boost::json::object> explicit_rolling_configuration(
    const release::ServiceSpec& spec, const std::string& base_dir,
    std::map<std::string, std::string> variables) {
  const auto& file = spec.service_file;
  const auto text = service_file_text(spec, base_dir);
  if (!text) return std::nullopt;
  boost::json::value document;
  try {
    document = release::parse_json_document(
        release::render_template(*text, service_file_lookup(spec, std::move(variables)), file),
        file);
  } catch (const release::SpecError&) {
    return std::nullopt;  // not rendered in full: nothing safe to send
  }
  const auto* configuration =
      document.is_object() ? document.as_object().if_contains("deploymentConfiguration") : nullptr;
  if (configuration == nullptr || !configuration->is_object()) return std::nullopt;
  const auto* strategy = configuration->as_object().if_contains("strategy");
  if (strategy == nullptr || !strategy->is_string() || strategy->as_string() != "ROLLING") {
    return std::nullopt;
  }
  return configuration->as_object();
}

std::optional<ProgressiveConfiguration> progressive_deployment_configuration(
    const release::ServiceSpec& spec, const std::string& base_dir,
    std::map<std::string, std::string> variables) {
  const auto& file = spec.service_file;
  const auto source = service_file_text(spec, base_dir);
  if (!source) return std::nullopt;
  const auto& text = *source;
  const auto lookup = service_file_lookup(spec, std::move(variables));
  // The ECS target never needed the rest of the file (Terraform made the service), so a ${VAR}
  // only Terraform knows must not stop a ROLLING deploy: a first reading puts 0 (valid JSON as a
  // string's text and as a number) for every unset variable; only when that leaves the strategy
  // in doubt or names another than ROLLING must the file render in full.
  bool unset = false;
  const auto lenient = release::render_template(
      text,
      [&](const std::string& name) -> std::optional<std::string> {
        auto value = lookup(name);
        if (value) return value;
        unset = true;
        return "0";
      },
      file);
  if (!unset) return strategy_of(release::parse_json_document(lenient, file), file);
  std::optional<std::string> rendered;
  try {
    rendered = release::render_template(text, lookup, file);
  } catch (const release::SpecError&) {
    bool rolling = false;
    try {
      rolling = !strategy_of(release::parse_json_document(lenient, file), file);
    } catch (const release::SpecError&) {
      // The strategy cannot be read without the unset variable: that variable is the error.
    }
    if (rolling) return std::nullopt;
    throw;
  }
  return strategy_of(release::parse_json_document(*rendered, file), file);
}

ServiceDeploymentRun follow_service_deployment(aws::Session& session, const std::string& cluster,
                                               const std::string& service, const std::string& arn,
                                               double updated_at,
                                               const std::vector<std::string>& alarm_names,
                                               const ServiceDeploymentTimeouts& timeouts,
                                               std::chrono::milliseconds poll_interval,
                                               const Report& report) {
  using Clock = std::chrono::steady_clock;
  ServiceDeploymentFollower follower(arn, updated_at, timeouts);
  aws::EcsServiceDeploymentClient deployments(session);
  const auto started = Clock::now();
  ServiceDeploymentStep step;
  for (;;) {
    ServiceDeploymentPoll poll;
    poll.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    try {
      // A second of slack: ECS's clock stamps createdAt, ours took updated_at.
      poll.listed = deployments.list(cluster, service, updated_at - 1);
      auto followed = follower.arn();
      if (followed.empty()) {
        for (auto it = poll.listed.rbegin(); it != poll.listed.rend(); ++it) {
          if (it->created_at >= updated_at) {
            followed = it->arn;
            break;
          }
        }
      }
      if (!followed.empty()) {
        auto described = deployments.describe(followed);
        if (!described.arn.empty()) poll.ours = std::move(described);
      }
      if (!alarm_names.empty()) {
        poll.alarms = aws::CloudWatchClient(session).describe_alarms(alarm_names);
      }
    } catch (const aws::ServiceError& error) {
      // Throttling and 5xx outlasted the session's retries: this poll says nothing.
      if (!aws::is_retryable_response(error.status(), error.code())) throw;
      poll = {.elapsed = poll.elapsed,
              .ours = {},
              .listed = {},
              .alarms = {},
              .unavailable = error.what()};
    } catch (const aws::NetworkError& error) {
      poll = {.elapsed = poll.elapsed,
              .ours = {},
              .listed = {},
              .alarms = {},
              .unavailable = error.what()};
    }
    step = follower.observe(poll);
    report_lines(step, poll, report);
    if (step.stop_with_rollback) {
      deployments.stop_with_rollback(follower.arn());
      report("progress",
             "asked ECS to roll back " + follower.arn() + " (StopServiceDeployment ROLLBACK)");
    }
    if (step.verdict != ServiceDeploymentVerdict::in_progress) break;
    if (core::wait_for_cancellation(poll_interval)) {
      report("info", "stopped following " + follower.arn() +
                         "; ECS carries on with it: `slipway status` shows where it is");
      core::throw_if_cancelled("following service deployment " + follower.arn());
    }
  }
  return {.verdict = step.verdict,
          .cause = step.cause,
          .reason = step.reason,
          .arn = follower.arn(),
          .point_service_back = step.point_service_back};
}

Verdict to_verdict(const ServiceDeploymentRun& run) {
  switch (run.verdict) {
    case ServiceDeploymentVerdict::in_progress:
      return Verdict::in_progress;
    case ServiceDeploymentVerdict::succeeded:
      return Verdict::succeeded;
    case ServiceDeploymentVerdict::rolled_back:
      return run.cause == RollbackCause::alarm || run.cause == RollbackCause::slipway_alarm
                 ? Verdict::rolled_back_by_alarm
                 : Verdict::rolled_back_by_circuit_breaker;
    case ServiceDeploymentVerdict::failed:
      return Verdict::failed;
    case ServiceDeploymentVerdict::timed_out:
      return Verdict::timed_out;
    case ServiceDeploymentVerdict::superseded:
      return Verdict::superseded;
  }
  return Verdict::failed;
}

}  // namespace slipway::targets::ecs
