#pragma once
// Resolving secrets with an AWS session only when one is needed: the decision the CLI's
// `secrets get/exec` and the vm target's deploys share, so a stack with env:// and file://
// references alone needs no AWS configuration at all.

#include <vector>

#include "aws/session.hpp"
#include "secrets/resolver.hpp"

namespace slipway::secrets {

// Whether any request names Secrets Manager or SSM (checked after parsing every reference:
// throws ReferenceError for a malformed one).
bool needs_aws(const std::vector<SecretRequest>& requests);

// Resolves `requests` as resolve_secrets() does, opening an AWS session from `session` only when
// needs_aws(requests). Throws as resolve_secrets(), and aws::ConfigError when AWS is needed and
// not configured.
std::vector<ResolvedSecret> resolve_secrets(const std::vector<SecretRequest>& requests,
                                            const aws::SessionOptions& session);

}  // namespace slipway::secrets
