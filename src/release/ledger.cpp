#include "release/ledger.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "core/private_files.hpp"
#include "release/errors.hpp"
#include "release/identity.hpp"
#include "release/workload.hpp"

namespace slipway::release {
namespace json = boost::json;
namespace {

json::object to_json(const Release& r) {
  json::object secrets;
  for (const auto& [name, version] : r.secret_versions) secrets[name] = version;
  json::object o{{"revision", r.revision},
                 {"commit", r.commit},
                 {"image", r.image},
                 {"digest", r.digest},
                 {"secret_versions", secrets},
                 {"who", r.who},
                 {"when", r.when},
                 {"outcome", to_string(r.outcome)},
                 {"reason", r.reason}};
  if (r.rollback_of) o["rollback_of"] = *r.rollback_of;
  if (r.refresh_of) o["refresh_of"] = *r.refresh_of;
  if (!r.strategy.empty()) o["strategy"] = r.strategy;
  if (!r.stage.empty()) o["stage"] = r.stage;
  if (!r.steps.empty()) {
    json::array steps;
    for (const auto& step : r.steps) steps.push_back(json::parse(step));
    o["steps"] = std::move(steps);
  }
  if (!r.task_definition.empty()) o["task_definition"] = json::parse(r.task_definition);
  return o;
}

Release from_json(const json::value& v, const std::string& path) {
  try {
    const auto& o = v.as_object();
    Release r;
    r.revision = o.at("revision").to_number<std::int64_t>();
    r.commit = json::value_to<std::string>(o.at("commit"));
    r.image = json::value_to<std::string>(o.at("image"));
    r.digest = json::value_to<std::string>(o.at("digest"));
    for (const auto& [name, version] : o.at("secret_versions").as_object()) {
      r.secret_versions[std::string(name)] = json::value_to<std::string>(version);
    }
    r.who = json::value_to<std::string>(o.at("who"));
    r.when = json::value_to<std::string>(o.at("when"));
    r.outcome = outcome_from_string(o.at("outcome").as_string());
    if (const auto* reason = o.if_contains("reason"))
      r.reason = json::value_to<std::string>(*reason);
    if (const auto* of = o.if_contains("rollback_of"))
      r.rollback_of = of->to_number<std::int64_t>();
    if (const auto* of = o.if_contains("refresh_of")) r.refresh_of = of->to_number<std::int64_t>();
    if (const auto* strategy = o.if_contains("strategy"))
      r.strategy = json::value_to<std::string>(*strategy);
    if (const auto* stage = o.if_contains("stage")) r.stage = json::value_to<std::string>(*stage);
    if (const auto* steps = o.if_contains("steps")) {
      for (const auto& step : steps->as_array()) {
        if (!step.is_object()) throw LedgerError(path + ": a rollout step is not a JSON object");
        r.steps.push_back(json::serialize(step));
      }
    }
    if (const auto* td = o.if_contains("task_definition")) {
      if (!td->is_object()) throw LedgerError(path + ": a task_definition is not a JSON object");
      r.task_definition = json::serialize(*td);
    }
    return r;
  } catch (const LedgerError&) {
    throw;
  } catch (const std::exception& e) {
    throw LedgerError(path + ": not a slipway release ledger (" + e.what() +
                      "); restore it from backup or move it away");
  }
}

}  // namespace

Ledger Ledger::load(const std::string& path) {
  Ledger ledger;
  ledger.path_ = path;
  std::ifstream in(path);
  if (!in) return ledger;  // no file yet: no releases
  std::stringstream text;
  text << in.rdbuf();
  json::value doc;
  try {
    doc = parse_json_document(text.str(), path);
  } catch (const SpecError& e) {
    throw LedgerError(e.what());
  }
  const auto* list = doc.is_object() ? doc.as_object().if_contains("releases") : nullptr;
  if (list == nullptr || !list->is_array()) {
    throw LedgerError(path + ": not a slipway release ledger (no \"releases\" array)");
  }
  for (const auto& item : list->as_array()) ledger.releases_.push_back(from_json(item, path));
  return ledger;
}

void Ledger::save() const {
  json::array list;
  for (const auto& r : releases_) list.push_back(to_json(r));
  // Atomic and 0600: the release history is the deploying user's alone.
  try {
    core::write_private_file(path_, json::serialize(json::object{{"releases", list}}) + "\n");
  } catch (const core::SystemError& e) {
    throw LedgerError(std::string(e.what()) + ": check the state directory");
  }
}

std::int64_t Ledger::append(Release release) {
  release.revision = releases_.empty() ? 1 : releases_.back().revision + 1;
  releases_.push_back(std::move(release));
  return releases_.back().revision;
}

void Ledger::set_outcome(std::int64_t revision, Outcome outcome, std::string reason) {
  for (auto& r : releases_) {
    if (r.revision == revision) {
      r.outcome = outcome;
      r.reason = std::move(reason);
      return;
    }
  }
  throw ReleaseNotFound("release revision " + std::to_string(revision) + " is not in the ledger");
}

void Ledger::set_progress(std::int64_t revision, std::string strategy, std::string stage,
                          std::vector<std::string> steps) {
  for (auto& r : releases_) {
    if (r.revision == revision) {
      r.strategy = std::move(strategy);
      r.stage = std::move(stage);
      r.steps = std::move(steps);
      return;
    }
  }
  throw ReleaseNotFound("release revision " + std::to_string(revision) + " is not in the ledger");
}

std::optional<Release> Ledger::by_revision(std::int64_t revision) const {
  for (const auto& r : releases_) {
    if (r.revision == revision) return r;
  }
  return std::nullopt;
}

Release Ledger::find(std::string_view what) const {
  const auto selector = parse_release_selector(what);
  if (!selector.commit_prefix.empty()) {
    for (auto it = releases_.rbegin(); it != releases_.rend(); ++it) {
      if (it->commit.starts_with(selector.commit_prefix)) return *it;
    }
  }
  if (selector.revision) {
    if (auto r = by_revision(*selector.revision)) return *r;
  }
  throw ReleaseNotFound("release \"" + std::string(what) +
                        "\" is not in the ledger: give a revision number or a commit SHA (7+ "
                        "digits) from `slipway history`");
}

std::optional<Release> Ledger::last_good_before(std::int64_t current_revision) const {
  auto current = by_revision(current_revision);
  for (auto it = releases_.rbegin(); it != releases_.rend(); ++it) {
    if (it->revision >= current_revision || it->outcome != Outcome::succeeded) continue;
    // The same image and task definition would change nothing; the same image with another
    // task definition (a setting, a secret reference) is another release. Below a refresh (the
    // same image and task definition with newer secret versions) the versions tell them apart:
    // rolling a refresh back returns to the versions before it.
    if (current && it->image == current->image && it->task_definition == current->task_definition &&
        (!current->refresh_of || it->secret_versions == current->secret_versions)) {
      continue;
    }
    return *it;
  }
  return std::nullopt;
}

std::vector<std::string> Ledger::protected_images(std::size_t keep) const {
  std::vector<std::string> images;
  for (auto it = releases_.rbegin(); it != releases_.rend() && images.size() < keep; ++it) {
    if (it->outcome != Outcome::succeeded) continue;
    if (std::find(images.begin(), images.end(), it->image) == images.end()) {
      images.push_back(it->image);
    }
  }
  return images;
}

std::vector<std::string> images_to_prune(const std::vector<std::string>& stored,
                                         const std::vector<std::string>& keep) {
  std::vector<std::string> out;
  for (const auto& image : stored) {
    if (std::find(keep.begin(), keep.end(), image) == keep.end() &&
        std::find(out.begin(), out.end(), image) == out.end()) {
      out.push_back(image);
    }
  }
  return out;
}

}  // namespace slipway::release
