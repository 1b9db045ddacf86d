#include "targets/ecs/follower.hpp"

#include <algorithm>
#include <cctype>

namespace slipway::targets::ecs {
namespace {

// "arn:...:task-definition/app:8" -> "app:8"
std::string short_task_definition(const std::string& arn) {
  const auto slash = arn.rfind('/');
  return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

std::string short_id(const std::string& arn) {
  const auto slash = arn.rfind('/');
  return slash == std::string::npos ? arn : arn.substr(slash + 1);
}

std::string seconds(std::chrono::milliseconds duration) {
  const auto total = duration.count() / 1000;
  if (total < 60) return std::to_string(total) + "s";
  return std::to_string(total / 60) + "m" + (total % 60 ? std::to_string(total % 60) + "s" : "");
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool mentions_alarm(std::string_view text) {
  return lower_case(text).find("alarm") != std::string::npos;
}

// "ecs-svc/123." at `from` in an event message -> "ecs-svc/123"
std::string deployment_id_at(const std::string& message, std::size_t from) {
  auto end = message.find_first_of(" ,)", from);
  auto id = message.substr(from, end == std::string::npos ? std::string::npos : end - from);
  while (!id.empty() && id.back() == '.') id.pop_back();
  return id;
}

double newest_event_time(const aws::EcsService& service) {
  double newest = 0;
  for (const auto& event : service.events) newest = std::max(newest, event.created_at);
  return newest;
}

// A failed start, ECS's retry backoff included: at desiredCount 1 a breaker with threshold 3 has
// been seen to trip after 11m44s with no task ever running (about 4 minutes per failed start).
constexpr std::chrono::minutes kFailedStartAttempt{4};

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::in_progress:
      return "in_progress";
    case Verdict::succeeded:
      return "succeeded";
    case Verdict::rolled_back_by_circuit_breaker:
      return "rolled_back_by_circuit_breaker";
    case Verdict::rolled_back_by_alarm:
      return "rolled_back_by_alarm";
    case Verdict::failed:
      return "failed";
    case Verdict::timed_out:
      return "timed_out";
    case Verdict::superseded:
      return "superseded";
  }
  return "unknown";
}

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::starting:
      return "starting";
    case Phase::rolling:
      return "rolling";
    case Phase::baking:
      return "baking";
    case Phase::ecs_rolling_back:
      return "ecs_rolling_back";
    case Phase::done:
      return "done";
  }
  return "unknown";
}

int circuit_breaker_threshold(int desired_count) {
  // deployment-circuit-breaker.html, "How BOUNDED_PERCENT calculates the threshold": 50 % of the
  // desired count, rounded up, clamped to [3, 200].
  const int half = (std::max(desired_count, 0) + 1) / 2;
  return std::clamp(half, 3, 200);
}

std::chrono::milliseconds breaker_start_budget(const aws::EcsService& service) {
  const int desired = std::max(service.desired_count, 1);
  const int threshold = circuit_breaker_threshold(desired);
  const int rounds = (threshold + desired - 1) / desired;
  return rounds * (std::chrono::seconds(service.health_check_grace_period_seconds) +
                   std::chrono::milliseconds(kFailedStartAttempt));
}

std::chrono::milliseconds effective_start_timeout(const FollowTimeouts& timeouts,
                                                  const aws::EcsService& service) {
  if (!timeouts.start_from_service || !service.circuit_breaker_enable) return timeouts.start;
  return std::max(timeouts.start, breaker_start_budget(service));
}

DeploymentFollower::DeploymentFollower(FollowedDeployment followed, FollowTimeouts timeouts)
    : followed_(std::move(followed)), timeouts_(timeouts) {}

std::vector<std::string> DeploymentFollower::changes(const Observation& observation) {
  std::vector<std::string> lines;
  const auto& service = observation.service;
  for (const auto& deployment : service.deployments) {
    const bool ours = deployment.id == followed_.id;
    auto line = "deployment " + deployment.id + (ours ? " (ours) " : " ") + deployment.status +
                " " + deployment.rollout_state + " " +
                short_task_definition(deployment.task_definition) + " running " +
                std::to_string(deployment.running_count) + "/" +
                std::to_string(deployment.desired_count) + ", pending " +
                std::to_string(deployment.pending_count) + ", failed " +
                std::to_string(deployment.failed_tasks);
    if (ours && service.circuit_breaker_enable && deployment.rollout_state == "IN_PROGRESS") {
      line += " (circuit breaker trips at " +
              std::to_string(circuit_breaker_threshold(service.desired_count)) + ")";
    }
    if (!deployment.rollout_state_reason.empty() &&
        (deployment.rollout_state != "IN_PROGRESS" ||
         deployment.rollout_state_reason.find("rolling back") != std::string::npos)) {
      line += ": " + deployment.rollout_state_reason;
    }
    auto& previous = deployment_lines_[deployment.id];
    if (previous != line) {
      previous = line;
      lines.push_back(std::move(line));
    }
  }
  // ECS lists events newest first; print oldest first.
  for (auto event = service.events.rbegin(); event != service.events.rend(); ++event) {
    if (!seen_events_.insert(event->id).second) continue;
    if (event->created_at + 1e-3 < followed_.created_at) continue;
    lines.push_back("event: " + event->message);
  }
  for (const auto& task : observation.stopped_tasks) {
    if (task.stopped_reason.empty() && task.container_reasons.empty()) continue;
    if (!seen_stopped_tasks_.insert(task.arn).second) continue;
    auto line = "task " + short_id(task.arn) + " (" + short_task_definition(task.task_definition) +
                ") stopped: " + task.stopped_reason;
    for (const auto& reason : task.container_reasons) line += "; " + reason;
    lines.push_back(std::move(line));
  }
  for (const auto& target : observation.targets) {
    const auto key = target.id + ":" + target.port;
    auto state = target.state + (target.reason.empty() ? "" : " (" + target.reason + ")");
    auto& previous = target_states_[key];
    if (previous != state) {
      previous = state;
      lines.push_back("target " + key + " " + state);
    }
  }
  for (const auto& alarm : observation.alarms) {
    auto& previous = alarm_states_[alarm.name];
    if (previous != alarm.state) {
      previous = alarm.state;
      lines.push_back("alarm " + alarm.name + " " + alarm.state);
    }
  }
  return lines;
}

void DeploymentFollower::read_evidence(const aws::EcsService& service) {
  // Service event messages name deployments: "(service S) (deployment D) deployment failed:
  // tasks failed to start." and "(service S) rolling back to deployment O."
  const auto named_ours = "(deployment " + followed_.id + ") ";
  const auto ours_failed = named_ours + "deployment failed";
  constexpr std::string_view kRollingBackTo = "rolling back to deployment ";
  for (const auto& event : service.events) {
    if (event.created_at + 1e-3 < followed_.created_at) continue;
    if (const auto at = event.message.find(ours_failed);
        at != std::string::npos && failure_reason_.empty()) {
      failure_reason_ = event.message.substr(at + named_ours.size());
    }
    if (const auto at = event.message.find(kRollingBackTo); at != std::string::npos) {
      rollback_ids_.insert(deployment_id_at(event.message, at + kRollingBackTo.size()));
    }
  }
  // The deployment ECS rolls back with says so: "ECS deployment circuit breaker: rolling back
  // to deploymentId ecs-svc/...".
  for (const auto& deployment : service.deployments) {
    if (deployment.id == followed_.id) continue;
    if (deployment.rollout_state_reason.find("rolling back to deploymentId") != std::string::npos) {
      rollback_ids_.insert(deployment.id);
    }
  }
}

std::optional<FollowStep> DeploymentFollower::wait_for_evidence(Wait kind, const std::string& why) {
  auto& count = kind == Wait::unexplained ? unexplained_ : ecs_word_;
  if (count >= timeouts_.inconclusive_polls) return std::nullopt;
  ++count;
  (kind == Wait::unexplained ? unexplained_this_poll_ : ecs_word_this_poll_) = true;
  note_ = "inconclusive poll (" + std::to_string(count) + " of " +
          std::to_string(timeouts_.inconclusive_polls) + "): " + why;
  FollowStep step;
  step.phase = phase_;
  return step;
}

FollowStep DeploymentFollower::finish(Verdict verdict, std::string reason, bool must_roll_back) {
  FollowStep step;
  step.verdict = verdict;
  step.reason = std::move(reason);
  step.phase = phase_ = Phase::done;
  step.slipway_must_roll_back = must_roll_back;
  return step;
}

std::string DeploymentFollower::breaker_progress(const aws::EcsService& service,
                                                 const aws::EcsDeployment& ours) const {
  auto text = "running " + std::to_string(ours.running_count) + "/" +
              std::to_string(ours.desired_count) + ", rollout " + ours.rollout_state;
  if (service.circuit_breaker_enable) {
    text += ", ECS's circuit breaker had counted " + std::to_string(ours.failed_tasks) + " of " +
            std::to_string(circuit_breaker_threshold(service.desired_count)) + " failed tasks";
  } else {
    text += ", failed tasks " + std::to_string(ours.failed_tasks) +
            " (no circuit breaker: ECS keeps retrying)";
  }
  return text;
}

FollowStep DeploymentFollower::follow_ours(const Observation& observation,
                                           const aws::EcsDeployment& ours) {
  const auto& service = observation.service;
  if (ours.rollout_state == "FAILED") {
    const auto why = failure_reason_.empty() ? std::string("rollout FAILED") : failure_reason_;
    const bool rollback_configured =
        mentions_alarm(why) ? service.alarms_rollback : service.circuit_breaker_rollback;
    // ECS returns to the most recent COMPLETED deployment; without one it stalls.
    const bool can_return = std::any_of(
        service.deployments.begin(), service.deployments.end(), [&](const auto& deployment) {
          return deployment.id != ours.id && deployment.rollout_state == "COMPLETED";
        });
    if (rollback_configured && can_return) {
      if (auto step = wait_for_evidence(Wait::ecs_word,
                                        "ECS marked deployment " + ours.id +
                                            " FAILED and has not started its rollback yet")) {
        return *step;
      }
      return finish(Verdict::failed, why + "; ECS started no rollback");
    }
    return finish(Verdict::failed, why);
  }
  const auto& now_running = service.task_definition;
  if (!followed_.task_definition.empty() && !now_running.empty() &&
      now_running != followed_.task_definition) {
    // moto retargets the service without a new deployment: a newer deploy all the same.
    return finish(Verdict::superseded, "the service now runs " +
                                           short_task_definition(now_running) + " instead of " +
                                           short_task_definition(followed_.task_definition));
  }
  if (phase_ == Phase::starting && (ours.running_count > 0 || ours.rollout_state == "COMPLETED")) {
    phase_ = Phase::rolling;
    phase_started_ = observation.elapsed;
  }
  if (phase_ == Phase::rolling && ours.rollout_state == "COMPLETED" &&
      ours.running_count >= ours.desired_count) {
    phase_ = Phase::baking;
    phase_started_ = observation.elapsed;
  }
  FollowStep step;
  if (phase_ == Phase::baking) {
    // ECS no longer rolls back a COMPLETED deployment: an alarm now is slipway's to act on.
    const auto& watched = service.alarm_names;
    for (const auto& alarm : observation.alarms) {
      if (alarm.state != "ALARM") continue;
      if (std::find(watched.begin(), watched.end(), alarm.name) == watched.end()) continue;
      return finish(Verdict::rolled_back_by_alarm,
                    "alarm " + alarm.name + " in ALARM during the bake time" +
                        (alarm.reason.empty() ? "" : ": " + alarm.reason),
                    true);
    }
    if (observation.elapsed - phase_started_ >= timeouts_.bake) {
      return finish(Verdict::succeeded, "");
    }
    step.phase = phase_;
    return step;
  }
  const bool starting = phase_ == Phase::starting;
  const auto limit = starting ? effective_start_timeout(timeouts_, service) : timeouts_.rollout;
  if (observation.elapsed - phase_started_ > limit) {
    return finish(Verdict::timed_out,
                  std::string(starting ? "the start timeout" : "the rollout timeout") + " (" +
                      seconds(limit) + ") ended " +
                      (starting ? "before a task of " : "before ECS completed ") + ours.id +
                      (starting ? " ran: " : ": ") + breaker_progress(service, ours),
                  true);
  }
  step.phase = phase_;
  return step;
}

FollowStep DeploymentFollower::follow_rollback(const Observation& observation,
                                               const aws::EcsDeployment& rollback) {
  if (rollback_id_ != rollback.id) {
    rollback_id_ = rollback.id;
    phase_ = Phase::ecs_rolling_back;
    phase_started_ = observation.elapsed;
  }
  const auto restored = short_task_definition(rollback.task_definition);
  const auto why =
      failure_reason_.empty() ? "ECS rolled back deployment " + followed_.id : failure_reason_;
  if (rollback.rollout_state == "COMPLETED") {
    return finish(mentions_alarm(why) ? Verdict::rolled_back_by_alarm
                                      : Verdict::rolled_back_by_circuit_breaker,
                  why + "; ECS restored " + restored + " (deployment " + rollback.id + ")");
  }
  if (rollback.rollout_state == "FAILED") {
    return finish(Verdict::failed, why + "; ECS's rollback to " + restored + " (deployment " +
                                       rollback.id +
                                       ") failed too: " + rollback.rollout_state_reason);
  }
  if (observation.elapsed - phase_started_ > timeouts_.rollout) {
    // ECS still owns the service: slipway pointing it elsewhere would fight the rollback.
    return finish(Verdict::timed_out, "the rollout timeout (" + seconds(timeouts_.rollout) +
                                          ") ended while ECS was still rolling back to " +
                                          restored + " (deployment " + rollback.id + " " +
                                          rollback.rollout_state + ", running " +
                                          std::to_string(rollback.running_count) + "/" +
                                          std::to_string(rollback.desired_count) + "); " + why);
  }
  FollowStep step;
  step.phase = phase_;
  return step;
}

FollowStep DeploymentFollower::decide(const Observation& observation) {
  if (!observation.unavailable.empty()) {
    if (auto step = wait_for_evidence(Wait::unexplained,
                                      "could not read the service: " + observation.unavailable)) {
      return *step;
    }
    return finish(Verdict::timed_out,
                  "ECS could not be read for " + std::to_string(timeouts_.inconclusive_polls + 1) +
                      " polls in a row: " + observation.unavailable,
                  true);
  }
  const auto& service = observation.service;
  // Events only accumulate, so a snapshot whose newest event is older than one already seen is
  // a read from before the previous poll's.
  const auto newest = newest_event_time(service);
  if (newest + 1e-3 < newest_event_) {
    if (auto step = wait_for_evidence(Wait::unexplained, "a read older than the previous poll's"))
      return *step;
  }
  newest_event_ = std::max(newest_event_, newest);
  read_evidence(service);
  const auto& deployments = service.deployments;
  const auto ours = std::find_if(deployments.begin(), deployments.end(),
                                 [&](const auto& d) { return d.id == followed_.id; });
  const auto primary = std::find_if(deployments.begin(), deployments.end(),
                                    [&](const auto& d) { return d.status == "PRIMARY"; });
  if (ours != deployments.end()) {
    seen_ours_ = true;
    if (ours->rollout_state == "FAILED" && failure_reason_.empty()) {
      failure_reason_ =
          ours->rollout_state_reason.empty() ? "rollout FAILED" : ours->rollout_state_reason;
    }
  }
  const auto give_up_unseen = [&](const std::string& what) {
    return finish(Verdict::timed_out,
                  "ECS explained nothing about deployment " + followed_.id + " in " +
                      std::to_string(timeouts_.inconclusive_polls + 1) + " polls in a row: " + what,
                  true);
  };
  if (deployments.empty()) {
    if (auto step = wait_for_evidence(Wait::unexplained, "DescribeServices listed no deployments"))
      return *step;
    return give_up_unseen("DescribeServices listed no deployments");
  }
  if (ours != deployments.end() && ours->status == "PRIMARY") {
    return follow_ours(observation, *ours);
  }
  if (primary == deployments.end()) {
    if (auto step = wait_for_evidence(Wait::unexplained, "no deployment is PRIMARY")) return *step;
    return give_up_unseen("no deployment is PRIMARY");
  }
  const auto their = short_task_definition(primary->task_definition);
  const bool older = primary->created_at > 0 && primary->created_at + 1e-3 < followed_.created_at;
  const bool named = rollback_ids_.contains(primary->id) || primary->id == rollback_id_;
  const bool failed = !failure_reason_.empty();
  // An earlier deployment PRIMARY beside ours: only ECS's rollback re-activates one.
  if (named || (older && (ours != deployments.end() || failed))) {
    return follow_rollback(observation, *primary);
  }
  if (older) {
    if (!seen_ours_) {
      const auto why = "deployment " + followed_.id + " is not listed yet; " + primary->id + " (" +
                       their + ") is still PRIMARY";
      if (auto step = wait_for_evidence(Wait::unexplained, why)) return *step;
      return give_up_unseen(why);
    }
    if (auto step = wait_for_evidence(Wait::unexplained,
                                      "deployment " + followed_.id + " is no longer listed and " +
                                          primary->id + " (" + their + ") is PRIMARY again")) {
      return *step;
    }
    return follow_rollback(observation, *primary);
  }
  // A deployment newer than ours is PRIMARY.
  const bool runs_previous = !followed_.previous_task_definition.empty() &&
                             primary->task_definition == followed_.previous_task_definition;
  if (failed && runs_previous) return follow_rollback(observation, *primary);
  if (runs_previous) {
    if (auto step = wait_for_evidence(Wait::ecs_word,
                                      "the newer deployment " + primary->id + " runs " + their +
                                          ", the revision ours replaced; waiting for ECS to say "
                                          "whether it rolls ours back")) {
      return *step;
    }
  }
  return finish(Verdict::superseded,
                "deployment " + primary->id + " (" + their + ") became PRIMARY while ours was " +
                    (ours == deployments.end() ? std::string("no longer listed")
                                               : ours->status + " " + ours->rollout_state));
}

FollowStep DeploymentFollower::observe(const Observation& observation) {
  if (final_) {
    auto repeat = *final_;
    repeat.lines.clear();
    return repeat;
  }
  auto lines = observation.unavailable.empty() ? changes(observation) : std::vector<std::string>{};
  unexplained_this_poll_ = ecs_word_this_poll_ = false;
  auto step = decide(observation);
  if (!unexplained_this_poll_) unexplained_ = 0;
  // Noise (an unreadable poll) neither ends nor spends the wait for ECS's word.
  if (!ecs_word_this_poll_ && !unexplained_this_poll_) ecs_word_ = 0;
  if (!unexplained_this_poll_ && !ecs_word_this_poll_) note_.clear();
  if (!note_.empty() && note_ != printed_note_) lines.push_back(note_);
  printed_note_ = note_;
  step.lines = std::move(lines);
  if (step.verdict != Verdict::in_progress) final_ = step;
  return step;
}

}  // namespace slipway::targets::ecs
