#pragma once
// The interface every verb that deploys or inspects a service drives, whatever runs its
// releases: roll an image out, go back to an earlier release with no rebuild, list releases,
// show what runs, read its logs. targets/vm and targets/ecs implement it; the CLI chooses the
// implementation once, from slipway.yaml's `target:` (cli/target_factory.hpp), and never asks
// which one it holds.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "release/outcome.hpp"
#include "release/spec.hpp"

namespace slipway::release {

struct RolloutPhase {
  std::string phase;  // prepare, rollout, bake, restore, retire_old, finish
  double seconds = 0;
};

struct RolloutReport {
  Outcome status = Outcome::succeeded;
  std::int64_t revision = 0;  // the release attempted (ledger revision, task definition revision)
  std::string image;
  std::string reason;  // why it did not succeed
  std::vector<RolloutPhase> phases;
  // What only this target knows, printed as is with --output json (ecs: task_definition,
  // deployment_id, api_calls, ...).
  boost::json::object details;
};

// One line of `slipway history`.
struct ReleaseRecord {
  std::int64_t revision = 0;
  std::string commit;
  std::string image;
  std::string digest;
  std::string who;                 // who deployed it
  std::string when;                // UTC, ISO 8601
  std::optional<Outcome> outcome;  // none: a release slipway did not make (ecs)
  std::string reason;
  bool current = false;         // what runs now
  boost::json::object details;  // vm: secret_versions, task_definition, rollback_of; ecs: arn
};

// What `slipway status` prints: the same facts as a JSON document and as text lines.
struct StatusReport {
  boost::json::object document;
  std::vector<std::string> lines;
};

class Target {
 public:
  virtual ~Target() = default;

  // vm or ecs.
  virtual TargetKind kind() const = 0;

  // Rolls REPOSITORY:TAG out; throws core::InputError (nothing changed) for bad input,
  // LockedError when another run holds the service's lock, core::Cancelled on SIGINT/SIGTERM
  // (the lock released); otherwise reports how it ended (a failed rollout restores the previous
  // release).
  virtual RolloutReport deploy(const std::string& image) = 0;

  // Redeploys the last good release before the current one, or `to` (parse_release_selector's
  // grammar); throws ReleaseNotFound when there is none. Otherwise as deploy.
  virtual RolloutReport rollback(const std::optional<std::string>& to) = 0;

  // Restarts what runs secret versions older than the current ones (secrets the app re-reads
  // itself aside) as a new release of the same image, rolled out, baked and rolled back like a
  // deploy (vm: only the stale replicas; ecs: a new revision pinned to the current versions).
  // Nothing stale: changes nothing, succeeded with details.refreshed false and the reason saying
  // so. Throws core::InputError (nothing changed) when nothing is deployed or a secret no longer
  // exists; otherwise as deploy.
  virtual RolloutReport refresh() = 0;

  // Releases, newest first, at most `limit`.
  virtual std::vector<ReleaseRecord> history(std::size_t limit) = 0;

  // What runs now: release, replicas or tasks, health.
  virtual StatusReport status() = 0;

  // The service's recent log lines, at most `lines` (per replica on vm; 0 = all that is kept).
  virtual std::vector<std::string> logs(std::size_t lines) = 0;

  // Passes logs(lines) to `line`, then each new line as it is written, until core::Cancelled
  // (SIGINT); throws core::InputError, before passing anything, where the target cannot follow.
  virtual void follow_logs(std::size_t lines,
                           const std::function<void(const std::string&)>& line) = 0;
};

}  // namespace slipway::release
