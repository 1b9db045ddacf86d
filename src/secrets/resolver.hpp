#pragma once
// Resolves a list of secrets (a task definition's `secrets`, or --env NAME=REF) into values,
// all or nothing: every reference is parsed before any call, remote values are fetched in as few
// calls as the APIs allow (BatchGetSecretValue ≤ 20 ids, GetParameters ≤ 10 names), and one
// failure fails the whole resolution with an error naming the variable and the reference.
// Every resolved value is registered with core::register_secret.

#include <string>
#include <vector>

#include "secrets/secret_store.hpp"

namespace slipway::secrets {

struct SecretRequest {
  std::string name;        // environment variable to set
  std::string value_from;  // reference (see reference.hpp)
};

struct ResolvedSecret {
  std::string name;
  std::string value;
  // What was read, for the release record: the Secrets Manager VersionId or the SSM parameter
  // version; empty for env:// and file://.
  std::string version;
};

// Resolves `requests` in order. `store` may be null when every reference is local (env://,
// file://); a remote reference then fails with ResolutionError. Throws ReferenceError,
// ResolutionError, or aws::AwsError (access denied, unreachable, expired credentials).
std::vector<ResolvedSecret> resolve_secrets(const std::vector<SecretRequest>& requests,
                                            SecretStore* store);

// Returns the value of `key` in the JSON object `secret_string`: strings as they are, other
// JSON values serialized. Throws ResolutionError naming `variable` and `reference` when the
// secret is not a JSON object or has no such key.
std::string extract_json_key(const std::string& secret_string, const std::string& key,
                             const std::string& variable, const std::string& reference);

// Reads `secrets` of a container in RegisterTaskDefinition JSON (the first container with
// secrets when `container` is empty). Throws core::InputError naming the file on bad JSON.
std::vector<SecretRequest> secrets_from_task_definition(const std::string& path,
                                                        const std::string& container = {});

// The same, from JSON text already read (and rendered); `origin` names it in errors.
std::vector<SecretRequest> secrets_from_task_definition_json(std::string_view json_text,
                                                             const std::string& origin,
                                                             const std::string& container = {});

}  // namespace slipway::secrets
