#pragma once
// Writing a secret value to its store: a new Secrets Manager secret or a new version of an
// existing one, or an SSM parameter (overwritten). The value goes only into the request body.

#include <string>

#include "aws/session.hpp"

namespace slipway::secrets {

struct SecretDestination {
  std::string name;
  bool ssm = false;            // an SSM parameter rather than a Secrets Manager secret
  std::string parameter_type;  // SSM: SecureString, String
  std::string description;     // Secrets Manager, on creation
};

struct WrittenSecret {
  std::string action;   // created, updated (Secrets Manager) or put (SSM)
  std::string arn;      // Secrets Manager only
  std::string version;  // version id, or the parameter's version number
};

// Creates the secret or adds a version to it (Secrets Manager), or overwrites the parameter.
// Throws aws::AwsError.
WrittenSecret write_secret(aws::Session& session, const SecretDestination& destination,
                           const std::string& value);

}  // namespace slipway::secrets
