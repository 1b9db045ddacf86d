#include "aws/credentials.hpp"

#include <boost/json.hpp>
#include <ctime>
#include <fstream>
#include <sstream>

#include "aws/config_file.hpp"
#include "aws/errors.hpp"
#include "aws/http_client.hpp"
#include "core/env.hpp"

namespace slipway::aws {
namespace {

using Clock = std::chrono::system_clock;

std::string format_time(Clock::time_point time) {
  const std::time_t seconds = Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// ---- environment ----------------------------------------------------------------------------

class EnvironmentProvider final : public CredentialsProvider {
 public:
  std::optional<Credentials> load() override {
    auto key = core::env_string("AWS_ACCESS_KEY_ID");
    auto secret = core::env_string("AWS_SECRET_ACCESS_KEY");
    if (!key || key->empty()) return std::nullopt;
    if (!secret || secret->empty()) {
      throw CredentialsError(
          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither");
    }
    Credentials credentials{.access_key_id = *key,
                            .secret_access_key = *secret,
                            .session_token = core::env_string("AWS_SESSION_TOKEN").value_or(""),
                            .expiration = std::nullopt,
                            .source = "environment"};
    if (auto expiry = core::env_string("AWS_CREDENTIAL_EXPIRATION"); expiry && !expiry->empty()) {
      credentials.expiration = parse_iso8601(*expiry);
    }
    return credentials;
  }
};

// ---- shared files ---------------------------------------------------------------------------

class ProfileProvider final : public CredentialsProvider {
 public:
  explicit ProfileProvider(std::optional<std::string> profile) : profile_(std::move(profile)) {}

  std::optional<Credentials> load() override {
    const auto name = effective_profile(profile_);
    const auto credentials_path = credentials_file_path();
    auto credentials_file = read_ini_file(credentials_path);
    if (auto it = credentials_file.find(name); it != credentials_file.end()) {
      if (auto found = from_section(it->second, name, credentials_path)) return found;
    }
    if (auto section = config_profile_section(name)) {
      if (auto found = from_section(*section, name, config_file_path())) return found;
    }
    // Naming a profile that has no keys is a mistake; the default profile is optional.
    if (profile_ || core::env_string("AWS_PROFILE")) {
      throw ConfigError("profile \"" + name + "\" has no aws_access_key_id in " + credentials_path +
                        " or " + config_file_path() + ": add the keys or choose another --profile");
    }
    return std::nullopt;
  }

 private:
  static std::optional<Credentials> from_section(const IniSection& section, const std::string& name,
                                                 const std::string& path) {
    auto key = section.find("aws_access_key_id");
    if (key == section.end()) return std::nullopt;
    auto secret = section.find("aws_secret_access_key");
    if (secret == section.end()) {
      throw ConfigError("profile \"" + name + "\" in " + path +
                        " has aws_access_key_id but no aws_secret_access_key: add it");
    }
    Credentials credentials{.access_key_id = key->second,
                            .secret_access_key = secret->second,
                            .session_token = {},
                            .expiration = std::nullopt,
                            .source = "profile " + name};
    if (auto token = section.find("aws_session_token"); token != section.end()) {
      credentials.session_token = token->second;
    }
    return credentials;
  }

  std::optional<std::string> profile_;
};

// ---- metadata endpoints ---------------------------------------------------------------------

const HttpTimeouts kMetadataTimeouts{.connect = std::chrono::milliseconds(1000),
                                     .request = std::chrono::milliseconds(2000)};

Credentials parse_credentials_document(const std::string& body, const std::string& source) {
  boost::system::error_code ec;
  auto document = boost::json::parse(body, ec);
  if (ec || !document.is_object()) {
    throw CredentialsError(source + " returned a document that is not JSON");
  }
  const auto& object = document.as_object();
  auto field = [&](const char* name) -> std::string {
    if (auto* value = object.if_contains(name); value && value->is_string()) {
      return std::string(value->as_string());
    }
    return {};
  };
  Credentials credentials{.access_key_id = field("AccessKeyId"),
                          .secret_access_key = field("SecretAccessKey"),
                          .session_token = field("Token"),
                          .expiration = std::nullopt,
                          .source = source};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw CredentialsError(source + " returned no AccessKeyId/SecretAccessKey");
  }
  if (auto expiration = field("Expiration"); !expiration.empty()) {
    credentials.expiration = parse_iso8601(expiration);
    if (!credentials.expiration) {
      throw CredentialsError(source + " returned a malformed Expiration");
    }
  }
  return credentials;
}

class ContainerProvider final : public CredentialsProvider {
 public:
  explicit ContainerProvider(HttpClient& http) : http_(http) {}

  std::optional<Credentials> load() override {
    HttpRequest request;
    if (auto relative = core::env_string("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        relative && !relative->empty()) {
      request.url = parse_url("http://169.254.170.2", "ECS credentials endpoint");
      request.target = *relative;
    } else if (auto full = core::env_string("AWS_CONTAINER_CREDENTIALS_FULL_URI");
               full && !full->empty()) {
      request.url = parse_url(*full, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
      const auto& host = request.url.host;
      const bool allowed_http = request.url.is_loopback() || host == "169.254.170.2" ||
                                host == "169.254.170.23" || host == "fd00:ec2::23";
      if (!request.url.tls() && !allowed_http) {
        throw ConfigError(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a "
            "loopback address or the ECS/EKS agent (169.254.170.2/.23)");
      }
      request.target = request.url.path.empty() ? "/" : request.url.path;
      if (auto token = authorization_token()) request.headers.emplace_back("Authorization", *token);
    } else {
      return std::nullopt;
    }
    auto response = http_.send(request, kMetadataTimeouts);
    if (response.status != 200) {
      throw CredentialsError("container credentials endpoint answered HTTP " +
                             std::to_string(response.status) + ": check the task role");
    }
    return parse_credentials_document(response.body, "container credentials endpoint");
  }

 private:
  static std::optional<std::string> authorization_token() {
    std::optional<std::string> token;
    // The file wins and is re-read on every refresh: EKS Pod Identity rotates it.
    if (auto path = core::env_string("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        path && !path->empty()) {
      std::ifstream in(*path);
      if (!in) {
        throw CredentialsError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *path);
      }
      std::stringstream buffer;
      buffer << in.rdbuf();
      token = buffer.str();
      while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
    } else {
      token = core::env_string("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    if (token && token->find_first_of("\r\n") != std::string::npos) {
      throw CredentialsError("the container authorization token contains CR or LF: refusing it");
    }
    if (token && token->empty()) return std::nullopt;
    return token;
  }

  HttpClient& http_;
};

class ImdsProvider final : public CredentialsProvider {
 public:
  explicit ImdsProvider(HttpClient& http) : http_(http) {}

  std::optional<Credentials> load() override {
    if (core::env_flag("AWS_EC2_METADATA_DISABLED", false)) return std::nullopt;
    const auto endpoint =
        core::env_string("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
    const auto url = parse_url(endpoint, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    try {
      HttpRequest token_request{.method = "PUT",
                                .url = url,
                                .target = "/latest/api/token",
                                .headers = {{"x-aws-ec2-metadata-token-ttl-seconds", "21600"}},
                                .body = {}};
      auto token = http_.send(token_request, kMetadataTimeouts);
      if (token.status != 200) return std::nullopt;
      HeaderList headers{{"x-aws-ec2-metadata-token", token.body}};
      const std::string base = "/latest/meta-data/iam/security-credentials/";
      auto role =
          http_.send({.method = "GET", .url = url, .target = base, .headers = headers, .body = {}},
                     kMetadataTimeouts);
      if (role.status != 200 || role.body.empty()) return std::nullopt;
      const auto role_name = role.body.substr(0, role.body.find('\n'));
      auto document = http_.send(
          {.method = "GET", .url = url, .target = base + role_name, .headers = headers, .body = {}},
          kMetadataTimeouts);
      if (document.status != 200) return std::nullopt;
      return parse_credentials_document(document.body, "EC2 instance metadata");
    } catch (const NetworkError&) {
      return std::nullopt;  // not on EC2: the chain ends without credentials
    }
  }

 private:
  HttpClient& http_;
};

}  // namespace

std::optional<Clock::time_point> parse_iso8601(std::string_view text) {
  std::tm tm{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  std::string_view rest(end);
  if (rest.starts_with('.')) {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  }
  if (rest != "Z" && rest != "+00:00" && !rest.empty()) return std::nullopt;
  return Clock::from_time_t(timegm(&tm));
}

std::unique_ptr<CredentialsProvider> make_environment_provider() {
  return std::make_unique<EnvironmentProvider>();
}

std::unique_ptr<CredentialsProvider> make_profile_provider(std::optional<std::string> profile) {
  return std::make_unique<ProfileProvider>(std::move(profile));
}

std::unique_ptr<CredentialsProvider> make_container_provider(HttpClient& http) {
  return std::make_unique<ContainerProvider>(http);
}

std::unique_ptr<CredentialsProvider> make_imds_provider(HttpClient& http) {
  return std::make_unique<ImdsProvider>(http);
}

CredentialsChain::CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers,
                                   std::chrono::seconds refresh_ahead)
    : providers_(std::move(providers)), refresh_ahead_(refresh_ahead) {}

Credentials CredentialsChain::get() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  const auto fresh = [&](const Credentials& c) {
    return !c.expiration || *c.expiration - refresh_ahead_ > now;
  };
  if (current_ && fresh(*current_)) return *current_;

  std::optional<Credentials> loaded;
  std::exception_ptr failure;
  try {
    if (winner_ != nullptr) {
      loaded = winner_->load();
    } else {
      for (auto& provider : providers_) {
        if ((loaded = provider->load())) {
          winner_ = provider.get();
          break;
        }
      }
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (loaded && (!loaded->expiration || *loaded->expiration > now)) {
    current_ = std::move(loaded);
    return *current_;
  }
  // A failed or stale refresh: keep what we have while it is still valid.
  if (current_ && current_->expiration && *current_->expiration > now) return *current_;
  if (failure) std::rethrow_exception(failure);
  if (loaded) {
    throw CredentialsError("AWS credentials from " + loaded->source + " expired at " +
                           format_time(*loaded->expiration) +
                           ": refresh them (new session "
                           "token, or a new task role credential)");
  }
  throw CredentialsError(
      "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, use --profile, "
      "or run with a task/instance role");
}

std::unique_ptr<CredentialsChain> make_default_chain(HttpClient& http,
                                                     std::optional<std::string> profile) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(make_environment_provider());
  providers.push_back(make_profile_provider(std::move(profile)));
  // Like the SDKs: the container endpoint when one is configured, otherwise IMDS.
  const bool container = core::env_string("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
                         core::env_string("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  providers.push_back(container ? make_container_provider(http) : make_imds_provider(http));
  return std::make_unique<CredentialsChain>(std::move(providers));
}

}  // namespace slipway::aws
