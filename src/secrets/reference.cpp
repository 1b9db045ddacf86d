#include "secrets/reference.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "secrets/errors.hpp"

namespace slipway::secrets {
namespace {

constexpr std::string_view kSecretsManagerForm =
    "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY:VERSION-STAGE:VERSION-ID]";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<std::string> optional_field(std::string_view field) {
  if (field.empty()) return std::nullopt;
  return std::string(field);
}

SecretReference parse_secrets_manager(std::string_view text,
                                      const std::vector<std::string_view>& fields) {
  auto bad = [&](const std::string& why) {
    return ReferenceError("secret reference \"" + std::string(text) + "\" is invalid: " + why +
                          "; expected " + std::string(kSecretsManagerForm));
  };
  // arn : partition : service : region : account : "secret" : name [ : key : stage : id ]
  if (fields.size() != 7 && fields.size() != 10) {
    throw bad("it has " + std::to_string(fields.size() - 5) +
              " colon-separated parts after the account, not 2 (secret:NAME) or 5 "
              "(secret:NAME:JSON-KEY:VERSION-STAGE:VERSION-ID)");
  }
  if (fields[5] != "secret") throw bad("the resource type must be \"secret\"");
  if (fields[1].empty()) throw bad("the partition is empty");
  if (fields[3].empty()) throw bad("the region is empty");
  if (fields[4].empty()) throw bad("the account is empty");
  if (fields[6].empty()) throw bad("the secret name is empty");
  SecretReference reference{.kind = ReferenceKind::secrets_manager,
                            .text = std::string(text),
                            .target = {},
                            .region = std::string(fields[3]),
                            .json_key = {},
                            .version_stage = {},
                            .version_id = {}};
  for (std::size_t i = 0; i < 7; ++i) {
    if (i > 0) reference.target += ':';
    reference.target += fields[i];
  }
  if (fields.size() == 10) {
    reference.json_key = optional_field(fields[7]);
    reference.version_stage = optional_field(fields[8]);
    reference.version_id = optional_field(fields[9]);
    if (reference.version_stage && reference.version_id) {
      throw bad("version-stage and version-id are exclusive: leave one of them empty");
    }
  }
  return reference;
}

SecretReference parse_ssm_arn(std::string_view text, const std::vector<std::string_view>& fields) {
  // arn:aws:ssm:REGION:ACCOUNT:parameter/NAME — NAME itself may contain '/', never ':'.
  if (fields.size() != 6 || !fields[5].starts_with("parameter/") || fields[5].size() <= 10) {
    throw ReferenceError("parameter reference \"" + std::string(text) +
                         "\" is invalid: expected arn:aws:ssm:REGION:ACCOUNT:parameter/NAME");
  }
  auto name = std::string(fields[5].substr(10));
  // The ARN of "/app/db" is ".../parameter/app/db": hierarchical names get their slash back.
  if (name.find('/') != std::string::npos) name = "/" + name;
  return {.kind = ReferenceKind::ssm_parameter,
          .text = std::string(text),
          .target = name,
          .region = std::string(fields[3]),
          .json_key = {},
          .version_stage = {},
          .version_id = {}};
}

}  // namespace

SecretReference parse_reference(std::string_view text) {
  if (text.empty())
    throw ReferenceError("secret reference is empty: give an ARN, name, env:// or file://");
  if (text.starts_with("env://")) {
    auto name = text.substr(6);
    if (name.empty())
      throw ReferenceError("secret reference \"env://\" names no variable: write env://NAME");
    return {.kind = ReferenceKind::environment,
            .text = std::string(text),
            .target = std::string(name),
            .region = {},
            .json_key = {},
            .version_stage = {},
            .version_id = {}};
  }
  if (text.starts_with("file://")) {
    auto path = text.substr(7);
    if (path.empty())
      throw ReferenceError("secret reference \"file://\" names no file: write file://PATH");
    return {.kind = ReferenceKind::file,
            .text = std::string(text),
            .target = std::string(path),
            .region = {},
            .json_key = {},
            .version_stage = {},
            .version_id = {}};
  }
  if (text.starts_with("arn:")) {
    const auto fields = split(text, ':');
    if (fields.size() >= 3 && fields[2] == "secretsmanager") {
      return parse_secrets_manager(text, fields);
    }
    if (fields.size() >= 3 && fields[2] == "ssm") return parse_ssm_arn(text, fields);
    throw ReferenceError("secret reference \"" + std::string(text) +
                         "\" is an ARN of neither secretsmanager nor ssm: use one of those");
  }
  if (text.find("://") != std::string_view::npos) {
    throw ReferenceError(
        "secret reference \"" + std::string(text) +
        "\" has an unknown scheme: use env://, file://, an ARN or a parameter name");
  }
  // SSM names use letters, digits and _.-/ only: anything else is a mistyped reference.
  const bool valid_name = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
           c == '/';
  });
  if (!valid_name) {
    throw ReferenceError("secret reference \"" + std::string(text) +
                         "\" is neither an ARN, env://, file:// nor an SSM parameter name "
                         "(letters, digits and _.-/ only): fix the reference");
  }
  return {.kind = ReferenceKind::ssm_parameter,
          .text = std::string(text),
          .target = std::string(text),
          .region = {},
          .json_key = {},
          .version_stage = {},
          .version_id = {}};
}

}  // namespace slipway::secrets
