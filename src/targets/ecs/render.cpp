#include "targets/ecs/render.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <ctime>
#include <fstream>
#include <sstream>

#include "core/env.hpp"
#include "core/subprocess.hpp"
#include "release/errors.hpp"
#include "release/identity.hpp"
#include "release/template.hpp"
#include "release/workload.hpp"
#include "targets/ecs/errors.hpp"

namespace slipway::targets::ecs {
namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::map<std::string, std::string> parse_terraform_outputs(std::string_view json_text) {
  std::map<std::string, std::string> out;
  boost::system::error_code error;
  auto parsed = boost::json::parse(json_text, error);
  if (error || !parsed.is_object()) {
    throw EcsInputError(
        "terraform output -json did not print a JSON object; run `terraform "
        "init` and `terraform apply` in the infra directory first");
  }
  for (const auto& [name, output] : parsed.as_object()) {
    if (!output.is_object()) continue;
    const auto* value = output.as_object().if_contains("value");
    if (value == nullptr) continue;
    std::string text;
    if (value->is_string()) {
      text = std::string(value->as_string());
    } else if (value->is_int64() || value->is_uint64() || value->is_double()) {
      text = boost::json::serialize(*value);
    } else {
      continue;  // lists and maps have no single ${VAR} value
    }
    out[std::string(name)] = text;
    out[upper(std::string(name))] = text;
  }
  return out;
}

std::map<std::string, std::string> terraform_outputs(const std::string& dir) {
  core::RunOptions options;
  options.argv = {"terraform", "-chdir=" + dir, "output", "-json"};
  options.timeout = std::chrono::seconds(120);
  core::RunResult result;
  try {
    result = core::run(options);
  } catch (const core::Error& error) {
    throw EcsInputError(std::string("cannot run terraform for --terraform-dir ") + dir + ": " +
                        error.what() +
                        "; install terraform or pass the values as environment "
                        "variables");
  }
  if (!result.ok()) {
    auto first_line = result.err.substr(0, result.err.find('\n'));
    throw EcsInputError("terraform output -json failed in " + dir + ": " + first_line +
                        "; run terraform init/apply there, or fix --terraform-dir");
  }
  return parse_terraform_outputs(result.out);
}

boost::json::object render_task_definition(const release::ServiceSpec& spec,
                                           const std::string& base_dir, const std::string& image,
                                           std::map<std::string, std::string> extra,
                                           const std::string& region) {
  const auto path =
      (base_dir.empty() ? std::string(".") : base_dir) + "/" + spec.task_definition_file;
  std::ifstream file(path);
  if (!file) {
    throw release::SpecError(path +
                             ": cannot read the task definition; fix "
                             "task_definition_file in slipway.yaml");
  }
  std::stringstream text;
  text << file.rdbuf();
  extra["IMAGE"] = image;
  // The spec's service name is the default for ${SERVICE}; the environment may override it.
  if (!extra.contains("SERVICE") && !core::env_string("SERVICE")) extra["SERVICE"] = spec.service;
  extra["AWS_REGION"] = region;
  // Tracing is on for every ECS release (the task role may send to X-Ray); off stays possible.
  if (!extra.contains("XRAY_TRACING") && !core::env_string("XRAY_TRACING")) {
    extra["XRAY_TRACING"] = "on";
  }
  const auto rendered = release::render_template(
      text.str(), release::extra_then_environment(std::move(extra)), spec.task_definition_file);
  auto document = release::parse_json_document(rendered, spec.task_definition_file);
  if (!document.is_object()) {
    throw release::SpecError(spec.task_definition_file +
                             ": must be a JSON object "
                             "(RegisterTaskDefinition input)");
  }
  return document.as_object();
}

std::optional<SecretsManagerReference> parse_secrets_manager_reference(
    std::string_view value_from) {
  if (!value_from.starts_with("arn:aws:secretsmanager:") &&
      !value_from.starts_with("arn:aws-us-gov:secretsmanager:") &&
      !value_from.starts_with("arn:aws-cn:secretsmanager:")) {
    return std::nullopt;
  }
  const auto marker = value_from.find(":secret:");
  if (marker == std::string_view::npos) return std::nullopt;
  const auto parts = split(value_from.substr(marker + 8), ':');
  if (parts.size() != 1 && parts.size() != 4) return std::nullopt;
  SecretsManagerReference reference;
  reference.secret_arn = std::string(value_from.substr(0, marker + 8)) + parts[0];
  if (parts.size() == 4) {
    reference.json_key = parts[1];
    reference.version_stage = parts[2];
    reference.version_id = parts[3];
  }
  return reference;
}

std::string pin_version(const SecretsManagerReference& reference, const std::string& version_id) {
  return reference.secret_arn + ":" + reference.json_key + "::" + version_id;
}

std::vector<std::string> secret_value_froms(const boost::json::object& task_definition) {
  std::vector<std::string> out;
  const auto* containers = task_definition.if_contains("containerDefinitions");
  if (!containers || !containers->is_array()) return out;
  for (const auto& container : containers->as_array()) {
    if (!container.is_object()) continue;
    const auto* secrets = container.as_object().if_contains("secrets");
    if (!secrets || !secrets->is_array()) continue;
    for (const auto& secret : secrets->as_array()) {
      if (!secret.is_object()) continue;
      const auto* value_from = secret.as_object().if_contains("valueFrom");
      if (value_from && value_from->is_string()) out.emplace_back(value_from->as_string());
    }
  }
  return out;
}

std::vector<std::string> rewrite_value_froms(
    boost::json::object& task_definition,
    const std::function<std::optional<std::string>(const std::string&)>& pin) {
  std::vector<std::string> pinned;
  auto* containers = task_definition.if_contains("containerDefinitions");
  if (!containers || !containers->is_array()) return pinned;
  for (auto& container : containers->as_array()) {
    if (!container.is_object()) continue;
    auto* secrets = container.as_object().if_contains("secrets");
    if (!secrets || !secrets->is_array()) continue;
    for (auto& secret : secrets->as_array()) {
      if (!secret.is_object()) continue;
      auto* value_from = secret.as_object().if_contains("valueFrom");
      if (!value_from || !value_from->is_string()) continue;
      if (auto replacement = pin(std::string(value_from->as_string()))) {
        *value_from = *replacement;
        const auto* name = secret.as_object().if_contains("name");
        pinned.emplace_back(name && name->is_string() ? std::string(name->as_string()) : "");
      }
    }
  }
  return pinned;
}

boost::json::object registrable_copy(const boost::json::object& described) {
  // RegisterTaskDefinition's request members (Amazon ECS API Reference), but tags: a member the
  // describe answer has and the request does not is read-only, and ECS refuses it.
  static constexpr std::string_view kRequestMembers[] = {"family",
                                                         "taskRoleArn",
                                                         "executionRoleArn",
                                                         "networkMode",
                                                         "containerDefinitions",
                                                         "volumes",
                                                         "placementConstraints",
                                                         "requiresCompatibilities",
                                                         "cpu",
                                                         "memory",
                                                         "pidMode",
                                                         "ipcMode",
                                                         "proxyConfiguration",
                                                         "inferenceAccelerators",
                                                         "ephemeralStorage",
                                                         "runtimePlatform",
                                                         "enableFaultInjection"};
  boost::json::object copy;
  for (const auto member : kRequestMembers) {
    if (const auto* value = described.if_contains(member); value && !value->is_null()) {
      copy[member] = *value;
    }
  }
  return copy;
}

std::string tag_value(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '+' ||
                         c == '-' || c == '=' || c == '.' || c == '_' || c == ':' || c == '/' ||
                         c == '@';
    out.push_back(allowed ? c : '_');
    if (out.size() == 256) break;
  }
  return out;
}

aws::TagMap release_tags(const std::string& commit, const std::string& image,
                         const std::string& digest, const std::string& deployed_by,
                         const std::string& deployed_at) {
  aws::TagMap tags{{std::string(kTagCommit), tag_value(commit)},
                   {std::string(kTagImage), tag_value(image)},
                   {std::string(kTagDeployedBy), tag_value(deployed_by)},
                   {std::string(kTagDeployedAt), tag_value(deployed_at)},
                   {std::string(kTagOutcome), "in_progress"}};
  if (!digest.empty()) tags[std::string(kTagDigest)] = tag_value(digest);
  return tags;
}

std::string deployer() {
  if (auto explicit_name = core::env_string("SLIPWAY_DEPLOYER")) return *explicit_name;
  if (auto actor = core::env_string("GITHUB_ACTOR")) return *actor + " via github";
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return core::env_string("USER").value_or("unknown") + "@" + host;
}

std::string utc_now() {
  const auto now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string commit_of_image(std::string_view image) {
  const auto at = image.find('@');
  if (at != std::string_view::npos) image = image.substr(0, at);
  const auto colon = image.rfind(':');
  if (colon == std::string_view::npos) return "";
  const auto tag = image.substr(colon + 1);
  return release::is_full_sha(tag) ? std::string(tag) : std::string();
}

}  // namespace slipway::targets::ecs
