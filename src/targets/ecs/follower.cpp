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

bool mentions_alarm(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("alarm") != std::string::npos;
}

std::string seconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count() / 1000) + "s";
}

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
    case Phase::done:
      return "done";
  }
  return "unknown";
}

DeploymentFollower::DeploymentFollower(std::string deployment_id, double started_at,
                                       FollowTimeouts timeouts, std::string task_definition_arn)
    : deployment_id_(std::move(deployment_id)),
      task_definition_arn_(std::move(task_definition_arn)),
      started_at_(started_at),
      timeouts_(timeouts) {}

std::vector<std::string> DeploymentFollower::changes(const Observation& observation) {
  std::vector<std::string> lines;
  const auto& service = observation.service;
  for (const auto& deployment : service.deployments) {
    auto line = "deployment " + deployment.id +
                (deployment.id == deployment_id_ ? " (ours) " : " ") + deployment.status + " " +
                deployment.rollout_state + " " + short_task_definition(deployment.task_definition) +
                " running " + std::to_string(deployment.running_count) + "/" +
                std::to_string(deployment.desired_count) + ", pending " +
                std::to_string(deployment.pending_count) + ", failed " +
                std::to_string(deployment.failed_tasks);
    if (!deployment.rollout_state_reason.empty() && deployment.rollout_state != "IN_PROGRESS") {
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
    if (event->created_at + 1e-3 < started_at_) continue;
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

FollowStep DeploymentFollower::decide(const Observation& observation) {
  const auto& deployments = observation.service.deployments;
  const auto ours = std::find_if(deployments.begin(), deployments.end(),
                                 [&](const auto& d) { return d.id == deployment_id_; });
  const auto other_primary =
      std::find_if(deployments.begin(), deployments.end(),
                   [&](const auto& d) { return d.status == "PRIMARY" && d.id != deployment_id_; });
  FollowStep step;
  step.phase = phase_;
  auto finish = [&](Verdict verdict, std::string reason, bool must_roll_back = false) {
    step.verdict = verdict;
    step.reason = std::move(reason);
    step.phase = phase_ = Phase::done;
    step.slipway_must_roll_back = must_roll_back;
    return step;
  };

  if (ours == deployments.end()) {
    if (other_primary != deployments.end()) {
      return finish(Verdict::superseded, "deployment " + other_primary->id + " (" +
                                             short_task_definition(other_primary->task_definition) +
                                             ") replaced ours");
    }
    return finish(Verdict::failed, "deployment " + deployment_id_ + " is no longer listed");
  }
  if (ours->rollout_state == "FAILED") {
    const auto why = ours->rollout_state_reason.empty() ? std::string("rollout FAILED")
                                                        : ours->rollout_state_reason;
    if (other_primary != deployments.end()) {
      const auto verdict = mentions_alarm(why) ? Verdict::rolled_back_by_alarm
                                               : Verdict::rolled_back_by_circuit_breaker;
      return finish(
          verdict, why + "; ECS restored " + short_task_definition(other_primary->task_definition));
    }
    return finish(Verdict::failed, why);
  }
  if (ours->status != "PRIMARY") {
    const auto by = other_primary == deployments.end()
                        ? std::string("another deployment")
                        : other_primary->id + " (" +
                              short_task_definition(other_primary->task_definition) + ")";
    return finish(Verdict::superseded,
                  by + " became PRIMARY while ours was " + ours->rollout_state);
  }

  const auto& now_running = observation.service.task_definition;
  if (!task_definition_arn_.empty() && !now_running.empty() &&
      now_running != task_definition_arn_) {
    return finish(Verdict::superseded, "the service now runs " +
                                           short_task_definition(now_running) + " instead of " +
                                           short_task_definition(task_definition_arn_));
  }
  const auto in_phase = observation.elapsed - phase_started_;
  if (phase_ == Phase::starting &&
      (ours->running_count > 0 || ours->rollout_state == "COMPLETED")) {
    phase_ = Phase::rolling;
    phase_started_ = observation.elapsed;
  }
  if (phase_ == Phase::rolling && ours->rollout_state == "COMPLETED" &&
      ours->running_count >= ours->desired_count) {
    phase_ = Phase::baking;
    phase_started_ = observation.elapsed;
  }
  if (phase_ == Phase::baking) {
    const auto& watched = observation.service.alarm_names;
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
  const auto limit = phase_ == Phase::starting ? timeouts_.start : timeouts_.rollout;
  const auto spent = phase_ == Phase::starting ? in_phase : observation.elapsed - phase_started_;
  if (spent > limit) {
    const auto phase_name = std::string(to_string(phase_));
    return finish(Verdict::timed_out,
                  "phase " + phase_name + " took longer than " + seconds(limit) + ": running " +
                      std::to_string(ours->running_count) + "/" +
                      std::to_string(ours->desired_count) + ", failed tasks " +
                      std::to_string(ours->failed_tasks) + ", rollout " + ours->rollout_state,
                  true);
  }
  step.phase = phase_;
  return step;
}

FollowStep DeploymentFollower::observe(const Observation& observation) {
  if (final_) {
    auto repeat = *final_;
    repeat.lines.clear();
    return repeat;
  }
  auto lines = changes(observation);
  auto step = decide(observation);
  step.lines = std::move(lines);
  if (step.verdict != Verdict::in_progress) final_ = step;
  return step;
}

}  // namespace slipway::targets::ecs
