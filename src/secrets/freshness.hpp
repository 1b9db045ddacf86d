#pragma once
// Which secret versions a release runs, against the versions that are current now: the input of
// `status` (stale marks) and `refresh` (what to roll). Reads metadata only — DescribeSecret and
// GetParameters without decryption — so no value is fetched to answer "is it stale?".

#include <map>
#include <set>
#include <string>
#include <vector>

#include "secrets/resolver.hpp"
#include "secrets/secret_store.hpp"

namespace slipway::secrets {

struct SecretFreshness {
  std::string name;       // the environment variable
  std::string reference;  // its valueFrom
  std::string running;    // the version it was started with; "" when not recorded
  // The version the reference means now: the version id in AWSCURRENT (or the stage the
  // reference names), the pinned id itself, or the parameter's latest version; "" for env://
  // and file://, which have no versions.
  std::string current;
  bool reloaded_by_app = false;  // the app re-reads it itself; a restart is never needed

  // True when a restart (refresh) would change what this secret's holder runs.
  bool stale() const { return !reloaded_by_app && !current.empty() && running != current; }
};

// For each request (in order): the version `running` records for its name and the one current
// now. `store` may be null only when every reference is local. Throws ReferenceError for a bad
// reference, ResolutionError naming the variable when a secret or parameter no longer exists,
// and aws::AwsError when AWS cannot be read.
std::vector<SecretFreshness> check_freshness(const std::vector<SecretRequest>& requests,
                                             const std::map<std::string, std::string>& running,
                                             const std::set<std::string>& reloaded_by_app,
                                             SecretStore* store);

// True when any entry is stale.
bool any_stale(const std::vector<SecretFreshness>& secrets);

}  // namespace slipway::secrets
