#include "secrets/writer.hpp"

#include "aws/errors.hpp"
#include "aws/secretsmanager.hpp"
#include "aws/ssm.hpp"

namespace slipway::secrets {

WrittenSecret write_secret(aws::Session& session, const SecretDestination& destination,
                           const std::string& value) {
  WrittenSecret written;
  if (destination.ssm) {
    written.version = std::to_string(aws::SsmClient(session).put_parameter(
        destination.name, value, destination.parameter_type, true));
    written.action = "put";
    return written;
  }
  aws::SecretsManagerClient client(session);
  try {
    written.version = client.put_secret_value(destination.name, value);
    written.action = "updated";
  } catch (const aws::ServiceError& error) {
    // A first write creates the secret; any other refusal is the caller's to see.
    if (error.code() != "ResourceNotFoundException") throw;
    written.arn = client.create_secret(destination.name, value, destination.description);
    written.action = "created";
  }
  if (written.arn.empty()) written.arn = client.describe_secret(destination.name).arn;
  return written;
}

}  // namespace slipway::secrets
