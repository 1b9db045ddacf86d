#pragma once
// AWS Secrets Manager (JSON 1.1): the calls slipway needs.

#include <optional>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kSecretsManager{.endpoint_prefix = "secretsmanager",
                                             .signing_name = "secretsmanager",
                                             .env_name = "SECRETS_MANAGER",
                                             .json_target_prefix = "secretsmanager"};

struct SecretValue {
  std::string arn;
  std::string name;
  std::string version_id;
  std::vector<std::string> version_stages;
  std::optional<std::string> secret_string;  // nullopt for a SecretBinary secret
};

struct BatchSecretError {
  std::string secret_id;
  std::string code;
  std::string message;
};

struct BatchSecretResult {
  std::vector<SecretValue> values;
  std::vector<BatchSecretError> errors;
};

struct SecretListEntry {
  std::string arn;
  std::string name;
  std::string description;
};

struct SecretDescription {
  std::string arn;
  std::string name;
  // version id → stages ("AWSCURRENT", "AWSPREVIOUS", ...)
  std::vector<std::pair<std::string, std::vector<std::string>>> versions;
};

class SecretsManagerClient {
 public:
  explicit SecretsManagerClient(Session& session) : session_(session) {}

  // GetSecretValue of `secret_id` (name or ARN) at a stage or version (AWSCURRENT when both
  // are empty). Throws ServiceError.
  SecretValue get_secret_value(const std::string& secret_id,
                               const std::optional<std::string>& version_stage = std::nullopt,
                               const std::optional<std::string>& version_id = std::nullopt);

  // BatchGetSecretValue of 1-20 ids (AWSCURRENT); per-secret failures come back in `errors`.
  BatchSecretResult batch_get_secret_value(const std::vector<std::string>& secret_ids);

  // CreateSecret with a SecretString; returns the ARN.
  std::string create_secret(const std::string& name, const std::string& value,
                            const std::string& description = {});

  // PutSecretValue: a new version that becomes AWSCURRENT; returns its version id.
  std::string put_secret_value(const std::string& secret_id, const std::string& value);

  // ListSecrets, all pages.
  std::vector<SecretListEntry> list_secrets();

  // DescribeSecret.
  SecretDescription describe_secret(const std::string& secret_id);

 private:
  Session& session_;
};

}  // namespace slipway::aws
