#pragma once
// Release identity: every release is one git commit, its image is REPOSITORY:<full commit SHA>,
// and the engine's digest pins the exact bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slipway::release {

struct ImageRef {
  std::string repository;  // e.g. "app" or "registry.example/app"
  std::string tag;         // the full commit SHA for slipway-built images
  std::string str() const { return repository + ":" + tag; }
};

// Returns true when `text` is a full 40-hex-digit lowercase git commit SHA.
bool is_full_sha(std::string_view text);

// Parses "REPOSITORY:TAG" (the last ':' after the last '/' separates the tag); throws SpecError
// naming the text when there is no tag or either side is empty.
ImageRef parse_image_ref(std::string_view text);

// Returns the image reference for a commit: "<repository>:<sha>".
ImageRef image_for_commit(std::string_view repository, std::string_view sha);

// What `rollback --to` names, on either target: a revision number ("12"), a revision after a
// colon ("app:12", a task definition ARN), or a commit SHA prefix of 7 to 40 hex digits. Digits
// only and 7 or more of them is both: the commit first, else that revision.
struct ReleaseSelector {
  std::optional<std::int64_t> revision;
  std::string commit_prefix;  // lowercase; empty when the text names no commit
};

// The one `--to` grammar; throws ReleaseNotFound naming `text` and the grammar otherwise.
ReleaseSelector parse_release_selector(std::string_view text);

// Returns the full SHA of HEAD in the git work tree `dir`; throws SpecError when `dir` is not a
// git work tree.
std::string git_head_commit(const std::string& dir);

// Returns the paths git reports as modified or untracked in `dir` (empty when clean).
std::string git_dirty_paths(const std::string& dir);

}  // namespace slipway::release
