#pragma once
// The vm target: one machine, HAProxy in front, N replicas of a release behind it. It composes an
// engine (engine.hpp), a balancer (balancer.hpp) and the rollout (rollout.hpp) into the verbs:
// checks that change nothing first, the ledger entry, the rollout and bake, the outcome recorded,
// the previous release restored on failure. All state lives in the state directory; every
// changing command holds the state lock.

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "release/ledger.hpp"
#include "release/secret_versions.hpp"
#include "release/spec.hpp"
#include "release/target.hpp"
#include "release/workload.hpp"
#include "targets/vm/balancer.hpp"
#include "targets/vm/engine.hpp"
#include "targets/vm/events.hpp"
#include "targets/vm/haproxy_api.hpp"
#include "targets/vm/lock.hpp"
#include "targets/vm/rollout.hpp"
#include "targets/vm/secret_source.hpp"
#include "targets/vm/state.hpp"

namespace slipway::targets::vm {

struct VmConfig {
  release::ServiceSpec spec;
  std::string state_dir;
  std::string engine;                       // overrides spec.vm.engine when not empty
  std::chrono::seconds timeout{900};        // a whole deploy, bake included
  std::chrono::seconds lock_timeout{3600};  // a lock older than this is stale
  std::string who;                          // recorded in the ledger; user@host when empty
};

using DeployStatus = release::Outcome;
using DeployReport = release::RolloutReport;

// Renders the workload of an earlier release (its image in ${IMAGE}): used to restore or roll
// back to it without a rebuild.
using WorkloadRenderer = std::function<release::Workload(const release::Release&)>;

struct ReplicaStatus {
  ReplicaState replica;
  bool running = false;
  int restarts = 0;
  std::optional<int> probe_status;  // the health path's status code now
  std::string haproxy_status;       // UP, DOWN, DRAIN, MAINT, or empty when not in HAProxy
  std::int64_t current_sessions = 0;
  std::int64_t responses = 0;
  std::int64_t responses_5xx = 0;
  int weight = 0;  // the HAProxy server's weight (0 takes no requests)
};

struct StatusReport {
  VmState state;
  bool haproxy_running = false;
  std::string listener;  // http://ADDRESS:PORT/
  std::string metrics;   // HAProxy's Prometheus endpoint
  std::vector<ReplicaStatus> replicas;
};

// What `prune` removed (or would remove, on a dry run) and what it kept.
struct PruneReport {
  std::vector<std::string> removed;
  std::vector<std::string> kept;
};

class VmTarget {
 public:
  // The target with the engine `config` (or the state) names, HAProxy, and HTTP health probes.
  VmTarget(VmConfig config, EventLog& events);
  // The target over the given engine, balancer and probe (tests drive it through fakes).
  VmTarget(VmConfig config, EventLog& events, std::unique_ptr<Engine> engine,
           std::unique_ptr<Balancer> balancer, ReplicaProbe probe);
  ~VmTarget();

  // Rolls `release` (commit and image set) out with `workload`; `previous` renders the workload
  // of the release to restore on failure. Throws core::InputError (nothing changed) for an
  // unknown image, an unresolvable secret, a port in use, limits that allow no progress;
  // LockedError when another command holds the lock. Otherwise returns how it ended.
  DeployReport deploy(release::Release release, const release::Workload& workload,
                      const SecretResolver& secrets, const WorkloadRenderer& previous);

  // Deploys the last good release before the current one, or the release `to` (revision or
  // commit SHA) from the ledger; no rebuild. Throws release::ReleaseNotFound when there is none.
  DeployReport rollback(const std::optional<std::string>& to, const SecretResolver& secrets,
                        const WorkloadRenderer& render);

  // Restarts what runs stale secret versions (current_versions says which are current; the
  // spec's secrets.reloaded_by_app never count): a new release of the same image and task
  // definition (refresh_of set in the ledger), rolled out like a deploy, bake and rollback
  // included, where the replicas that already run the current versions are kept, not restarted.
  // Nothing stale: changes nothing and says so (details.refreshed false). Throws NotRunning when
  // nothing is deployed, SecretUnresolvable (nothing changed) when a secret no longer exists.
  DeployReport refresh(const SecretResolver& secrets, const WorkloadRenderer& render,
                       const release::CurrentSecretVersions& current_versions);

  // Sets the replica count of the current release and converges to it.
  DeployReport scale(int count, const SecretResolver& secrets, const WorkloadRenderer& render);

  // Starts HAProxy when it is not running (with the replicas the state records).
  void ensure_balancer();

  // Removes this stack's release images from the engine's store except the images of the last
  // `keep` good releases and whatever runs or is current or previous; with `dry_run` only says
  // which. Holds the state lock: a deploy cannot start an image while it is being removed.
  // Only the stack's own images are candidates: those its ledger or its SBOMs name.
  PruneReport prune(std::size_t keep, bool dry_run);

  // Stops every replica (drained first) and HAProxy; the current release stays recorded.
  void down();

  // Returns the stack as it is now: state, engine view, probes and HAProxy counters.
  StatusReport status();

  // Returns every replica's recent log lines, each prefixed with the replica name.
  std::string logs(int tail_lines);

  // Returns each replica's whole log, by replica name.
  std::map<std::string, std::string> replica_logs();

  // The engine replicas run on (also where images are looked up).
  Engine& engine() { return *engine_; }

  // Returns the current release from the ledger, if any.
  std::optional<release::Release> current_release() const;

  const StatePaths& paths() const { return paths_; }

  // The service spec this target was configured with.
  const release::ServiceSpec& spec() const { return config_.spec; }

 private:
  struct DeployRun;
  void ensure_balancer(VmState& state);
  ResolvedSecrets resolve(const SecretResolver& secrets, const release::Workload& workload) const;
  DeployReport deploy_locked(release::Release release, const release::Workload& workload,
                             const SecretResolver& secrets, const WorkloadRenderer& previous);
  // The deploy after its release is in the ledger: roll, bake, retire the old fleet or restore.
  DeployReport roll_out(DeployRun& run, VmState& state, const RolloutRelease& release,
                        const SecretResolver& secrets, const WorkloadRenderer& previous);
  // BLUE_GREEN (deploymentConfiguration.strategy) when a release serves: the full new fleet
  // joins beside it at weight 0, lifecycle hooks run at each stage, production switches in one
  // balancer command (weights), the old fleet stays warm at weight 0 through bakeTimeInMinutes,
  // and a breach or a failed hook switches back (the same command the other way).
  DeployReport blue_green(DeployRun& run, VmState& state, const RolloutRelease& release,
                          const SecretResolver& secrets, const WorkloadRenderer& previous);
  // LINEAR / CANARY (deploymentConfiguration.strategy) when a release serves: the full new fleet
  // joins beside it with weight 0, production traffic shifts by HAProxy weights step by step
  // (release::plan_traffic), each step judged from the balancer's counters (step_judge.hpp),
  // lifecycle hooks at each stage; a breach or a failed hook puts every request back on the
  // previous release in one balancer command.
  // Blue never leaves rotation before the end, so nothing needs restarting on the way back.
  DeployReport progressive(DeployRun& run, VmState& state, const RolloutRelease& release);
  // With a test listener configured: puts the run's new replicas behind it (`on`) or takes them
  // away; nothing when it already is so.
  void test_traffic(DeployRun& run, const VmState& state, bool on);
  // BLUE_GREEN, LINEAR, CANARY: PRE_SCALE_UP's hooks, then the new fleet in rotation at weight
  // 0. Returns the finished report (the new fleet dropped) when either failed, else nullopt.
  std::optional<DeployReport> stand_up_new_fleet(DeployRun& run, VmState& state,
                                                 const RolloutRelease& release,
                                                 const std::string& kept);
  // Before the new fleet took production traffic, dropping it is the whole rollback: `kept`
  // (the release still serving) is named in the event, the new replicas retire, the run ends.
  DeployReport drop_new_fleet(DeployRun& run, VmState& state, const std::string& kept,
                              const std::string& why, DeployStatus status,
                              release::Outcome outcome);
  // Writes the run's strategy, stage and steps into its ledger entry (status reads them live).
  void record_progress(const DeployRun& run);
  // Completes the run's last step record with the judge's figures (from `watch`, when the step
  // was watched) and its verdict (`breach` empty: passed), and records it; a watched step is
  // also a `step_judged` event with those figures (`what` names the step in its message).
  void record_step(DeployRun& run, boost::json::object record,
                   const std::optional<Rollout::StepWatch>& watch, const std::string& breach,
                   const std::string& what = "");
  // Reports and records that the run entered `stage`.
  void enter_stage(DeployRun& run, const std::string& stage);
  // Reports the lifecycle stage `at` and runs its hooks; returns why the stage failed, if it did.
  std::optional<std::string> run_stage(DeployRun& run, const release::DeploymentStrategy& strategy,
                                       release::LifecycleStage at);
  // A refresh: the replicas of the release it replaces that already run `resolved`'s versions
  // (reloaded_by_app aside) become the refresh's own, so the rollout restarts only stale ones.
  void adopt_fresh_replicas(DeployRun& run, VmState& state, const ResolvedSecrets& resolved);
  // Puts the release the run replaces back in service when it no longer fully is: backups
  // promoted, the old fleet rolled forward again if it was reduced; the run's replicas retired.
  // Returns false when that could not be done.
  bool restore_prior(DeployRun& run, VmState& state, const SecretResolver& secrets,
                     const WorkloadRenderer& previous, const std::string& why);
  // Ends a run that threw after its ledger entry: records it failed, restores the previous
  // release (not cancellable), then records rolled_back when that worked.
  void abandon(DeployRun& run, VmState& state, const SecretResolver& secrets,
               const WorkloadRenderer& previous, const std::string& error);
  void record_outcome(std::int64_t revision, release::Outcome outcome, std::string reason);
  // The run succeeded: stops every replica it replaced (and the backups), then finishes it.
  DeployReport retire_replaced(DeployRun& run, VmState& state);
  // Records how the run ended in the ledger and reports it.
  DeployReport finish(DeployRun& run, DeployStatus status, release::Outcome outcome,
                      std::string reason);
  // Right after taking the lock: reports a stale lock taken over, and records every release
  // still in_progress (its run died, or could not write its outcome) as failed.
  // A BLUE_GREEN / LINEAR / CANARY run interrupted before CLEAN_UP is rolled back here: all
  // traffic back on the release it was replacing in one weights command, its fleet stopped.
  void repair_interrupted_runs(const StateLock& lock);
  // The rollback of one interrupted run (`entry`, recorded failed with `why`): see above.
  void roll_back_interrupted(const release::Release& entry, const std::string& why);
  // For `status`: the repair above when a release is left in progress and no live run holds the
  // lock (its holder died).
  void repair_if_unlocked();
  // The reason the run of `revision` is asked to roll back (the rollback-request file names it),
  // if it is.
  std::optional<std::string> rollback_requested(std::int64_t revision) const;
  // For `slipway rollback` refused by the lock: when a BLUE_GREEN / LINEAR / CANARY deploy is in
  // progress, asks it to roll back (the rollback-request file), waits until it ended, takes the
  // lock into `lock` and returns its ledger entry as it was asked; nullopt (nothing asked) for
  // any other holder. Throws LockedError when the deploy does not end within the timeout.
  std::optional<release::Release> ask_running_deploy_to_roll_back(std::optional<StateLock>& lock);
  // What `slipway rollback` reports after asking `asked`'s deploy: succeeded when it rolled back.
  DeployReport report_aborted(const release::Release& asked);
  // What an interrupted run left (this command holds the lock, so no run is live): replicas it
  // started but never put in rotation, backups of its bake, balancer servers no replica of the
  // state owns. Retires and removes them, saying so, before the command changes anything else.
  void clear_leftovers(VmState& state);

  VmConfig config_;
  StatePaths paths_;
  EventLog& events_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Balancer> balancer_;
  Rollout rollout_;
};

}  // namespace slipway::targets::vm
