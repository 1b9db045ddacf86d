#include "targets/ecs/history.hpp"

#include <algorithm>
#include <cstdlib>

#include "release/errors.hpp"
#include "release/identity.hpp"
#include "targets/ecs/errors.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::targets::ecs {
namespace {

std::string tag(const aws::TagMap& tags, std::string_view key) {
  const auto found = tags.find(std::string(key));
  return found == tags.end() ? std::string() : found->second;
}

std::string known(const std::vector<EcsRelease>& releases) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& release : releases) {
    if (shown++ == 5) {
      out += ", ...";
      break;
    }
    if (!out.empty()) out += ", ";
    out += std::to_string(release.revision);
    if (release.by_slipway())
      out += " (" + release.commit.substr(0, 7) + " " + release.outcome + ")";
  }
  return out.empty() ? "none" : out;
}

}  // namespace

EcsRelease release_from(const aws::TaskDefinition& definition, const std::string& current_arn) {
  EcsRelease release;
  release.arn = definition.arn;
  release.family = definition.family;
  release.revision = definition.revision;
  release.commit = tag(definition.tags, kTagCommit);
  release.image = tag(definition.tags, kTagImage);
  if (release.image.empty()) {
    if (const auto* containers = definition.document.if_contains("containerDefinitions");
        containers && containers->is_array() && !containers->as_array().empty() &&
        containers->as_array()[0].is_object()) {
      if (const auto* image = containers->as_array()[0].as_object().if_contains("image");
          image && image->is_string()) {
        release.image = std::string(image->as_string());
      }
    }
  }
  release.digest = tag(definition.tags, kTagDigest);
  release.deployed_by = tag(definition.tags, kTagDeployedBy);
  release.deployed_at = tag(definition.tags, kTagDeployedAt);
  release.outcome = tag(definition.tags, kTagOutcome);
  release.reason = tag(definition.tags, kTagReason);
  release.strategy = tag(definition.tags, kTagStrategy);
  release.refresh_of = std::strtoll(tag(definition.tags, kTagRefreshOf).c_str(), nullptr, 10);
  release.current = definition.arn == current_arn;
  return release;
}

bool default_rollback_target(const EcsRelease& current, const EcsRelease& release) {
  if (!release.good() || release.revision >= current.revision) return false;
  return current.refresh_of > 0 || current.commit.empty() || release.commit != current.commit;
}

release::ReleaseSelector rollback_selector(std::string_view to) {
  try {
    return release::parse_release_selector(to);
  } catch (const release::ReleaseNotFound& error) {
    throw EcsInputError(error.what());
  }
}

EcsRelease choose_rollback_target(const std::vector<EcsRelease>& releases, std::string_view to) {
  const auto current =
      std::find_if(releases.begin(), releases.end(), [](const auto& r) { return r.current; });
  if (to.empty()) {
    EcsRelease none;
    none.revision = INT64_MAX;
    const auto& from = current == releases.end() ? none : *current;
    for (const auto& release : releases) {
      if (!release.current && default_rollback_target(from, release)) return release;
    }
    throw EcsInputError("no good release older than the current one to roll back to (revisions: " +
                        known(releases) + "); name one with --to SHA|REVISION");
  }
  const auto selector = rollback_selector(to);
  if (!selector.commit_prefix.empty()) {
    const EcsRelease* best = nullptr;
    for (const auto& release : releases) {
      if (!release.commit.starts_with(selector.commit_prefix)) continue;
      if (best == nullptr || (release.good() && !best->good())) best = &release;
    }
    if (best != nullptr) return *best;
    if (!selector.revision) {
      throw EcsInputError("no revision was deployed from commit " + std::string(to) + " (" +
                          known(releases) + "); see `slipway history`");
    }
  }
  for (const auto& release : releases) {
    if (release.revision == *selector.revision) return release;
  }
  throw EcsInputError("revision " + std::string(to) + " is not an active revision of the family (" +
                      known(releases) + "); see `slipway history`");
}

std::vector<std::string> cleanup_candidates(const std::vector<EcsRelease>& releases,
                                            std::size_t keep_good,
                                            const std::set<std::string>& in_use) {
  std::set<std::string> protected_arns(in_use.begin(), in_use.end());
  std::set<std::string> good_commits;
  std::int64_t newest_good = -1;
  for (const auto& release : releases) {
    if (!release.good()) continue;
    newest_good = std::max(newest_good, release.revision);
    if (good_commits.size() < keep_good || good_commits.contains(release.commit)) {
      if (good_commits.size() < keep_good) good_commits.insert(release.commit);
      protected_arns.insert(release.arn);
    }
  }
  std::vector<std::string> out;
  for (const auto& release : releases) {
    if (!release.by_slipway() || protected_arns.contains(release.arn)) continue;
    if (release.revision > newest_good) continue;
    out.push_back(release.arn);
  }
  return out;
}

}  // namespace slipway::targets::ecs
