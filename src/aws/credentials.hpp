#pragma once
// AWS credentials and the provider chain in the SDKs' order: environment, shared
// config/credentials files (profiles), ECS container endpoint, EC2 IMDSv2. Temporary
// credentials are refreshed ahead of their expiry.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace slipway::aws {

class HttpClient;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // "environment", "profile default", "container endpoint", ...
};

// One link of the chain. load() returns nullopt when this source is not configured (so the
// chain moves on) and throws CredentialsError/ConfigError when it is configured but broken.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual std::optional<Credentials> load() = 0;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
std::unique_ptr<CredentialsProvider> make_environment_provider();

// [profile] of AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) then AWS_CONFIG_FILE
// (~/.aws/config); profile = `profile` argument, else AWS_PROFILE, else "default".
std::unique_ptr<CredentialsProvider> make_profile_provider(std::optional<std::string> profile);

// The ECS container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on 169.254.170.2, else
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or ECS/EKS agent address),
// with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read every load) or _TOKEN.
std::unique_ptr<CredentialsProvider> make_container_provider(HttpClient& http);

// EC2 instance metadata, IMDSv2 only (token first). Off when AWS_EC2_METADATA_DISABLED=true.
// AWS_EC2_METADATA_SERVICE_ENDPOINT overrides http://169.254.169.254.
std::unique_ptr<CredentialsProvider> make_imds_provider(HttpClient& http);

// The first provider that yields credentials wins, and keeps winning: like the SDKs, the chain
// remembers which source answered and refreshes from it. Credentials with an expiration are
// refreshed `refresh_ahead` before it; if a refresh fails the current ones are kept while they
// are still valid. Thread-safe.
class CredentialsChain {
 public:
  explicit CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers,
                            std::chrono::seconds refresh_ahead = std::chrono::minutes(10));

  // Returns valid credentials; throws CredentialsError when no source has any, or when the
  // only ones found have expired.
  Credentials get();

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
  std::chrono::seconds refresh_ahead_;
  std::mutex mutex_;
  std::optional<Credentials> current_;
  CredentialsProvider* winner_ = nullptr;
};

// The SDK default chain. `http` must outlive the chain.
std::unique_ptr<CredentialsChain> make_default_chain(HttpClient& http,
                                                     std::optional<std::string> profile);

// Parses an ISO 8601 UTC timestamp "2024-01-01T00:00:00Z" (fractional seconds allowed);
// nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace slipway::aws
