#pragma once
// Release history on ECS: every task definition revision slipway registered, joined with the
// tags it wrote (commit, image, digest, who, when, outcome). Choosing a rollback target and the
// revisions cleanup may deregister are pure functions of it, so they are tested without AWS.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aws/ecs.hpp"
#include "release/identity.hpp"

namespace slipway::targets::ecs {

struct EcsRelease {
  std::string arn;
  std::string family;
  std::int64_t revision = 0;
  std::string commit;  // empty: not registered by slipway
  std::string image;   // the first container's image
  std::string digest;
  std::string deployed_by;
  std::string deployed_at;
  std::string outcome;  // in_progress | succeeded | rolled_back | failed | timed_out | superseded
  std::string reason;
  std::string strategy;  // the service file's deploymentConfiguration.strategy at deploy time
  std::int64_t refresh_of = 0;  // a refresh of that revision (tag slipway:refresh-of); 0: not
  bool current = false;         // the service's task definition now

  bool by_slipway() const { return !commit.empty(); }
  bool good() const { return outcome == "succeeded"; }
};

// Builds a release from a described revision (with tags); `current_arn` is the service's.
EcsRelease release_from(const aws::TaskDefinition& definition, const std::string& current_arn);

// Whether a plain `rollback` from `current` may return to `release`: a good release older than
// it, of another commit; or, when `current` is a refresh (the same image, newer secret versions),
// of the same commit too, since undoing a refresh means the versions before it.
bool default_rollback_target(const EcsRelease& current, const EcsRelease& release);

// Returns the release to roll back to. `to` empty: the newest release default_rollback_target
// allows (with no current release: the newest good one). `to` set: a revision number
// ("12"), a family:revision, an ARN, or a commit prefix of at least 7 hex digits (the newest
// revision with that commit, good ones first). Throws EcsInputError naming what was asked and
// what exists. `releases` is newest first.
EcsRelease choose_rollback_target(const std::vector<EcsRelease>& releases, std::string_view to);

// release::parse_release_selector(to), throwing EcsInputError.
release::ReleaseSelector rollback_selector(std::string_view to);

// Returns the ARNs cleanup may deregister: revisions registered by slipway that are none of
// - the newest `keep_good` good releases (distinct commits),
// - any revision in `in_use` (the service's task definition and every deployment's),
// - any revision newer than the newest good one (a deploy may be following it).
// `releases` is newest first.
std::vector<std::string> cleanup_candidates(const std::vector<EcsRelease>& releases,
                                            std::size_t keep_good,
                                            const std::set<std::string>& in_use);

}  // namespace slipway::targets::ecs
