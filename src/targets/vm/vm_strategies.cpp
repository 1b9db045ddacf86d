// VmTarget's progressive strategies: BLUE_GREEN (green beside blue at weight 0, one switch,
// blue warm through the bake) and LINEAR / CANARY (traffic shifted by HAProxy weights, each step
// judged from the balancer's counters), with their lifecycle hooks, the test listener and what
// the ledger records of each stage and step. The rolling deploy and the restore are in
// vm_target.cpp.
#include <boost/json/serialize.hpp>

#include "release/ledger.hpp"
#include "release/traffic_plan.hpp"
#include "targets/vm/deploy_run.hpp"
#include "targets/vm/lifecycle_hooks.hpp"
#include "targets/vm/vm_target.hpp"

namespace slipway::targets::vm {
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

DeployReport VmTarget::blue_green(DeployRun& run, VmState& state, const RolloutRelease& release,
                                  const SecretResolver& secrets, const WorkloadRenderer& previous) {
  using release::LifecycleStage;
  const auto& strategy = release.workload.strategy;
  auto stage = [&](LifecycleStage at) { return run_stage(run, strategy, at); };
  // Before the switch blue never stopped serving: dropping green is the whole rollback.
  auto drop_green = [&](const std::string& why, DeployStatus status, release::Outcome outcome) {
    return drop_new_fleet(run, state, "blue", why, status, outcome);
  };
  if (auto failed = stand_up_new_fleet(run, state, release, "blue")) return *failed;
  // With vm.test_listener set, the test listener serves green alone from TEST_TRAFFIC_SHIFT
  // until production shifts; without it the test traffic stages run their hooks only.
  for (auto at :
       {LifecycleStage::post_scale_up, LifecycleStage::test_traffic_shift,
        LifecycleStage::post_test_traffic_shift, LifecycleStage::pre_production_traffic_shift,
        LifecycleStage::production_traffic_shift}) {
    if (auto failure = stage(at)) {
      return drop_green(*failure, DeployStatus::rolled_back, release::Outcome::rolled_back);
    }
    // The test listener serves green from TEST_TRAFFIC_SHIFT until production shifts.
    if (at == LifecycleStage::test_traffic_shift) test_traffic(run, state, true);
  }
  test_traffic(run, state, false);
  // The production switch is one runtime-API command: green's weights up, blue's to 0 (blue
  // stays in rotation, warm, and a switch back is the same command the other way).
  rollout_.weigh(state, run.ref.revision, 1, 0);
  state.previous = run.prior;
  state.current = run.ref;
  save_state(paths_, state);
  run.phase("switch");
  events_.progress("switched", "all traffic on revision " + std::to_string(run.ref.revision) +
                                   " (" + short_sha(run.ref.commit) + "); revision " +
                                   std::to_string(run.prior->revision) + " kept warm");
  auto breach = stage(LifecycleStage::post_production_traffic_shift);
  if (!breach) {
    enter_stage(run, "BAKE_TIME");
    breach = rollout_.bake(state, run.ref.revision, run.deadline,
                           config_.spec.vm.strategy_minute * strategy.bake_time_minutes);
    run.phase("bake");
    if (breach) breach = "bake: " + *breach;
  }
  if (breach) {
    events_.progress("rollback_started", "switching back to revision " +
                                             std::to_string(run.prior->revision) + ": " + *breach);
    state.current = run.prior;
    state.previous = run.prior_previous;
    if (!restore_prior(run, state, secrets, previous, *breach)) {
      return finish(run, DeployStatus::failed, release::Outcome::failed,
                    *breach + "; restoring the previous release failed too");
    }
    run.phase("restore");
    return finish(run, DeployStatus::rolled_back, release::Outcome::rolled_back, *breach);
  }
  enter_stage(run, "CLEAN_UP");
  return retire_replaced(run, state);
}

void VmTarget::test_traffic(DeployRun& run, const VmState& state, bool on) {
  const auto& vm = config_.spec.vm;
  if (vm.test_listener_port == 0 || run.testing == on) return;
  std::vector<ReplicaState> fresh;
  for (const auto& r : state.replicas) {
    if (r.revision == run.ref.revision && r.in_haproxy) fresh.push_back(r);
  }
  const auto url =
      "http://" + vm.test_listener_address + ":" + std::to_string(vm.test_listener_port) + "/";
  if (on) {
    run.testing = true;  // before: a half-done routing is undone the same way
    balancer_->route_test_traffic(fresh);
    events_.progress(
        "test_traffic",
        "test listener " + url + " serves revision " + std::to_string(run.ref.revision) + " only",
        json::object{{"revision", run.ref.revision}, {"test_listener", url}});
  } else {
    balancer_->stop_test_traffic(fresh);
    run.testing = false;
    events_.progress("test_traffic", "test listener " + url + " closed to revision " +
                                         std::to_string(run.ref.revision));
  }
}

void VmTarget::record_progress(const DeployRun& run) {
  auto ledger = release::Ledger::load(paths_.ledger_file());
  ledger.set_progress(run.ref.revision, run.strategy, run.stage, run.steps);
  ledger.save();
}

void VmTarget::record_step(DeployRun& run, json::object record,
                           const std::optional<Rollout::StepWatch>& watch,
                           const std::string& breach, const std::string& what) {
  if (watch) {
    const auto& start = watch->start;
    const auto& last = watch->last;
    record["responses"] = last.fresh.responses - start.fresh.responses;
    record["responses_5xx"] = last.fresh.responses_5xx - start.fresh.responses_5xx;
    record["previous_responses"] = last.previous.responses - start.previous.responses;
    record["previous_responses_5xx"] = last.previous.responses_5xx - start.previous.responses_5xx;
    record["mean_response_ms"] = last.fresh.mean_response_ms;
    record["previous_mean_response_ms"] = last.previous.mean_response_ms;
    // The tail judge's figures (HAProxy's per-request log), or why it could not judge.
    record["tail_judge"] = watch->tail_unavailable.empty();
    if (watch->tail_unavailable.empty()) {
      record["latency_samples"] = watch->fresh_latency.samples;
      record["p50_ms"] = watch->fresh_latency.p50_ms;
      record["p99_ms"] = watch->fresh_latency.p99_ms;
      record["previous_latency_samples"] = watch->previous_latency.samples;
      record["previous_p50_ms"] = watch->previous_latency.p50_ms;
      record["previous_p99_ms"] = watch->previous_latency.p99_ms;
      if (watch->baseline_from_earlier_step) record["previous_latency_from_earlier_step"] = true;
    } else {
      record["tail_judge_unavailable"] = watch->tail_unavailable;
    }
  }
  record["verdict"] = breach.empty() ? "passed" : "breached";
  if (!breach.empty()) record["reason"] = breach;
  run.steps.back() = json::serialize(record);
  record_progress(run);
  if (watch) {
    // The step's figures as they went to the ledger, as one event.
    auto line = what + " " + (breach.empty() ? "passed" : "breached");
    const auto& start = watch->start;
    const auto& last = watch->last;
    line += ": " + std::to_string(last.fresh.responses - start.fresh.responses) + " responses, " +
            std::to_string(last.fresh.responses_5xx - start.fresh.responses_5xx) + " 5xx";
    if (watch->tail_unavailable.empty()) {
      line += "; p50/p99 " + std::to_string(watch->fresh_latency.p50_ms) + "/" +
              std::to_string(watch->fresh_latency.p99_ms) + " ms over " +
              std::to_string(watch->fresh_latency.samples) + " against " +
              std::to_string(watch->previous_latency.p50_ms) + "/" +
              std::to_string(watch->previous_latency.p99_ms) + " ms over " +
              std::to_string(watch->previous_latency.samples) +
              (watch->baseline_from_earlier_step ? " (an earlier step's)" : "");
    } else {
      line += "; tail not judged";
    }
    json::object fields = record;
    fields["revision"] = run.ref.revision;
    events_.progress("step_judged", line, std::move(fields));
  }
}

void VmTarget::enter_stage(DeployRun& run, const std::string& stage) {
  run.stage = stage;
  events_.progress(
      "stage", stage + " (" + run.strategy + ")",
      json::object{{"stage", stage}, {"strategy", run.strategy}, {"revision", run.ref.revision}});
  record_progress(run);
}

std::optional<std::string> VmTarget::run_stage(DeployRun& run,
                                               const release::DeploymentStrategy& strategy,
                                               release::LifecycleStage at) {
  enter_stage(run, std::string(release::to_string(at)));
  // A rollback asked for by `slipway rollback` fails the stage: the same way back as a hook's.
  if (auto requested = rollback_requested(run.ref.revision)) return requested;
  const std::map<std::string, std::string> context{
      {"SERVICE_NAME", config_.spec.service},
      {"SLIPWAY_RELEASE", run.ref.commit},
      {"SLIPWAY_IMAGE", run.ref.image},
      {"SLIPWAY_PREVIOUS_RELEASE", run.prior ? run.prior->commit : ""},
      {"SLIPWAY_TEST_LISTENER", config_.spec.vm.test_listener_port == 0
                                    ? ""
                                    : "http://" + config_.spec.vm.test_listener_address + ":" +
                                          std::to_string(config_.spec.vm.test_listener_port) +
                                          "/"}};
  auto outcome = run_lifecycle_hooks(config_.spec, strategy, at, context);
  for (const auto& line : outcome.lines) events_.progress("hook", line);
  if (outcome.passed) return std::nullopt;
  return outcome.failure;
}

std::optional<DeployReport> VmTarget::stand_up_new_fleet(DeployRun& run, VmState& state,
                                                         const RolloutRelease& release,
                                                         const std::string& kept) {
  if (auto failure =
          run_stage(run, release.workload.strategy, release::LifecycleStage::pre_scale_up)) {
    return drop_new_fleet(run, state, kept, *failure, DeployStatus::rolled_back,
                          release::Outcome::rolled_back);
  }
  // The new fleet joins in rotation at weight 0: up, checked, taking no request until a switch
  // or a step gives it a share.
  run.weighted = true;
  auto result = rollout_.stand_up_unweighted(state, release, run.desired, run.deadline);
  run.phase("scale_up");
  if (result.ok) return std::nullopt;
  return result.timed_out
             ? drop_new_fleet(run, state, kept, result.reason, DeployStatus::timed_out,
                              release::Outcome::timed_out)
             : drop_new_fleet(run, state, kept, result.reason, DeployStatus::rolled_back,
                              release::Outcome::rolled_back);
}

DeployReport VmTarget::drop_new_fleet(DeployRun& run, VmState& state, const std::string& kept,
                                      const std::string& why, DeployStatus status,
                                      release::Outcome outcome) {
  std::vector<ReplicaState> fresh;
  for (const auto& r : state.replicas) {
    if (r.revision == run.ref.revision) fresh.push_back(r);
  }
  events_.progress("rollback_started", kept + " keeps serving: " + why);
  test_traffic(run, state, false);
  rollout_.retire(state, fresh, why);
  return finish(run, status, outcome, why);
}

DeployReport VmTarget::progressive(DeployRun& run, VmState& state, const RolloutRelease& release) {
  using release::LifecycleStage;
  const auto& strategy = release.workload.strategy;
  const std::string name(release::to_string(strategy.kind));
  const auto plan = release::plan_traffic(strategy, config_.spec.vm.strategy_minute);
  // The steps' bakes are part of the run: the deploy timeout is for everything else.
  run.deadline += release::planned_duration(plan);
  const auto revision = run.ref.revision;
  const auto prior = run.prior->revision;
  StepLimits limits;
  limits.max_5xx_ratio = config_.spec.vm.bake_max_5xx_ratio;
  limits.max_p99_ratio = config_.spec.vm.latency_p99_max_ratio;
  limits.p99_floor_ms = static_cast<double>(config_.spec.vm.latency_floor.count());
  limits.min_p99_samples = config_.spec.vm.latency_min_samples;
  // The previous release's tail from the last step it served enough of: from 100 % on it serves
  // nothing, and the new release is judged against what it was.
  std::optional<LatencyFigures> previous_tail;
  auto watch = [&](std::chrono::milliseconds bake) {
    auto watched = rollout_.watch_step(state, revision, bake, limits, run.deadline, previous_tail);
    if (watched.tail_unavailable.empty() && !watched.baseline_from_earlier_step &&
        watched.previous_latency.samples >= limits.min_p99_samples) {
      previous_tail = watched.previous_latency;
    }
    return watched;
  };
  auto stage = [&](LifecycleStage at) { return run_stage(run, strategy, at); };
  auto retire_green = [&](const std::string& why) {
    std::vector<ReplicaState> green;
    for (const auto& r : state.replicas) {
      if (r.revision == revision) green.push_back(r);
    }
    rollout_.retire(state, green, why);
  };
  // Until a step gives it a share, green takes no request: dropping it is the whole rollback.
  auto drop_green = [&](const std::string& why, DeployStatus status, release::Outcome outcome) {
    return drop_new_fleet(run, state, "revision " + std::to_string(prior), why, status, outcome);
  };
  // Every request back on the previous release in one balancer command, then green goes.
  auto shift_back = [&](const std::string& why) {
    events_.progress("rollback_started",
                     "all traffic back on revision " + std::to_string(prior) + ": " + why);
    rollout_.weigh(state, revision, 0, 1);
    events_.progress("traffic",
                     "0% on revision " + std::to_string(revision) + ", 100% on revision " +
                         std::to_string(prior),
                     json::object{{"strategy", name},
                                  {"revision", revision},
                                  {"previous_revision", prior},
                                  {"new_share_percent", 0},
                                  {"rollback", true}});
    run.phase("shift_back");
    state.current = run.prior;
    state.previous = run.prior_previous;
    save_state(paths_, state);
    retire_green(why);
    run.phase("restore");
    return finish(run, DeployStatus::rolled_back, release::Outcome::rolled_back, why);
  };

  if (auto failed = stand_up_new_fleet(run, state, release, "revision " + std::to_string(prior))) {
    return *failed;
  }
  // Without vm.test_listener the test traffic stages run their hooks only.
  for (auto at :
       {LifecycleStage::post_scale_up, LifecycleStage::test_traffic_shift,
        LifecycleStage::post_test_traffic_shift, LifecycleStage::pre_production_traffic_shift}) {
    if (auto failure = stage(at)) {
      return drop_green(*failure, DeployStatus::rolled_back, release::Outcome::rolled_back);
    }
    // The test listener serves the new release from TEST_TRAFFIC_SHIFT until the first step.
    if (at == LifecycleStage::test_traffic_shift) test_traffic(run, state, true);
  }
  test_traffic(run, state, false);
  const int steps = static_cast<int>(plan.steps.size());
  for (int i = 0; i < steps; ++i) {
    const auto& step = plan.steps[static_cast<std::size_t>(i)];
    const auto step_name = "step " + std::to_string(i + 1) + "/" + std::to_string(steps) + " (" +
                           release::percent_text(step.new_share_tenths) + "%)";
    auto weights = rollout_.shift_traffic(state, revision, step.new_share_tenths);
    if (step.new_share_tenths >= 1000) {
      state.previous = run.prior;
      state.current = run.ref;
      save_state(paths_, state);
    }
    events_.progress(
        "traffic",
        step_name + ": " + release::percent_text(weights.effective_share_tenths) +
            "% on revision " + std::to_string(revision) + ", " +
            release::percent_text(1000 - weights.effective_share_tenths) + "% on revision " +
            std::to_string(prior) + " (weights " + std::to_string(weights.new_weight) + ":" +
            std::to_string(weights.old_weight) + ")",
        json::object{{"strategy", name},
                     {"step", i + 1},
                     {"steps", steps},
                     {"revision", revision},
                     {"previous_revision", prior},
                     {"new_share_percent", step.new_share_tenths / 10.0},
                     {"effective_share_percent", weights.effective_share_tenths / 10.0},
                     {"new_weight", weights.new_weight},
                     {"old_weight", weights.old_weight}});
    json::object record{{"step", i + 1},
                        {"steps", steps},
                        {"new_share_percent", step.new_share_tenths / 10.0},
                        {"effective_share_percent", weights.effective_share_tenths / 10.0},
                        {"new_weight", weights.new_weight},
                        {"old_weight", weights.old_weight},
                        {"bake_ms", step.bake.count()}};
    run.steps.push_back(json::serialize(record));
    if (auto failure = stage(LifecycleStage::production_traffic_shift)) {
      record_step(run, record, std::nullopt, "hook failed: " + *failure);
      return shift_back(step_name + ": " + *failure);
    }
    if (step.bake.count() == 0) {
      record_step(run, record, std::nullopt, "");
      continue;
    }
    auto watched = watch(step.bake);
    run.phase("step_" + std::to_string(i + 1));
    record_step(run, record, watched, watched.breach.value_or(""), step_name);
    if (watched.breach) return shift_back(step_name + ": " + *watched.breach);
  }
  events_.progress("switched", "all traffic on revision " + std::to_string(revision) + " (" +
                                   short_sha(run.ref.commit) + "); revision " +
                                   std::to_string(prior) + " kept warm");
  if (auto failure = stage(LifecycleStage::post_production_traffic_shift)) {
    return shift_back(*failure);
  }
  if (plan.final_bake.count() > 0) {
    enter_stage(run, "BAKE_TIME");
    auto watched = watch(plan.final_bake);
    run.phase("bake");
    json::object record{
        {"stage", "BAKE_TIME"}, {"new_share_percent", 100.0}, {"bake_ms", plan.final_bake.count()}};
    run.steps.push_back(json::serialize(record));
    record_step(run, record, watched, watched.breach.value_or(""), "bake");
    if (watched.breach) return shift_back("bake: " + *watched.breach);
  }
  enter_stage(run, "CLEAN_UP");
  // Green back to the default weight before blue leaves: no server keeps a step's weight.
  rollout_.weigh(state, revision, 1, 0);
  std::vector<ReplicaState> blue;
  for (const auto& r : state.replicas) {
    if (r.revision != revision) blue.push_back(r);
  }
  rollout_.retire(state, blue, "replaced by revision " + std::to_string(revision));
  run.phase("retire_old");
  return finish(run, DeployStatus::succeeded, release::Outcome::succeeded, "");
}

}  // namespace slipway::targets::vm
