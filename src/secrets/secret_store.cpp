#include "secrets/secret_store.hpp"

namespace slipway::secrets {
namespace {

class AwsStore final : public SecretStore {
 public:
  explicit AwsStore(aws::Session& session) : secrets_manager_(session), ssm_(session) {}

  aws::BatchSecretResult batch_get_secret_value(const std::vector<std::string>& ids) override {
    return secrets_manager_.batch_get_secret_value(ids);
  }
  aws::SecretValue get_secret_value(const std::string& id, const std::optional<std::string>& stage,
                                    const std::optional<std::string>& version_id) override {
    return secrets_manager_.get_secret_value(id, stage, version_id);
  }
  aws::GetParametersResult get_parameters(const std::vector<std::string>& names) override {
    return ssm_.get_parameters(names, true);
  }

 private:
  aws::SecretsManagerClient secrets_manager_;
  aws::SsmClient ssm_;
};

}  // namespace

std::unique_ptr<SecretStore> make_aws_store(aws::Session& session) {
  return std::make_unique<AwsStore>(session);
}

}  // namespace slipway::secrets
