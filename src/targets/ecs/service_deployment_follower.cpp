#include "targets/ecs/service_deployment_follower.hpp"

#include <algorithm>
#include <cstdio>

namespace slipway::targets::ecs {
namespace {

std::string percent(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
  return buffer;
}

// "service-revision/app/7" from an ARN, enough to tell revisions apart in a line.
std::string short_revision(const std::string& arn) {
  auto slash = arn.rfind('/');
  return slash == std::string::npos ? arn : "revision " + arn.substr(slash + 1);
}

// The Lambda function's name from its ARN, for a readable line.
std::string short_target(const std::string& arn) {
  auto function = arn.find(":function:");
  if (function == std::string::npos) return arn.empty() ? "(pause)" : arn;
  auto name = arn.substr(function + 10);
  return name.substr(0, name.find(':'));
}

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ms).count()) + "s";
}

bool is_rolling_back(const std::string& status) {
  return status == "ROLLBACK_REQUESTED" || status == "ROLLBACK_IN_PROGRESS";
}

}  // namespace

std::string traffic_split(const aws::ServiceDeployment& d) {
  auto traffic = "production traffic: " + short_revision(d.target_revision.arn) + " (new) " +
                 percent(d.target_revision.requested_production_traffic_weight);
  for (const auto& source : d.source_revisions) {
    traffic += ", " + short_revision(source.arn) + " " +
               percent(source.requested_production_traffic_weight);
  }
  if (d.target_revision.requested_test_traffic_weight > 0) {
    traffic += "; test traffic " + percent(d.target_revision.requested_test_traffic_weight) +
               " on the new revision";
  }
  return traffic;
}

bool is_stage_line(std::string_view line) {
  return line.starts_with("stage ") || line.starts_with("production traffic: ");
}

std::string_view to_string(ServiceDeploymentVerdict verdict) {
  switch (verdict) {
    case ServiceDeploymentVerdict::in_progress:
      return "in_progress";
    case ServiceDeploymentVerdict::succeeded:
      return "succeeded";
    case ServiceDeploymentVerdict::rolled_back:
      return "rolled_back";
    case ServiceDeploymentVerdict::failed:
      return "failed";
    case ServiceDeploymentVerdict::timed_out:
      return "timed_out";
    case ServiceDeploymentVerdict::superseded:
      return "superseded";
  }
  return "unknown";
}

std::string_view to_string(RollbackCause cause) {
  switch (cause) {
    case RollbackCause::none:
      return "none";
    case RollbackCause::circuit_breaker:
      return "circuit breaker";
    case RollbackCause::alarm:
      return "alarm";
    case RollbackCause::lifecycle_hook:
      return "lifecycle hook";
    case RollbackCause::slipway_alarm:
      return "alarm (watched by slipway)";
    case RollbackCause::slipway_timeout:
      return "rollout timeout";
    case RollbackCause::unknown:
      return "unknown";
  }
  return "unknown";
}

ServiceDeploymentFollower::ServiceDeploymentFollower(std::string arn, double updated_at,
                                                     ServiceDeploymentTimeouts timeouts)
    : arn_(std::move(arn)), updated_at_(updated_at), timeouts_(timeouts) {}

ServiceDeploymentStep ServiceDeploymentFollower::finish(ServiceDeploymentStep step,
                                                        ServiceDeploymentVerdict verdict,
                                                        std::string reason) {
  step.verdict = verdict;
  step.reason = std::move(reason);
  final_ = step;
  final_->lines.clear();
  final_->stop_with_rollback = false;
  final_->point_service_back = false;
  return step;
}

std::optional<ServiceDeploymentStep> ServiceDeploymentFollower::inconclusive(
    const std::string& why) {
  ServiceDeploymentStep step;
  step.stage = stage_;
  if (++inconclusive_ < timeouts_.inconclusive_polls) return step;
  auto reason = "ECS showed nothing usable for " + std::to_string(inconclusive_) +
                " polls in a row (" + why + ")";
  // Still ours to roll back: ask ECS to, unless it already is. One never described (every read
  // throttled) is ours too: UpdateService started it and nothing says it ended.
  step.stop_with_rollback = !arn_.empty() && !requested_rollback_ && !is_rolling_back(status_) &&
                            (status_.empty() || status_ == "PENDING" || status_ == "IN_PROGRESS");
  return finish(step, ServiceDeploymentVerdict::timed_out, reason);
}

ServiceDeploymentStep ServiceDeploymentFollower::observe(const ServiceDeploymentPoll& poll) {
  if (final_) return *final_;
  if (!poll.unavailable.empty()) return *inconclusive(poll.unavailable);
  if (arn_.empty()) {
    // ListServiceDeployments is newest first: ours is the oldest created after UpdateService.
    for (auto it = poll.listed.rbegin(); it != poll.listed.rend(); ++it) {
      if (it->created_at >= updated_at_) {
        arn_ = it->arn;
        break;
      }
    }
    if (arn_.empty()) return *inconclusive("no service deployment listed since UpdateService");
  }
  if (!poll.ours || poll.ours->arn != arn_) {
    return *inconclusive("DescribeServiceDeployments does not show " + arn_ + " yet");
  }
  const auto& d = *poll.ours;
  if (d.updated_at > 0 && d.updated_at < newest_update_) {
    return *inconclusive("a read older than the last one");
  }
  newest_update_ = std::max(newest_update_, d.updated_at);
  inconclusive_ = 0;
  return decide(poll, d);
}

void ServiceDeploymentFollower::print_changes(const aws::ServiceDeployment& d,
                                              ServiceDeploymentStep& step) {
  if (d.status != status_) {
    step.lines.push_back("deployment " + d.status + (d.status_reason.empty() ? "" : ": ") +
                         d.status_reason);
    status_ = d.status;
  }
  if (!d.lifecycle_stage.empty() && d.lifecycle_stage != stage_) {
    step.lines.push_back("stage " + d.lifecycle_stage + " (" + d.strategy + ")");
    stage_ = d.lifecycle_stage;
  }
  auto traffic = traffic_split(d);
  if (traffic != traffic_) {
    step.lines.push_back(traffic);
    traffic_ = traffic;
  }
  for (const auto& hook : d.hooks) {
    auto& seen = hook_states_[hook.hook_id];
    if (seen == hook.status) continue;
    seen = hook.status;
    step.lines.push_back("lifecycle hook " + short_target(hook.target_arn) + " at " +
                         d.lifecycle_stage + ": " + hook.status);
    if ((hook.status == "FAILED" || hook.status == "TIMED_OUT") && failed_hook_.empty()) {
      failed_hook_ = short_target(hook.target_arn) + " " + hook.status + " at " + d.lifecycle_stage;
    }
  }
  auto breaker = d.circuit_breaker_status.empty() || d.circuit_breaker_status == "DISABLED"
                     ? std::string()
                     : "circuit breaker " + d.circuit_breaker_status + ", failed " +
                           std::to_string(d.circuit_breaker_failures) + " (trips at " +
                           std::to_string(d.circuit_breaker_threshold) + ")";
  if (breaker != breaker_ &&
      (d.circuit_breaker_failures > 0 || breaker.find("TRIGGERED") != std::string::npos)) {
    step.lines.push_back(breaker);
  }
  breaker_ = breaker;
  std::string alarms;
  if (d.alarms_status == "TRIGGERED") {
    alarms = "alarms TRIGGERED:";
    for (const auto& name : d.triggered_alarm_names) alarms += " " + name;
  }
  if (alarms != alarms_ && !alarms.empty()) step.lines.push_back(alarms);
  alarms_ = alarms;
}

RollbackCause ServiceDeploymentFollower::cause_from(const aws::ServiceDeployment& d,
                                                    std::string& detail) const {
  if (requested_rollback_) {
    detail = requested_detail_;
    return requested_cause_;
  }
  if (d.alarms_status == "TRIGGERED" || !d.triggered_alarm_names.empty()) {
    detail = "alarm";
    for (const auto& name : d.triggered_alarm_names) detail += " " + name;
    return RollbackCause::alarm;
  }
  if (d.circuit_breaker_status == "TRIGGERED") {
    detail = "circuit breaker: " + std::to_string(d.circuit_breaker_failures) + " failed tasks";
    return RollbackCause::circuit_breaker;
  }
  if (!failed_hook_.empty()) {
    detail = "lifecycle hook " + failed_hook_;
    return RollbackCause::lifecycle_hook;
  }
  detail = d.rollback_reason.empty() ? d.status_reason : d.rollback_reason;
  return RollbackCause::unknown;
}

ServiceDeploymentStep ServiceDeploymentFollower::decide(const ServiceDeploymentPoll& poll,
                                                        const aws::ServiceDeployment& d) {
  ServiceDeploymentStep step;
  print_changes(d, step);
  step.stage = d.lifecycle_stage;
  step.new_production_percent = d.target_revision.requested_production_traffic_weight;

  for (const auto& other : poll.listed) {
    if (other.arn != d.arn && other.created_at > d.created_at) {
      return finish(
          step, ServiceDeploymentVerdict::superseded,
          "a newer service deployment " + other.arn + " (" + other.status + ") replaced " + d.arn);
    }
  }

  const auto& status = d.status;
  if (status == "ROLLBACK_SUCCESSFUL") {
    std::string detail;
    step.cause = cause_from(d, detail);
    return finish(step, ServiceDeploymentVerdict::rolled_back,
                  "ECS rolled " + d.arn + " back (" + detail + ") to " +
                      short_revision(d.rollback_revision_arn.empty() && !d.source_revisions.empty()
                                         ? d.source_revisions.front().arn
                                         : d.rollback_revision_arn));
  }
  if (status == "ROLLBACK_FAILED") {
    std::string detail;
    step.cause = cause_from(d, detail);
    return finish(step, ServiceDeploymentVerdict::failed,
                  "ECS's rollback of " + d.arn + " (" + detail +
                      ") failed too: " + d.status_reason + "; nothing was restored");
  }
  if (status == "STOPPED") {
    return finish(step, ServiceDeploymentVerdict::failed,
                  "ECS stopped " + d.arn + " without rolling back" +
                      (d.status_reason.empty() ? "" : ": " + d.status_reason));
  }
  if (is_rolling_back(status) || status == "STOP_REQUESTED") {
    // ECS's own rollback gets the rollout timeout; one slipway asked for gets it from then.
    auto deadline =
        timeouts_.rollout + (requested_rollback_ ? requested_at_ : decltype(requested_at_){0});
    if (poll.elapsed > deadline) {
      return finish(step, ServiceDeploymentVerdict::timed_out,
                    "ECS was still rolling back " + d.arn + " when the rollout timeout (" +
                        seconds_text(timeouts_.rollout) + ") ended; it carries on");
    }
    return step;
  }
  if (status == "SUCCESSFUL") {
    if (!successful_at_) successful_at_ = poll.elapsed;
    for (const auto& alarm : poll.alarms) {
      if (alarm.state == "ALARM") {
        step.cause = RollbackCause::slipway_alarm;
        step.point_service_back = true;
        return finish(step, ServiceDeploymentVerdict::rolled_back,
                      "alarm " + alarm.name + " in ALARM during slipway's bake after " + d.arn +
                          " completed; the service is pointed back at the previous revision");
      }
    }
    if (poll.elapsed - *successful_at_ >= timeouts_.bake) {
      return finish(step, ServiceDeploymentVerdict::succeeded,
                    d.arn + " SUCCESSFUL under " + d.strategy +
                        (timeouts_.bake.count() > 0
                             ? ", bake " + seconds_text(timeouts_.bake) + " without an alarm"
                             : ""));
    }
    return step;
  }

  // PENDING or IN_PROGRESS: ours to roll back if slipway sees a reason ECS does not act on.
  if (requested_rollback_) {
    if (poll.elapsed - requested_at_ > timeouts_.rollout) {
      return finish(step, ServiceDeploymentVerdict::timed_out,
                    "ECS had not started the rollback slipway asked for " +
                        seconds_text(poll.elapsed - requested_at_) + " ago");
    }
    return step;
  }
  bool ecs_watches_alarms = !d.alarms_status.empty() && d.alarms_status != "DISABLED";
  if (!ecs_watches_alarms) {
    for (const auto& alarm : poll.alarms) {
      if (alarm.state != "ALARM") continue;
      requested_rollback_ = true;
      requested_cause_ = RollbackCause::slipway_alarm;
      requested_detail_ = "alarm " + alarm.name + " in ALARM at " + d.lifecycle_stage;
      requested_at_ = poll.elapsed;
      step.stop_with_rollback = true;
      step.lines.push_back(requested_detail_ + ": asking ECS to roll back " + d.arn +
                           " (StopServiceDeployment ROLLBACK)");
      return step;
    }
  }
  if (poll.elapsed > timeouts_.rollout) {
    step.stop_with_rollback = true;
    step.cause = RollbackCause::slipway_timeout;
    return finish(step, ServiceDeploymentVerdict::timed_out,
                  "the rollout timeout (" + seconds_text(timeouts_.rollout) + ") ended at stage " +
                      d.lifecycle_stage + " of " + d.arn + " (" + d.strategy +
                      ", new revision at " +
                      percent(d.target_revision.requested_production_traffic_weight) +
                      " of production traffic); slipway asked ECS to roll it back");
  }
  return step;
}

}  // namespace slipway::targets::ecs
