#pragma once
// Which secret versions each holder of a release (a vm replica, an ECS task) was started with,
// against the versions its references mean now: the secrets part of `slipway status` on both
// targets, and what `slipway refresh` rolls. Versions only, never values.

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "release/workload.hpp"

namespace slipway::release {

// For each reference, the version it means now (Secrets Manager: the version id in AWSCURRENT or
// the stage the reference names, or its pinned id; SSM: the parameter's latest version), by
// environment name; "" for references without versions (env://, file://). Reads metadata only.
// Throws a one-line error naming the variable when a secret no longer exists.
using CurrentSecretVersions =
    std::function<std::map<std::string, std::string>(const std::vector<SecretRef>&)>;

// One secret of one holder.
struct SecretVersion {
  std::string name;              // the environment variable
  std::string running;           // the version the holder was started with; "" when unknown
  bool used = true;              // false: the holder's task definition has no such secret
  std::string current;           // the version its reference means now; "" when it has none
  bool reloaded_by_app = false;  // the app re-reads it itself: never needs a restart

  // True when restarting the holder would change what it runs.
  bool stale() const { return used && !reloaded_by_app && !current.empty() && running != current; }
};

// What one replica or task runs.
struct SecretHolder {
  std::string name;  // replica name, task id
  // env name -> version it was started with ("" when unknown); a secret it does not have at all
  // is absent.
  std::map<std::string, std::string> running;
};

// The secrets of a release as `status` reports them: per secret its reference and current
// version, per holder what it runs and what is stale.
struct SecretsStatus {
  boost::json::object document;
  std::vector<std::string> lines;
  bool any_stale = false;
};

// Compares `running` with `current` for every reference (in order); a name `running` lacks is
// not used by its holder (never stale).
std::vector<SecretVersion> compare_secret_versions(
    const std::vector<SecretRef>& references, const std::map<std::string, std::string>& running,
    const std::map<std::string, std::string>& current,
    const std::vector<std::string>& reloaded_by_app);

// The status section for `holders` (called `holder_kind`s in the text: replica, task). With no
// references the document says so and there are no lines.
SecretsStatus secrets_status(const std::vector<SecretRef>& references,
                             const std::vector<SecretHolder>& holders,
                             const std::map<std::string, std::string>& current,
                             const std::vector<std::string>& reloaded_by_app,
                             const std::string& holder_kind);

// The status section when the current versions could not be read (`why`: one line).
SecretsStatus secrets_status_unknown(const std::string& why);

// `references` with each Secrets Manager reference that follows a stage pinned to the version
// id `versions` records for it (VALUE-FROM becomes SECRET-ARN:JSON-KEY::VERSION-ID), so a restore
// or a rollback starts exactly the versions a release ran. Other references are unchanged (SSM
// references cannot name a version).
std::vector<SecretRef> pin_secret_refs(const std::vector<SecretRef>& references,
                                       const std::map<std::string, std::string>& versions);

}  // namespace slipway::release
