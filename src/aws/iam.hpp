#pragma once
// AWS IAM (Query protocol, 2010-05-08): the policy documents of a role, read by `slipway ecs
// verify` to check that the execution role may read every secret (moto has no
// SimulatePrincipalPolicy, and reading the documents works the same against AWS).

#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

// IAM is global: https://iam.amazonaws.com from every region, signed in us-east-1 (the aws
// partition; China and GovCloud have their own endpoints, not supported here).
inline constexpr ServiceInfo kIam{.endpoint_prefix = "iam",
                                  .signing_name = "iam",
                                  .env_name = "IAM",
                                  .global_signing_region = "us-east-1"};

class IamClient {
 public:
  explicit IamClient(Session& session) : session_(session) {}

  // Every policy document of the role: inline ones and the default version of each attached
  // managed policy, as JSON text. Throws ServiceError (NoSuchEntity for an unknown role).
  std::vector<std::string> role_policy_documents(const std::string& role_name);

 private:
  Session& session_;
};

// Decodes %XX escapes (IAM returns policy documents URL-encoded); text without them is returned
// as is.
std::string url_decode(std::string_view text);

}  // namespace slipway::aws
