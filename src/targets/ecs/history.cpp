#include "targets/ecs/history.hpp"

#include <algorithm>
#include <charconv>

#include "targets/ecs/errors.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::targets::ecs {
namespace {

std::string tag(const aws::TagMap& tags, std::string_view key) {
  const auto found = tags.find(std::string(key));
  return found == tags.end() ? std::string() : found->second;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool looks_like_commit(std::string_view text) {
  return text.size() >= 7 && text.size() <= 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
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
  release.current = definition.arn == current_arn;
  return release;
}

EcsRelease choose_rollback_target(const std::vector<EcsRelease>& releases, std::string_view to) {
  const auto current =
      std::find_if(releases.begin(), releases.end(), [](const auto& r) { return r.current; });
  if (to.empty()) {
    const auto current_revision = current == releases.end() ? INT64_MAX : current->revision;
    const auto current_commit = current == releases.end() ? std::string() : current->commit;
    for (const auto& release : releases) {
      if (release.current || !release.good() || release.revision >= current_revision) continue;
      if (!current_commit.empty() && release.commit == current_commit) continue;
      return release;
    }
    throw EcsInputError("no good release older than the current one to roll back to (revisions: " +
                        known(releases) + "); name one with --to SHA|REVISION");
  }
  // A commit written in digits only ("2222222") is a commit: revisions are short numbers.
  if (looks_like_commit(to)) {
    const EcsRelease* best = nullptr;
    for (const auto& release : releases) {
      if (!release.commit.starts_with(to)) continue;
      if (best == nullptr || (release.good() && !best->good())) best = &release;
    }
    if (best != nullptr) return *best;
    if (!all_digits(to)) {
      throw EcsInputError("no revision was deployed from commit " + std::string(to) + " (" +
                          known(releases) + "); see `slipway ecs history`");
    }
  }
  std::string_view wanted_revision;
  if (all_digits(to)) {
    wanted_revision = to;
  } else if (const auto colon = to.rfind(':'); colon != std::string_view::npos &&
                                               all_digits(to.substr(colon + 1)) &&
                                               !looks_like_commit(to)) {
    wanted_revision = to.substr(colon + 1);
  }
  if (!wanted_revision.empty()) {
    std::int64_t number = 0;
    std::from_chars(wanted_revision.data(), wanted_revision.data() + wanted_revision.size(),
                    number);
    for (const auto& release : releases) {
      if (release.revision == number) return release;
    }
    throw EcsInputError("revision " + std::string(to) +
                        " is not an active revision of the family (" + known(releases) +
                        "); see `slipway ecs history`");
  }
  throw EcsInputError("--to " + std::string(to) +
                      ": expected a revision number or a commit SHA (7 to 40 hex digits)");
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
