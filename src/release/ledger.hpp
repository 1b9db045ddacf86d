#pragma once
// The release ledger: one JSON file in the state dir listing every release ever attempted, so
// `history` can show them and `rollback` can find the last good one without a rebuild.
// Writes go to a temporary file renamed over the old one: a killed run never leaves half a file.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "release/outcome.hpp"

namespace slipway::release {

struct Release {
  std::int64_t revision = 0;  // 1, 2, 3 ... assigned by the ledger
  std::string commit;         // full commit SHA
  std::string image;          // REPOSITORY:SHA
  std::string digest;         // sha256:... of the image, empty for the process engine
  std::map<std::string, std::string> secret_versions;  // env name -> version id resolved
  std::string who;                                     // user@host that ran the command
  std::string when;                                    // UTC, ISO 8601
  Outcome outcome = Outcome::in_progress;
  std::string reason;                       // why it ended so (empty on success)
  std::optional<std::int64_t> rollback_of;  // set when this release is a rollback target
  // Set when this release is a refresh of that revision: the same image and task definition,
  // started with the secret versions current at the refresh.
  std::optional<std::int64_t> refresh_of;
  // The rendered task definition it ran with (compact JSON; secret references, never values);
  // empty for releases recorded before slipway kept it. A rollback restores exactly this.
  std::string task_definition;
  // The deploymentConfiguration strategy the rollout ran (ROLLING, BLUE_GREEN, LINEAR, CANARY);
  // empty for releases recorded before slipway kept it.
  std::string strategy;
  // The lifecycle stage it is at while in progress, the last one it reached once ended
  // (PRE_SCALE_UP ... BAKE_TIME, CLEAN_UP); empty under ROLLING.
  std::string stage;
  // Each production traffic step as it went (LINEAR / CANARY): one compact JSON object per step
  // with its share and weights, the judge's figures and its verdict.
  std::vector<std::string> steps;
};

class Ledger {
 public:
  // Loads `path` (a missing file is an empty ledger); throws LedgerError when it is unreadable
  // or not a ledger.
  static Ledger load(const std::string& path);

  // Writes the ledger atomically to the path it was loaded from; throws LedgerError.
  void save() const;

  // Appends `release` with the next revision number and returns that number.
  std::int64_t append(Release release);

  // Records how a release ended; throws ReleaseNotFound for an unknown revision.
  void set_outcome(std::int64_t revision, Outcome outcome, std::string reason);

  // Records the strategy, stage and steps of a release's rollout as it goes; throws
  // ReleaseNotFound for an unknown revision.
  void set_progress(std::int64_t revision, std::string strategy, std::string stage,
                    std::vector<std::string> steps);

  const std::vector<Release>& releases() const { return releases_; }

  // Returns the release with this revision number, or nullopt.
  std::optional<Release> by_revision(std::int64_t revision) const;

  // Returns the latest release whose commit starts with `sha_prefix` (at least 7 hex digits),
  // or whose revision is the number written; throws ReleaseNotFound naming `what` otherwise.
  Release find(std::string_view what) const;

  // Returns the newest succeeded release older than `current_revision` that differs from the
  // current one in its image or its recorded task definition (or, when the current one is a
  // refresh, in its secret versions); nullopt when there is none.
  std::optional<Release> last_good_before(std::int64_t current_revision) const;

  // Returns the images of the newest `keep` succeeded releases (distinct images, newest first):
  // these must never be pruned, so any of them can be rolled back to without a rebuild.
  std::vector<std::string> protected_images(std::size_t keep) const;

 private:
  std::string path_;
  std::vector<Release> releases_;
};

// Returns the images of `stored` that may be removed: every one not in `keep` (the protected
// good releases and whatever runs now). Pure, so the protection rule is table-tested.
std::vector<std::string> images_to_prune(const std::vector<std::string>& stored,
                                         const std::vector<std::string>& keep);

}  // namespace slipway::release
