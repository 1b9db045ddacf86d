#pragma once
// Secret references with ECS semantics (`valueFrom` of a task definition's `secrets`), plus two
// local schemes:
//   arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY:VERSION-STAGE:VERSION-ID]
//     (7 colon-separated fields, or 10 with the suffix; empty suffix fields mean "not set";
//     stage and id are exclusive; neither means AWSCURRENT)
//   arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or a bare parameter name
//   env://NAME   — the variable NAME of slipway's own environment
//   file://PATH  — the contents of a file (one trailing newline removed)

#include <optional>
#include <string>
#include <string_view>

namespace slipway::secrets {

enum class ReferenceKind { secrets_manager, ssm_parameter, environment, file };

struct SecretReference {
  ReferenceKind kind = ReferenceKind::ssm_parameter;
  std::string text;    // the reference as written, for error messages
  std::string target;  // secret ARN without suffix, parameter name, variable name, file path
  std::string region;  // the region of an ARN; "" for names and local schemes
  std::optional<std::string> json_key;
  std::optional<std::string> version_stage;
  std::optional<std::string> version_id;

  // True for a Secrets Manager reference at the default version (batchable).
  bool is_current_version() const noexcept { return !version_stage && !version_id; }
};

// Parses `text`; throws ReferenceError with one line naming the problem and the accepted form.
SecretReference parse_reference(std::string_view text);

}  // namespace slipway::secrets
