#include "secrets/secret_store.hpp"

#include <map>

namespace slipway::secrets {
namespace {

// The region field of a Secrets Manager ARN; "" for a name.
std::string region_of(const std::string& id) {
  if (!id.starts_with("arn:")) return {};
  std::size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = id.find(':', start);
    if (start == std::string::npos) return {};
    ++start;
  }
  const auto end = id.find(':', start);
  return end == std::string::npos ? std::string() : id.substr(start, end - start);
}

// ARNs are read in their own region, as ECS does (a task may reference a secret or parameter of
// another region by full ARN); names in the session's region.
class AwsStore final : public SecretStore {
 public:
  explicit AwsStore(aws::Session& session) : session_(session) {}

  aws::BatchSecretResult batch_get_secret_value(const std::vector<std::string>& ids) override {
    std::map<std::string, std::vector<std::string>> by_region;
    for (const auto& id : ids) by_region[region_key(id)].push_back(id);
    aws::BatchSecretResult merged;
    for (const auto& [region, group] : by_region) {
      auto result = aws::SecretsManagerClient(session_for(region)).batch_get_secret_value(group);
      merged.values.insert(merged.values.end(), result.values.begin(), result.values.end());
      merged.errors.insert(merged.errors.end(), result.errors.begin(), result.errors.end());
    }
    return merged;
  }
  aws::SecretValue get_secret_value(const std::string& id, const std::optional<std::string>& stage,
                                    const std::optional<std::string>& version_id) override {
    return aws::SecretsManagerClient(session_for(region_key(id)))
        .get_secret_value(id, stage, version_id);
  }
  aws::GetParametersResult get_parameters(const std::vector<std::string>& names,
                                          const std::string& region) override {
    return aws::SsmClient(session_for(region.empty() ? session_.region() : region))
        .get_parameters(names, true);
  }
  aws::SecretDescription describe_secret(const std::string& id) override {
    return aws::SecretsManagerClient(session_for(region_key(id))).describe_secret(id);
  }
  aws::GetParametersResult get_parameter_versions(const std::vector<std::string>& names,
                                                  const std::string& region) override {
    return aws::SsmClient(session_for(region.empty() ? session_.region() : region))
        .get_parameters(names, false);
  }

 private:
  std::string region_key(const std::string& id) const {
    auto region = region_of(id);
    return region.empty() ? session_.region() : region;
  }

  aws::Session& session_for(const std::string& region) {
    if (region == session_.region()) return session_;
    auto& other = others_[region];
    if (!other) {
      auto options = session_.options();
      options.region = region;
      other = std::make_unique<aws::Session>(std::move(options));
    }
    return *other;
  }

  aws::Session& session_;
  std::map<std::string, std::unique_ptr<aws::Session>> others_;
};

}  // namespace

std::unique_ptr<SecretStore> make_aws_store(aws::Session& session) {
  return std::make_unique<AwsStore>(session);
}

}  // namespace slipway::secrets
