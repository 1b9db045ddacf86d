#include "secrets/resolver.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aws/errors.hpp"
#include "core/env.hpp"
#include "core/redaction.hpp"
#include "secrets/errors.hpp"
#include "secrets/reference.hpp"

namespace slipway::secrets {
namespace {

constexpr std::size_t kSecretsPerBatch = 20;     // BatchGetSecretValue limit
constexpr std::size_t kParametersPerBatch = 10;  // GetParameters limit

struct Pending {
  const SecretRequest* request;
  SecretReference reference;
};

std::string read_file(const std::string& path, const std::string& variable) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ResolutionError("secret " + variable + ": cannot read file " + path +
                          ": check the path in file://");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto value = buffer.str();
  if (value.ends_with('\n')) value.pop_back();  // editors add one; nobody means it
  return value;
}

// True when the batch answer `value` is the secret the caller asked for as `id` (full ARN,
// partial ARN without the random suffix, or name).
bool answers(const aws::SecretValue& value, const std::string& id) {
  if (value.arn == id || value.name == id) return true;
  // Partial ARN: the full ARN is the partial one plus "-" and six random characters.
  return value.arn.size() == id.size() + 7 && value.arn.starts_with(id) &&
         value.arn[id.size()] == '-';
}

std::string describe(const Pending& pending) {
  return "secret " + pending.request->name + " (" + pending.reference.text + ")";
}

template <typename T>
std::vector<std::vector<T>> chunks(const std::vector<T>& items, std::size_t size) {
  std::vector<std::vector<T>> out;
  for (std::size_t i = 0; i < items.size(); i += size) {
    out.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                     items.begin() + static_cast<std::ptrdiff_t>(std::min(items.size(), i + size)));
  }
  return out;
}

// Fetches every Secrets Manager secret string, keyed by (target, stage, version id).
using SecretKey = std::tuple<std::string, std::string, std::string>;

SecretKey key_of(const SecretReference& reference) {
  return {reference.target, reference.version_stage.value_or(""),
          reference.version_id.value_or("")};
}

// A fetched value and the version it was read at.
struct Fetched {
  std::string value;
  std::string version;
};

void fetch_one(SecretStore& store, const Pending& pending, std::map<SecretKey, Fetched>& out) {
  const auto& reference = pending.reference;
  aws::SecretValue value;
  try {
    value = store.get_secret_value(reference.target, reference.version_stage, reference.version_id);
  } catch (const aws::ServiceError& error) {
    if (error.code() == "ResourceNotFoundException") {
      throw ResolutionError(describe(pending) + " was not found in Secrets Manager" +
                            (reference.is_current_version() ? "" : " at that version") +
                            ": create it or fix the ARN");
    }
    throw;
  }
  if (!value.secret_string) {
    throw ResolutionError(describe(pending) +
                          " is a binary secret: ECS injects only SecretString secrets");
  }
  core::register_secret(*value.secret_string);
  out[key_of(reference)] = {std::move(*value.secret_string), value.version_id};
}

std::map<SecretKey, Fetched> fetch_secrets_manager(SecretStore& store,
                                                   const std::vector<Pending>& pending) {
  std::map<SecretKey, Fetched> out;
  std::vector<std::string> batchable;
  std::map<std::string, const Pending*> first_by_target;
  for (const auto& item : pending) {
    if (item.reference.kind != ReferenceKind::secrets_manager) continue;
    if (!item.reference.is_current_version()) {
      if (!out.contains(key_of(item.reference))) fetch_one(store, item, out);
      continue;
    }
    if (first_by_target.emplace(item.reference.target, &item).second) {
      batchable.push_back(item.reference.target);
    }
  }
  for (const auto& batch : chunks(batchable, kSecretsPerBatch)) {
    aws::BatchSecretResult result;
    try {
      result = store.batch_get_secret_value(batch);
    } catch (const aws::ServiceError& error) {
      // An ECS execution role is usually granted GetSecretValue only: fall back to it.
      if (!error.is_access_denied() || error.code() == "SignatureDoesNotMatch" ||
          error.code() == "UnrecognizedClientException" || error.code() == "InvalidClientTokenId") {
        throw;
      }
      for (const auto& id : batch) fetch_one(store, *first_by_target.at(id), out);
      continue;
    }
    for (const auto& id : batch) {
      const auto& item = *first_by_target.at(id);
      auto found = std::find_if(result.values.begin(), result.values.end(),
                                [&](const auto& value) { return answers(value, id); });
      if (found == result.values.end()) {
        auto error = std::find_if(result.errors.begin(), result.errors.end(),
                                  [&](const auto& e) { return e.secret_id == id; });
        if (error != result.errors.end() && error->code != "ResourceNotFoundException") {
          throw aws::ServiceError(
              describe(item) + ": secretsmanager BatchGetSecretValue failed: " + error->code +
                  (error->message.empty() ? "" : ": " + error->message),
              error->code, 400);
        }
        throw ResolutionError(describe(item) +
                              " was not found in Secrets Manager: create it or fix the ARN");
      }
      if (!found->secret_string) {
        throw ResolutionError(describe(item) +
                              " is a binary secret: ECS injects only SecretString secrets");
      }
      core::register_secret(*found->secret_string);
      out[key_of(item.reference)] = {*found->secret_string, found->version_id};
    }
  }
  return out;
}

// Parameter values keyed by (region, name); region "" is the session's.
using ParameterKey = std::pair<std::string, std::string>;

std::map<ParameterKey, Fetched> fetch_parameters(SecretStore& store,
                                                 const std::vector<Pending>& pending) {
  std::map<ParameterKey, Fetched> out;
  std::map<std::string, std::vector<std::string>> names_by_region;
  std::map<ParameterKey, const Pending*> first;
  for (const auto& item : pending) {
    if (item.reference.kind != ReferenceKind::ssm_parameter) continue;
    const ParameterKey key{item.reference.region, item.reference.target};
    if (first.emplace(key, &item).second) names_by_region[key.first].push_back(key.second);
  }
  for (const auto& [region, names] : names_by_region) {
    for (const auto& batch : chunks(names, kParametersPerBatch)) {
      auto result = store.get_parameters(batch, region);
      for (const auto& parameter : result.parameters) {
        core::register_secret(parameter.value);
        out[{region, parameter.name}] = {parameter.value, std::to_string(parameter.version)};
      }
      for (const auto& name : batch) {
        if (!out.contains({region, name})) {
          throw ResolutionError(describe(*first.at({region, name})) +
                                " was not found in SSM Parameter Store: create it or fix the name");
        }
      }
    }
  }
  return out;
}

}  // namespace

std::string extract_json_key(const std::string& secret_string, const std::string& key,
                             const std::string& variable, const std::string& reference) {
  boost::system::error_code ec;
  auto document = boost::json::parse(secret_string, ec);
  if (ec || !document.is_object()) {
    throw ResolutionError("secret " + variable + " (" + reference + ") asks for JSON key \"" + key +
                          "\" but the secret is not a JSON object: drop the key or store "
                          "the secret as JSON");
  }
  const auto* value = document.as_object().if_contains(key);
  if (value == nullptr) {
    throw ResolutionError("secret " + variable + " (" + reference + ") has no JSON key \"" + key +
                          "\": fix the key in the reference");
  }
  if (value->is_string()) return std::string(value->as_string());
  return boost::json::serialize(*value);
}

std::vector<ResolvedSecret> resolve_secrets(const std::vector<SecretRequest>& requests,
                                            SecretStore* store) {
  // 1. Parse everything first: a typo in the tenth reference costs no call.
  std::vector<Pending> pending;
  pending.reserve(requests.size());
  std::set<std::string> names;
  bool remote = false;
  for (const auto& request : requests) {
    if (request.name.empty()) throw ReferenceError("a secret has an empty name: name every secret");
    if (!names.insert(request.name).second) {
      throw ReferenceError("secret " + request.name + " is listed twice: keep one");
    }
    pending.push_back({&request, parse_reference(request.value_from)});
    const auto kind = pending.back().reference.kind;
    remote =
        remote || kind == ReferenceKind::secrets_manager || kind == ReferenceKind::ssm_parameter;
  }
  if (remote && store == nullptr) {
    throw ResolutionError("secrets reference AWS but no AWS store is configured");
  }
  // 2. Fetch, batched.
  std::map<SecretKey, Fetched> secret_strings;
  std::map<ParameterKey, Fetched> parameters;
  if (remote) {
    secret_strings = fetch_secrets_manager(*store, pending);
    parameters = fetch_parameters(*store, pending);
  }
  // 3. Assemble; nothing is returned unless everything resolved.
  std::vector<ResolvedSecret> out;
  out.reserve(pending.size());
  for (const auto& item : pending) {
    const auto& reference = item.reference;
    const auto& variable = item.request->name;
    std::string value;
    std::string version;
    switch (reference.kind) {
      case ReferenceKind::secrets_manager:
        value = secret_strings.at(key_of(reference)).value;
        version = secret_strings.at(key_of(reference)).version;
        if (reference.json_key) {
          value = extract_json_key(value, *reference.json_key, variable, reference.text);
        }
        break;
      case ReferenceKind::ssm_parameter:
        value = parameters.at({reference.region, reference.target}).value;
        version = parameters.at({reference.region, reference.target}).version;
        break;
      case ReferenceKind::environment: {
        auto found = core::env_string(reference.target.c_str());
        if (!found) {
          throw ResolutionError("secret " + variable + " (" + reference.text + "): variable " +
                                reference.target +
                                " is not set in slipway's environment: export it (no .env file "
                                "is read for env://, except by `secrets exec --env-file`)");
        }
        value = *found;
        break;
      }
      case ReferenceKind::file:
        value = read_file(reference.target, variable);
        break;
    }
    // Shorter values cannot be redacted from logs (see core/redaction.hpp): refuse them.
    if (value.size() < core::kMinRedactableLength) {
      throw ResolutionError("secret " + variable + " (" + reference.text + ") is shorter than " +
                            std::to_string(core::kMinRedactableLength) +
                            " characters: too short to be kept out of logs; use a longer value");
    }
    core::register_secret(value);
    out.push_back({variable, std::move(value), std::move(version)});
  }
  return out;
}

std::vector<SecretRequest> secrets_from_task_definition(const std::string& path,
                                                        const std::string& container) {
  std::ifstream in(path);
  if (!in) throw core::InputError("cannot read task definition " + path + ": check the path");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return secrets_from_task_definition_json(buffer.str(), path, container);
}

std::vector<SecretRequest> secrets_from_task_definition_json(std::string_view json_text,
                                                             const std::string& path,
                                                             const std::string& container) {
  boost::system::error_code ec;
  auto document = boost::json::parse(json_text, ec);
  if (ec || !document.is_object()) {
    throw core::InputError("task definition " + path + " is not a JSON object (" + ec.message() +
                           "): fix the JSON");
  }
  const auto* containers = document.as_object().if_contains("containerDefinitions");
  if (containers == nullptr || !containers->is_array()) {
    throw core::InputError("task definition " + path + " has no containerDefinitions array");
  }
  for (const auto& item : containers->as_array()) {
    if (!item.is_object()) continue;
    const auto& definition = item.as_object();
    const auto* name = definition.if_contains("name");
    const auto* secrets = definition.if_contains("secrets");
    const bool named = name != nullptr && name->is_string() && name->as_string() == container;
    if (!container.empty() && !named) continue;
    if (container.empty() && (secrets == nullptr || !secrets->is_array())) continue;
    std::vector<SecretRequest> out;
    if (secrets == nullptr) return out;
    if (!secrets->is_array())
      throw core::InputError("task definition " + path + ": secrets must be an array");
    for (const auto& secret : secrets->as_array()) {
      const auto* object = secret.if_object();
      const auto* secret_name = object ? object->if_contains("name") : nullptr;
      const auto* value_from = object ? object->if_contains("valueFrom") : nullptr;
      if (secret_name == nullptr || !secret_name->is_string() || value_from == nullptr ||
          !value_from->is_string()) {
        throw core::InputError("task definition " + path +
                               ": every secrets item needs string \"name\" and \"valueFrom\"");
      }
      out.push_back({std::string(secret_name->as_string()), std::string(value_from->as_string())});
    }
    return out;
  }
  if (!container.empty()) {
    throw core::InputError("task definition " + path + " has no container named \"" + container +
                           "\"");
  }
  return {};
}

}  // namespace slipway::secrets
