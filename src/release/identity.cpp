#include "release/identity.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/subprocess.hpp"
#include "release/errors.hpp"

namespace slipway::release {
namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

core::RunResult git(const std::string& dir, std::vector<std::string> args) {
  core::RunOptions options;
  options.argv = {"git", "-C", dir};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.timeout = std::chrono::seconds(30);
  return core::run(options);
}

bool all_of(std::string_view text, int (*predicate)(int)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [predicate](char c) {
    return predicate(static_cast<unsigned char>(c)) != 0;
  });
}

std::optional<std::int64_t> number(std::string_view digits) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

ReleaseSelector parse_release_selector(std::string_view text) {
  ReleaseSelector selector;
  if (text.size() >= 7 && text.size() <= 40 && all_of(text, ::isxdigit)) {
    selector.commit_prefix = std::string(text);
    std::transform(selector.commit_prefix.begin(), selector.commit_prefix.end(),
                   selector.commit_prefix.begin(), [](char c) { return std::tolower(c); });
  }
  const auto colon = text.rfind(':');
  const auto tail = colon == std::string_view::npos ? text : text.substr(colon + 1);
  if (all_of(tail, ::isdigit) &&
      (colon != std::string_view::npos || tail.size() < 7 || !selector.commit_prefix.empty())) {
    selector.revision = number(tail);
  }
  if (!selector.revision && selector.commit_prefix.empty()) {
    throw ReleaseNotFound("--to " + std::string(text) +
                          " names no release: give a revision number (12 or family:12) or a "
                          "commit SHA (7 to 40 hex digits) from `slipway history`");
  }
  return selector;
}

bool is_full_sha(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

ImageRef parse_image_ref(std::string_view text) {
  auto slash = text.rfind('/');
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash) ||
      colon == 0 || colon + 1 == text.size()) {
    throw SpecError("image \"" + std::string(text) +
                    "\" has no tag: give REPOSITORY:TAG, e.g. app:<full commit sha>");
  }
  return ImageRef{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

ImageRef image_for_commit(std::string_view repository, std::string_view sha) {
  return ImageRef{std::string(repository), std::string(sha)};
}

std::string git_head_commit(const std::string& dir) {
  auto result = git(dir, {"rev-parse", "--verify", "HEAD"});
  auto sha = trim(result.out);
  if (!result.ok() || !is_full_sha(sha)) {
    throw SpecError(dir + " is not a git work tree with a commit: run slipway from the repository");
  }
  return sha;
}

std::string git_dirty_paths(const std::string& dir) {
  auto result = git(dir, {"status", "--porcelain", "--untracked-files=normal"});
  if (!result.ok()) throw SpecError(dir + " is not a git work tree: " + trim(result.err));
  return trim(result.out);
}

}  // namespace slipway::release
