#pragma once
// Just enough IAM policy evaluation for `verify`: may these identity policies do ACTION on
// RESOURCE? Allow statements matching both (wildcards * and ?), no Deny matching. Conditions,
// NotAction/NotResource and resource policies are not evaluated (a statement with a Condition
// counts as matching) — the check catches the usual mistake, a secret ARN missing from the
// execution role's policy; AWS remains the authority.

#include <string>
#include <string_view>
#include <vector>

namespace slipway::targets::ecs {

// True when `pattern` (IAM wildcards * and ?) matches `text`.
bool iam_wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case);

// True when the policy documents (JSON text) allow `action` on `resource`. Malformed documents
// allow nothing.
bool policies_allow(const std::vector<std::string>& documents, std::string_view action,
                    std::string_view resource);

}  // namespace slipway::targets::ecs
