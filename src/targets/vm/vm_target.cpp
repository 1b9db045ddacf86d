#include "targets/vm/vm_target.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/private_files.hpp"
#include "core/redaction.hpp"
#include "release/errors.hpp"
#include "release/identity.hpp"
#include "targets/vm/deploy_run.hpp"
#include "targets/vm/errors.hpp"
#include "targets/vm/haproxy_balancer.hpp"
#include "targets/vm/lock.hpp"
#include "targets/vm/replica_ports.hpp"
#include "targets/vm/rollout_plan.hpp"

namespace slipway::targets::vm {
namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

ReplicaHandle handle_of(const ReplicaState& replica) {
  return {replica.name, replica.supervisor_pid, replica.supervisor_identity};
}

// The engine a target runs replicas on: the one `config` names, unless replicas already run on
// the one the state records (they stay there).
std::unique_ptr<Engine> engine_for(const VmConfig& config) {
  StatePaths paths(config.state_dir);
  core::create_private_directories(paths.dir);
  auto state = load_state(paths);
  std::string engine = config.engine.empty() ? config.spec.vm.engine : config.engine;
  if (!state.engine.empty() && !state.replicas.empty()) engine = state.engine;
  return make_engine(engine, paths.dir);
}

}  // namespace

std::string who_am_i() {
  const char* user = std::getenv("USER");
  std::string name = user != nullptr ? user : "";
  if (name.empty()) {
    // No USER in CI jobs and containers: the account of the uid is the next best name.
    if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr) name = entry->pw_name;
  }
  return (name.empty() ? "uid" + std::to_string(::getuid()) : name) + "@" + host_name();
}

VmTarget::VmTarget(VmConfig config, EventLog& events)
    : VmTarget(config, events, engine_for(config), nullptr, http_probe(config.spec)) {}

VmTarget::VmTarget(VmConfig config, EventLog& events, std::unique_ptr<Engine> engine,
                   std::unique_ptr<Balancer> balancer, ReplicaProbe probe)
    : config_(std::move(config)),
      paths_(config_.state_dir),
      events_(events),
      engine_(std::move(engine)),
      balancer_(balancer ? std::move(balancer)
                         : std::make_unique<HaproxyBalancer>(config_.spec, paths_, events)),
      rollout_(config_.spec, paths_, events_, *engine_, *balancer_, std::move(probe)) {
  core::create_private_directories(paths_.dir);
}

VmTarget::~VmTarget() = default;

void VmTarget::ensure_balancer(VmState& state) {
  if (balancer_->running()) return;
  // Replicas recorded as in HAProxy but gone (machine restarted) are not brought back.
  for (auto& r : state.replicas) {
    if (!engine_->running(handle_of(r))) r.in_haproxy = false;
  }
  balancer_->start(state);
  events_.progress("balancer_started",
                   "HAProxy listening on http://" + config_.spec.vm.listener_address + ":" +
                       std::to_string(config_.spec.vm.listener_port) + "/ (metrics on :" +
                       std::to_string(config_.spec.vm.stats_port) + "/metrics)");
}

void VmTarget::ensure_balancer() {
  StateLock lock(paths_.lock_file(), "slipway up", config_.lock_timeout);
  auto state = load_state(paths_);
  state.service = config_.spec.service;
  if (state.engine.empty()) state.engine = engine_->name();
  ensure_balancer(state);
  save_state(paths_, state);
}

ResolvedSecrets VmTarget::resolve(const SecretResolver& secrets,
                                  const release::Workload& workload) const {
  if (workload.secrets.empty()) return {};
  if (!secrets)
    throw SecretUnresolvable("the task definition has secrets but no resolver is configured");
  try {
    auto resolved = secrets(workload.secrets);
    for (const auto& ref : workload.secrets) {
      if (!resolved.values.contains(ref.name)) {
        throw SecretUnresolvable("secret " + ref.name + " (" + ref.value_from +
                                 ") was not resolved");
      }
    }
    for (const auto& [name, value] : resolved.values) core::register_secret(value);
    return resolved;
  } catch (const SecretUnresolvable&) {
    throw;
  } catch (const std::exception& e) {
    throw SecretUnresolvable(std::string("cannot resolve the task definition's secrets: ") +
                             core::redact(e.what()));
  }
}

void VmTarget::clear_leftovers(VmState& state) {
  std::vector<ReplicaState> leftovers;
  for (const auto& r : state.replicas) {
    // Never in rotation (started, or only recorded, by a run that died before admitting it), or
    // the warm previous release of a bake that never ended. Counting them as the old fleet
    // would stop the replicas that do serve first.
    if (r.backup || !r.in_haproxy) leftovers.push_back(r);
  }
  rollout_.retire(state, leftovers, "left over from an interrupted run");
  // A server the dead run filled (a backup slot while demoting, say) before it saved the state.
  std::vector<std::string> owned;
  for (const auto& r : state.replicas) {
    if (!r.server.empty()) owned.push_back(r.server);
    if (!r.backup_server.empty()) owned.push_back(r.backup_server);
  }
  for (const auto& stat : balancer_->stats()) {
    if (stat.server == "BACKEND" || stat.status.starts_with("MAINT") ||
        std::find(owned.begin(), owned.end(), stat.server) != owned.end()) {
      continue;
    }
    balancer_->remove(state, stat.server);
    events_.progress("stray_server", "removed HAProxy server " + stat.server + " (" + stat.status +
                                         "): no replica owns it, left by an interrupted run");
  }
}

DeployReport VmTarget::deploy(release::Release release, const release::Workload& workload,
                              const SecretResolver& secrets, const WorkloadRenderer& previous) {
  StateLock lock(paths_.lock_file(), "slipway deploy " + release.image, config_.lock_timeout);
  repair_interrupted_runs(lock);
  return deploy_locked(std::move(release), workload, secrets, previous);
}

DeployReport VmTarget::deploy_locked(release::Release release, const release::Workload& workload,
                                     const SecretResolver& secrets,
                                     const WorkloadRenderer& previous) {
  DeployRun run;
  run.started = Clock::now();
  run.deadline = run.started + config_.timeout;
  run.phase_started = run.started;
  run.report.image = release.image;

  // Checks that change nothing come first.
  auto state = load_state(paths_);
  state.service = config_.spec.service;
  try {
    release.digest = engine_->image_digest(release.image);  // one engine call: also says it exists
  } catch (const UnknownImage&) {
    throw UnknownImage("image " + release.image + " is not in the " + engine_->name() +
                       " image store: build it with `slipway build` or check the tag");
  }
  auto resolved = resolve(secrets, workload);
  release.secret_versions = resolved.versions;
  release.task_definition = workload.task_definition;
  // A damaged ledger stops the deploy here, before anything changed.
  auto ledger = release::Ledger::load(paths_.ledger_file());
  run.desired = state.desired_count.value_or(workload.desired_count);
  auto limits = fleet_limits(run.desired, workload.limits.minimum_healthy_percent,
                             workload.limits.maximum_percent);
  {
    int old = 0;
    for (const auto& r : state.replicas) old += r.backup ? 0 : 1;
    if (!can_keep_old_warm(old, limits) && old > 0 && next_rollout_step({old, 0}, limits).done()) {
      throw core::InputError(
          "deploymentConfiguration allows no progress with " + std::to_string(run.desired) +
          " replica(s): raise maximumPercent or lower minimumHealthyPercent in service.json");
    }
  }
  {
    const auto& ports = config_.spec.vm.replica_ports;
    const auto needed = state.replicas.size() + static_cast<std::size_t>(run.desired);
    if (static_cast<std::size_t>(ports.size()) < needed) {
      throw core::InputError("vm.replica_ports " + std::to_string(ports.first) + "-" +
                             std::to_string(ports.last) + " has " + std::to_string(ports.size()) +
                             " port(s); this deploy runs up to " + std::to_string(needed) +
                             " replicas at once: widen the range in slipway.yaml");
    }
    if (auto ephemeral = ephemeral_port_range()) {
      if (auto warning = ephemeral_overlap_warning(ports, *ephemeral)) {
        events_.progress("warning", *warning);
      }
    }
  }
  if (state.engine.empty() || state.replicas.empty()) state.engine = engine_->name();
  ensure_balancer(state);
  clear_leftovers(state);
  save_state(paths_, state);
  run.phase("prepare");

  // The same image (and digest) succeeded before: it proved its health then (a rollback, a
  // redeploy with other settings).
  const bool proven = std::any_of(ledger.releases().begin(), ledger.releases().end(),
                                  [&](const release::Release& r) {
                                    return r.outcome == release::Outcome::succeeded &&
                                           r.image == release.image && r.digest == release.digest;
                                  });
  release.who = config_.who.empty() ? who_am_i() : config_.who;
  release.when = utc_now_iso8601();
  release.outcome = release::Outcome::in_progress;
  run.report.revision = ledger.append(release);
  ledger.save();
  run.ref = ReleaseRef{run.report.revision, release.commit, release.image};
  run.prior = state.current;
  run.prior_previous = state.previous;
  if (release.refresh_of && run.prior) {
    run.refresh = true;
    run.report.details["refresh_of"] = *release.refresh_of;
    // Keeping replicas suits the rolling replacement only: BLUE_GREEN, LINEAR and CANARY stand a
    // whole new fleet up beside the old one and shift traffic between the two.
    if (workload.strategy.kind == release::DeploymentStrategyKind::rolling) {
      adopt_fresh_replicas(run, state, resolved);
    }
  }
  events_.progress("deploy_started",
                   "deploying revision " + std::to_string(run.ref.revision) + " (" + release.image +
                       ") with " + std::to_string(run.desired) + " replica(s), min healthy " +
                       std::to_string(limits.min_healthy) + ", max " +
                       std::to_string(limits.max_running),
                   json::object{{"revision", run.ref.revision}, {"image", release.image}});
  try {
    return roll_out(run, state, {run.ref, workload, resolved, proven}, secrets, previous);
  } catch (const std::exception& e) {
    // HAProxy or the engine failed, or the run was cancelled: whatever it was, the release gets
    // an outcome and the previous one is put back as far as possible; then the error goes on.
    abandon(run, state, secrets, previous, core::redact(e.what()));
    throw;
  }
}

void VmTarget::abandon(DeployRun& run, VmState& state, const SecretResolver& secrets,
                       const WorkloadRenderer& previous, const std::string& error) {
  // Recorded before restoring: a second signal or a kill during the restore leaves it so.
  record_outcome(run.ref.revision, release::Outcome::failed, error);
  events_.progress("rollback_started", "restoring the previous release: " + error);
  auto outcome = release::Outcome::failed;
  auto reason = error;
  // The restore itself is not cancelled: stopping halfway would leave nothing serving.
  rollout_.observe_cancellation(false);
  try {
    state.current = run.prior;
    state.previous = run.prior_previous;
    if (!restore_prior(run, state, secrets, previous, "abandoned: " + error)) {
      reason += "; restoring the previous release failed too";
    } else if (run.prior) {
      outcome = release::Outcome::rolled_back;
      reason += "; the previous release was restored";
    }
  } catch (const std::exception& e) {
    reason += "; restoring the previous release failed too: " + core::redact(e.what());
  }
  rollout_.observe_cancellation(true);
  try {
    record_outcome(run.ref.revision, outcome, reason);
  } catch (const std::exception&) {
    // The first record stands (failed).
  }
  events_.progress(
      "deploy_" + std::string(release::to_string(outcome)),
      "revision " + std::to_string(run.ref.revision) + " " +
          std::string(release::to_string(outcome)) + ": " + reason,
      json::object{{"revision", run.ref.revision}, {"status", release::to_string(outcome)}});
}

void VmTarget::record_outcome(std::int64_t revision, release::Outcome outcome, std::string reason) {
  auto ledger = release::Ledger::load(paths_.ledger_file());
  ledger.set_outcome(revision, outcome, std::move(reason));
  ledger.save();
}

DeployReport VmTarget::roll_out(DeployRun& run, VmState& state, const RolloutRelease& release,
                                const SecretResolver& secrets, const WorkloadRenderer& previous) {
  // A first deploy has no blue fleet: it starts like any other.
  const auto kind = release.workload.strategy.kind;
  if (run.prior && kind != release::DeploymentStrategyKind::rolling) {
    run.strategy = std::string(release::to_string(kind));
  }
  record_progress(run);
  // BLUE_GREEN, LINEAR, CANARY: `slipway rollback` may ask this run to roll back (the
  // rollback-request file); the watch of each step and bake asks, and each lifecycle stage.
  struct ClearAbortCheck {
    Rollout& rollout;
    ~ClearAbortCheck() { rollout.set_abort_check({}); }
  } clear_abort_check{rollout_};
  if (run.strategy != "ROLLING") {
    rollout_.set_abort_check(
        [this, revision = run.ref.revision] { return rollback_requested(revision); });
  }
  if (kind == release::DeploymentStrategyKind::blue_green && run.prior) {
    return blue_green(run, state, release, secrets, previous);
  }
  if ((kind == release::DeploymentStrategyKind::linear ||
       kind == release::DeploymentStrategyKind::canary) &&
      run.prior) {
    return progressive(run, state, release);
  }

  auto result = rollout_.roll(state, release, run.desired, true, run.deadline);
  run.phase("rollout");
  if (!result.ok) {
    bool rollback = release.workload.limits.circuit_breaker_rollback || result.timed_out;
    if (!rollback) {
      // Without rollback the new replicas that did come up stay; the rest keeps serving.
      return finish(run, DeployStatus::failed, release::Outcome::failed, result.reason);
    }
    events_.progress("rollback_started", "restoring the previous release: " + result.reason);
    if (!restore_prior(run, state, secrets, previous,
                       "rollback of revision " + std::to_string(run.ref.revision))) {
      return finish(run, DeployStatus::failed, release::Outcome::failed,
                    result.reason + "; restoring the previous release failed too");
    }
    run.phase("restore");
    return result.timed_out
               ? finish(run, DeployStatus::timed_out, release::Outcome::timed_out, result.reason)
               : finish(run, DeployStatus::rolled_back, release::Outcome::rolled_back,
                        result.reason);
  }
  state.previous = run.prior;
  state.current = run.ref;
  save_state(paths_, state);
  events_.progress("switched", "all traffic on revision " + std::to_string(run.ref.revision) +
                                   " (" + short_sha(run.ref.commit) + ")");

  // With no earlier release there is nothing to roll back to: a first deploy does not bake.
  if (config_.spec.vm.bake_time.count() > 0 && run.prior) {
    auto breach = rollout_.bake(state, run.ref.revision, run.deadline);
    run.phase("bake");
    if (breach) {
      events_.progress("rollback_started", "bake breached: " + *breach);
      state.current = run.prior;
      state.previous = run.prior_previous;
      if (!restore_prior(run, state, secrets, previous, "bake breached: " + *breach)) {
        return finish(run, DeployStatus::failed, release::Outcome::failed,
                      *breach + "; restoring the previous release failed too");
      }
      run.phase("restore");
      return finish(run, DeployStatus::rolled_back, release::Outcome::rolled_back,
                    "bake: " + *breach);
    }
  }
  return retire_replaced(run, state);
}

DeployReport VmTarget::retire_replaced(DeployRun& run, VmState& state) {
  std::vector<ReplicaState> old;
  for (const auto& r : state.replicas) {
    if (r.backup || r.revision != run.ref.revision) old.push_back(r);
  }
  rollout_.retire(state, old, "replaced by revision " + std::to_string(run.ref.revision));
  run.phase("retire_old");
  return finish(run, DeployStatus::succeeded, release::Outcome::succeeded, "");
}

void VmTarget::adopt_fresh_replicas(DeployRun& run, VmState& state,
                                    const ResolvedSecrets& resolved) {
  const auto& reloaded = config_.spec.secrets.reloaded_by_app;
  auto restarts_for = [&](const std::string& name) {
    return std::find(reloaded.begin(), reloaded.end(), name) == reloaded.end();
  };
  for (auto& r : state.replicas) {
    if (r.backup || !r.in_haproxy || r.revision != run.prior->revision) continue;
    bool fresh = !r.secret_versions.empty();
    for (const auto& [name, version] : resolved.versions) {
      if (!restarts_for(name)) continue;
      auto found = r.secret_versions.find(name);
      fresh = fresh && found != r.secret_versions.end() && found->second == version;
    }
    if (!fresh) continue;
    r.revision = run.ref.revision;
    run.adopted.push_back(r.name);
    events_.progress("kept", "replica " + r.name +
                                 " already runs the current secret versions: kept, not restarted");
  }
  if (!run.adopted.empty()) save_state(paths_, state);
}

bool VmTarget::restore_prior(DeployRun& run, VmState& state, const SecretResolver& secrets,
                             const WorkloadRenderer& previous, const std::string& why) {
  if (run.weighted) {
    try {
      test_traffic(run, state, false);
      rollout_.weigh(state, run.ref.revision, 0, 1);
    } catch (const HaproxyError&) {
      // The balancer is what failed: a restarted HAProxy gives every server its default weight.
    }
  }
  // The replicas a refresh kept go back to the release they were started as.
  for (auto& r : state.replicas) {
    if (run.prior &&
        std::find(run.adopted.begin(), run.adopted.end(), r.name) != run.adopted.end()) {
      r.revision = run.prior->revision;
    }
  }
  std::vector<ReplicaState> mine;
  std::vector<ReplicaState> backups;
  int prior_in_service = 0;
  for (const auto& r : state.replicas) {
    if (r.revision == run.ref.revision)
      mine.push_back(r);
    else if (r.in_haproxy && !r.backup)
      ++prior_in_service;
    if (r.backup) backups.push_back(r);
  }
  if (!backups.empty()) rollout_.promote(state, backups);
  if (run.prior && prior_in_service + static_cast<int>(backups.size()) < run.desired) {
    auto prior_release =
        release::Ledger::load(paths_.ledger_file()).by_revision(run.prior->revision);
    if (!prior_release || !previous) return false;
    auto prior_workload = previous(*prior_release);
    // A refresh failed: the prior release comes back with the versions it ran, not the rotated
    // ones that failed.
    if (run.refresh) {
      prior_workload.secrets =
          release::pin_secret_refs(prior_workload.secrets, prior_release->secret_versions);
    }
    auto prior_secrets = resolve(secrets, prior_workload);
    auto result = rollout_.roll(state, {*run.prior, prior_workload, prior_secrets, true},
                                run.desired, false, Clock::now() + config_.timeout);
    if (!result.ok) return false;
  }
  rollout_.retire(state, mine, why);
  state.current = run.prior;
  save_state(paths_, state);
  return true;
}

DeployReport VmTarget::finish(DeployRun& run, DeployStatus status, release::Outcome outcome,
                              std::string reason) {
  run.report.status = status;
  run.report.reason = reason;
  record_outcome(run.ref.revision, outcome, std::move(reason));
  run.phase("finish");
  events_.progress(
      "deploy_" + std::string(release::to_string(status)),
      "revision " + std::to_string(run.ref.revision) + " " +
          std::string(release::to_string(status)) +
          (run.report.reason.empty() ? "" : ": " + run.report.reason) + " in " +
          std::to_string(seconds_since(run.started)).substr(0, 5) + "s",
      json::object{{"revision", run.ref.revision}, {"status", release::to_string(status)}});
  return run.report;
}

DeployReport VmTarget::rollback(const std::optional<std::string>& to, const SecretResolver& secrets,
                                const WorkloadRenderer& render) {
  std::optional<StateLock> lock;
  std::optional<release::Release> asked;
  try {
    lock.emplace(paths_.lock_file(), "slipway rollback", config_.lock_timeout);
  } catch (const LockedError&) {
    // A BLUE_GREEN / LINEAR / CANARY deploy in its steps or bake is asked to roll back itself
    // (one weights command); `--to` and any other holder: refused as before.
    if (to) throw;
    asked = ask_running_deploy_to_roll_back(lock);
    if (!asked) throw;
  }
  repair_interrupted_runs(*lock);
  if (asked) {
    const auto ended = release::Ledger::load(paths_.ledger_file()).by_revision(asked->revision);
    // It succeeded before it saw the request: rolled back from like any current release.
    if (!ended || ended->outcome != release::Outcome::succeeded) return report_aborted(*asked);
    events_.progress("rollback", "revision " + std::to_string(asked->revision) +
                                     " succeeded before it saw the request: rolling back from it");
  }
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto state = load_state(paths_);
  std::optional<release::Release> target;
  if (to) {
    target = ledger.find(*to);
  } else {
    if (!state.current) {
      throw release::ReleaseNotFound(
          "nothing is deployed, so there is nothing to roll back: run `slipway deploy`");
    }
    target = ledger.last_good_before(state.current->revision);
    if (!target) {
      throw release::ReleaseNotFound("no earlier good release than revision " +
                                     std::to_string(state.current->revision) +
                                     " to roll back to: see `slipway history`");
    }
  }
  events_.progress(
      "rollback",
      "rolling back to revision " + std::to_string(target->revision) + " (" + target->image +
          "), no rebuild, " +
          (target->task_definition.empty()
               ? "with the task definition rendered now (revision " +
                     std::to_string(target->revision) + " predates recorded task definitions)"
               : "with the task definition it was deployed with (no variables needed; secrets "
                 "at their current version unless the reference pins one)"));
  release::Release next;
  next.commit = target->commit;
  next.image = target->image;
  next.rollback_of = target->revision;
  next.task_definition = target->task_definition;
  auto workload = render(*target);
  // Rolling a refresh back undoes the refresh: the versions the target release ran, pinned.
  if (auto now = state.current ? ledger.by_revision(state.current->revision) : std::nullopt;
      now && now->refresh_of) {
    workload.secrets = release::pin_secret_refs(workload.secrets, target->secret_versions);
    events_.progress("rollback_versions",
                     "revision " + std::to_string(now->revision) +
                         " was a refresh: the secrets go back to the versions revision " +
                         std::to_string(target->revision) + " ran");
  }
  return deploy_locked(next, workload, secrets, render);
}

DeployReport VmTarget::refresh(const SecretResolver& secrets, const WorkloadRenderer& render,
                               const release::CurrentSecretVersions& current_versions) {
  StateLock lock(paths_.lock_file(), "slipway refresh", config_.lock_timeout);
  repair_interrupted_runs(lock);
  auto state = load_state(paths_);
  if (!state.current) {
    throw NotRunning("nothing is deployed, so nothing runs stale secrets: run `slipway deploy`");
  }
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto current = ledger.by_revision(state.current->revision);
  if (!current)
    throw NotRunning("the current release is missing from the ledger " + paths_.ledger_file());
  auto workload = render(*current);
  std::map<std::string, std::string> now;
  if (!workload.secrets.empty()) {
    if (!current_versions) throw SecretUnresolvable("no secret store is configured");
    try {
      now = current_versions(workload.secrets);
    } catch (const std::exception& e) {
      throw SecretUnresolvable(core::redact(e.what()) + "; nothing was refreshed");
    }
  }
  const auto& reloaded = config_.spec.secrets.reloaded_by_app;
  std::set<std::string> stale_names;
  int serving = 0;
  int stale_replicas = 0;
  for (const auto& r : state.replicas) {
    if (r.backup) continue;
    ++serving;
    const auto& running = r.secret_versions.empty() ? current->secret_versions : r.secret_versions;
    bool stale = false;
    for (const auto& v :
         release::compare_secret_versions(workload.secrets, running, now, reloaded)) {
      if (!v.stale()) continue;
      stale = true;
      stale_names.insert(v.name);
    }
    stale_replicas += stale ? 1 : 0;
  }
  auto names = [](const auto& list) {
    std::string out;
    for (const auto& name : list) out += (out.empty() ? "" : ", ") + name;
    return out;
  };
  if (stale_replicas == 0) {
    DeployReport report;
    report.revision = current->revision;
    report.image = current->image;
    report.reason =
        "nothing stale: every replica runs the current version of each secret it "
        "reads at start";
    if (!reloaded.empty()) report.reason += " (" + names(reloaded) + " re-read by the app)";
    report.details["refreshed"] = false;
    events_.progress("refresh_unchanged", report.reason);
    return report;
  }
  events_.progress("refresh", std::to_string(stale_replicas) + " of " + std::to_string(serving) +
                                  " replica(s) run stale versions of " + names(stale_names) +
                                  ": refreshing revision " + std::to_string(current->revision) +
                                  " as a new release");
  release::Release next;
  next.commit = current->commit;
  next.image = current->image;
  next.task_definition = current->task_definition;
  next.refresh_of = current->revision;
  auto report = deploy_locked(next, workload, secrets, render);
  report.details["refreshed"] = true;
  if (report.status == release::Outcome::succeeded) {
    // A rotation during the refresh: its replicas run what was current when it started.
    try {
      const auto after = current_versions(workload.secrets);
      const auto ran = release::Ledger::load(paths_.ledger_file()).by_revision(report.revision);
      std::set<std::string> moved;
      for (const auto& v : release::compare_secret_versions(
               workload.secrets, ran ? ran->secret_versions : std::map<std::string, std::string>{},
               after, reloaded)) {
        if (v.stale()) moved.insert(v.name);
      }
      if (!moved.empty()) {
        events_.progress("refresh_outdated", names(moved) +
                                                 " rotated again during the refresh: run `slipway "
                                                 "refresh` again for the newest version");
      }
    } catch (const std::exception&) {
      // Only a hint: the refresh itself succeeded.
    }
  }
  return report;
}

DeployReport VmTarget::scale(int count, const SecretResolver& secrets,
                             const WorkloadRenderer& render) {
  if (count < 0 || count > 100)
    throw core::InputError("replica count " + std::to_string(count) +
                           " is out of range: use 0 to 100");
  StateLock lock(paths_.lock_file(), "slipway scale " + std::to_string(count),
                 config_.lock_timeout);
  repair_interrupted_runs(lock);
  auto state = load_state(paths_);
  if (!state.current)
    throw NotRunning("nothing is deployed: run `slipway deploy` or `slipway up` first");
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto current = ledger.by_revision(state.current->revision);
  if (!current)
    throw NotRunning("the current release is missing from the ledger " + paths_.ledger_file());
  auto workload = render(*current);
  auto resolved = resolve(secrets, workload);
  ensure_balancer(state);
  clear_leftovers(state);
  state.desired_count = count;
  save_state(paths_, state);
  DeployReport report;
  report.revision = current->revision;
  report.image = current->image;
  auto mine = state.replicas_of(current->revision);
  int have = static_cast<int>(mine.size());
  if (have > count) {
    std::vector<ReplicaState> surplus(mine.end() - (have - count), mine.end());
    rollout_.retire(state, surplus, "scaled to " + std::to_string(count));
  } else if (have < count) {
    // Same release: the "old" fleet is empty, the rollout only adds.
    const auto ref = *state.current;
    auto result = rollout_.roll(state, {ref, workload, resolved, true}, count, false,
                                Clock::now() + config_.timeout);
    if (!result.ok) {
      report.status = result.timed_out ? DeployStatus::timed_out : DeployStatus::failed;
      report.reason = result.reason;
      return report;
    }
  }
  events_.progress("scaled", "revision " + std::to_string(current->revision) + " runs " +
                                 std::to_string(count) + " replica(s)");
  return report;
}

PruneReport VmTarget::prune(std::size_t keep, bool dry_run) {
  StateLock lock(paths_.lock_file(), std::string("slipway prune") + (dry_run ? " --dry-run" : ""),
                 config_.lock_timeout);
  repair_interrupted_runs(lock);
  auto ledger = release::Ledger::load(paths_.ledger_file());
  auto state = load_state(paths_);
  PruneReport report;
  report.kept = ledger.protected_images(keep);
  for (const auto& r : state.replicas) report.kept.push_back(r.image);
  if (state.current) report.kept.push_back(state.current->image);
  if (state.previous) report.kept.push_back(state.previous->image);
  // Only images this stack knows: released (in its ledger) or built here (an SBOM in its
  // state). podman's store is shared by every stack of the machine, and another stack's images
  // are not this one's to remove.
  std::vector<std::string> ours;
  for (const auto& image : engine_->list_images(config_.spec.image_repository)) {
    const auto tag = image.substr(image.rfind(':') + 1);
    bool released = false;
    for (const auto& r : ledger.releases()) released = released || r.image == image;
    if (released ||
        std::filesystem::exists(std::filesystem::path(paths_.dir) / "sbom" / (tag + ".cdx.json"))) {
      ours.push_back(image);
    }
  }
  report.removed = release::images_to_prune(ours, report.kept);
  if (!dry_run) {
    for (const auto& image : report.removed) engine_->remove_image(image);
  }
  return report;
}

void VmTarget::down() {
  StateLock lock(paths_.lock_file(), "slipway down", config_.lock_timeout);
  auto state = load_state(paths_);
  if (balancer_->running()) {
    rollout_.retire(state, state.replicas, "slipway down");
    balancer_->stop();
    state.slots = 0;
    state.backup_slots = 0;
    events_.progress("down", "HAProxy stopped");
  } else {
    for (auto& r : state.replicas) r.in_haproxy = false;
    rollout_.retire(state, state.replicas, "slipway down");
    balancer_->stop();  // one that runs but does not answer
  }
  save_state(paths_, state);
}

StatusReport VmTarget::status() {
  repair_if_unlocked();
  StatusReport report;
  report.state = load_state(paths_);
  const auto& vm = config_.spec.vm;
  report.listener = "http://" + vm.listener_address + ":" + std::to_string(vm.listener_port) + "/";
  report.metrics = "http://" + vm.stats_address + ":" + std::to_string(vm.stats_port) + "/metrics";
  report.haproxy_running = balancer_->running();
  std::vector<ServerStat> stats;
  if (report.haproxy_running) {
    try {
      stats = balancer_->stats();
    } catch (const HaproxyError&) {
      report.haproxy_running = false;
    }
  }
  const auto probe = http_probe(config_.spec);
  for (const auto& r : report.state.replicas) {
    ReplicaStatus s;
    s.replica = r;
    s.running = engine_->running(handle_of(r));
    s.restarts = engine_->restarts(handle_of(r));
    s.probe_status = probe(r);
    for (const auto& stat : stats) {
      if (stat.server == serving_server(r)) {
        s.haproxy_status = stat.status;
        s.current_sessions = stat.current_sessions;
        s.responses = stat.responses;
        s.responses_5xx = stat.responses_5xx;
        s.weight = stat.weight;
      }
    }
    report.replicas.push_back(std::move(s));
  }
  return report;
}

std::string VmTarget::logs(int tail_lines) {
  auto state = load_state(paths_);
  std::ostringstream out;
  for (const auto& r : state.replicas) {
    std::istringstream lines(engine_->logs(handle_of(r), tail_lines));
    std::string line;
    while (std::getline(lines, line)) out << r.name << " | " << line << '\n';
  }
  return core::redact(out.str());
}

std::map<std::string, std::string> VmTarget::replica_logs() {
  std::map<std::string, std::string> out;
  for (const auto& r : load_state(paths_).replicas) {
    out[r.name] = core::redact(engine_->logs(handle_of(r), 0));
  }
  return out;
}

std::optional<release::Release> VmTarget::current_release() const {
  auto state = load_state(paths_);
  if (!state.current) return std::nullopt;
  return release::Ledger::load(paths_.ledger_file()).by_revision(state.current->revision);
}

}  // namespace slipway::targets::vm
