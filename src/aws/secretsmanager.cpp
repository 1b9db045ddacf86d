#include "aws/secretsmanager.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <random>

#include "aws/errors.hpp"
#include "aws/json_fields.hpp"

namespace slipway::aws {
namespace {

// A version-4 UUID: Secrets Manager takes one as the idempotency token of a new version.
std::string random_uuid() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_int_distribution<std::uint64_t> pick;
  auto high = pick(random), low = pick(random);
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // variant 10
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

SecretValue secret_value_from(const boost::json::object& object) {
  return SecretValue{.arn = string_or_empty(object, "ARN"),
                     .name = string_or_empty(object, "Name"),
                     .version_id = string_or_empty(object, "VersionId"),
                     .version_stages = string_list(object, "VersionStages"),
                     .secret_string = optional_string(object, "SecretString")};
}

}  // namespace

SecretValue SecretsManagerClient::get_secret_value(const std::string& secret_id,
                                                   const std::optional<std::string>& version_stage,
                                                   const std::optional<std::string>& version_id) {
  boost::json::object input{{"SecretId", secret_id}};
  if (version_stage && !version_stage->empty()) input["VersionStage"] = *version_stage;
  if (version_id && !version_id->empty()) input["VersionId"] = *version_id;
  return secret_value_from(
      session_.call_json(kSecretsManager, "GetSecretValue", input).as_object());
}

BatchSecretResult SecretsManagerClient::batch_get_secret_value(
    const std::vector<std::string>& secret_ids) {
  if (secret_ids.empty() || secret_ids.size() > 20) {
    throw AwsError("BatchGetSecretValue takes 1 to 20 secret ids, got " +
                   std::to_string(secret_ids.size()));
  }
  BatchSecretResult result;
  boost::json::array ids;
  for (const auto& id : secret_ids) ids.emplace_back(id);
  boost::json::object input{{"SecretIdList", ids}};
  session_.call_json_pages(
      kSecretsManager, "BatchGetSecretValue", input, "NextToken",
      [&](const boost::json::object& response) {
        for (const auto& item : array_or_empty(response, "SecretValues")) {
          if (item.is_object()) result.values.push_back(secret_value_from(item.as_object()));
        }
        for (const auto& item : array_or_empty(response, "Errors")) {
          if (!item.is_object()) continue;
          const auto& error = item.as_object();
          result.errors.push_back({.secret_id = string_or_empty(error, "SecretId"),
                                   .code = string_or_empty(error, "ErrorCode"),
                                   .message = string_or_empty(error, "Message")});
        }
        return true;
      });
  return result;
}

std::string SecretsManagerClient::create_secret(const std::string& name, const std::string& value,
                                                const std::string& description) {
  boost::json::object input{
      {"Name", name}, {"SecretString", value}, {"ClientRequestToken", random_uuid()}};
  if (!description.empty()) input["Description"] = description;
  auto response = session_.call_json(kSecretsManager, "CreateSecret", input).as_object();
  return string_or_empty(response, "ARN");
}

std::string SecretsManagerClient::put_secret_value(const std::string& secret_id,
                                                   const std::string& value) {
  // The token makes a retried call (after a timeout that hid a success) the same version, not
  // a second one, as the SDKs do.
  boost::json::object input{
      {"SecretId", secret_id}, {"SecretString", value}, {"ClientRequestToken", random_uuid()}};
  auto response = session_.call_json(kSecretsManager, "PutSecretValue", input).as_object();
  return string_or_empty(response, "VersionId");
}

std::vector<SecretListEntry> SecretsManagerClient::list_secrets() {
  std::vector<SecretListEntry> out;
  session_.call_json_pages(
      kSecretsManager, "ListSecrets", {{"MaxResults", 100}}, "NextToken",
      [&](const boost::json::object& response) {
        for (const auto& item : array_or_empty(response, "SecretList")) {
          if (!item.is_object()) continue;
          const auto& entry = item.as_object();
          out.push_back({.arn = string_or_empty(entry, "ARN"),
                         .name = string_or_empty(entry, "Name"),
                         .description = string_or_empty(entry, "Description")});
        }
        return true;
      });
  return out;
}

SecretDescription SecretsManagerClient::describe_secret(const std::string& secret_id) {
  auto response =
      session_.call_json(kSecretsManager, "DescribeSecret", {{"SecretId", secret_id}}).as_object();
  SecretDescription out{.arn = string_or_empty(response, "ARN"),
                        .name = string_or_empty(response, "Name"),
                        .versions = {}};
  if (auto* versions = response.if_contains("VersionIdsToStages");
      versions && versions->is_object()) {
    for (const auto& [id, stages] : versions->as_object()) {
      std::vector<std::string> names;
      if (stages.is_array()) {
        for (const auto& stage : stages.as_array()) {
          if (stage.is_string()) names.emplace_back(stage.as_string());
        }
      }
      out.versions.emplace_back(std::string(id), std::move(names));
    }
  }
  return out;
}

}  // namespace slipway::aws
