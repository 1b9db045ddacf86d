#pragma once
// Where remote secrets come from: the reads the resolver and the freshness check need, behind an
// interface so their batching, all-or-nothing and staleness rules are tested without a network.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/secretsmanager.hpp"
#include "aws/ssm.hpp"

namespace slipway::secrets {

class SecretStore {
 public:
  virtual ~SecretStore() = default;
  // BatchGetSecretValue of 1-20 ids at AWSCURRENT.
  virtual aws::BatchSecretResult batch_get_secret_value(const std::vector<std::string>& ids) = 0;
  // GetSecretValue at a stage or version; throws aws::ServiceError.
  virtual aws::SecretValue get_secret_value(const std::string& id,
                                            const std::optional<std::string>& stage,
                                            const std::optional<std::string>& version_id) = 0;
  // GetParameters of 1-10 names, decrypted, in `region` ("" = the session's region).
  virtual aws::GetParametersResult get_parameters(const std::vector<std::string>& names,
                                                  const std::string& region) = 0;
  // DescribeSecret: the secret's versions and their stages, never a value.
  virtual aws::SecretDescription describe_secret(const std::string& id) = 0;
  // GetParameters of 1-10 names WITHOUT decryption, in `region` ("" = the session's region): for
  // their versions (a SecureString's value stays ciphertext).
  virtual aws::GetParametersResult get_parameter_versions(const std::vector<std::string>& names,
                                                          const std::string& region) = 0;
};

// The store backed by AWS (or moto) through `session`, which must outlive it. A Secrets Manager
// ARN of another region is read in that region (a sibling session with the same options).
std::unique_ptr<SecretStore> make_aws_store(aws::Session& session);

}  // namespace slipway::secrets
