#pragma once
// What every AWS client shares: the resolved region, endpoints, credentials, transport and
// retry policy. Clients (secretsmanager.hpp, ssm.hpp, sts.hpp, ...) are thin typed wrappers
// over the two protocol calls here; a new API is one small client describing its ServiceInfo.

#include <atomic>
#include <boost/json/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.hpp"
#include "aws/errors.hpp"
#include "aws/http_client.hpp"
#include "aws/retry.hpp"

namespace slipway::aws {

// How one AWS API is addressed and signed.
struct ServiceInfo {
  std::string_view endpoint_prefix;  // host label: "secretsmanager" in secretsmanager.REGION...
  std::string_view signing_name;     // SigV4 service name
  std::string_view env_name;         // AWS_ENDPOINT_URL_<env_name>, e.g. "SECRETS_MANAGER"
  std::string_view json_target_prefix = {};  // X-Amz-Target prefix (JSON 1.1 services)
  // A global service (IAM) has one endpoint, https://<prefix>.amazonaws.com, whatever the
  // session's region, and is signed in this region; empty for regional services.
  std::string_view global_signing_region = {};
};

struct SessionOptions {
  std::optional<std::string> region;        // --region
  std::optional<std::string> endpoint_url;  // --endpoint-url, wins over the environment
  std::optional<std::string> profile;       // --profile
  // The service's own defaults (slipway.yaml's ecs.region, ecs.endpoint): used only when neither
  // the flags nor the environment say otherwise, so AWS_ENDPOINT_URL_<SERVICE> still wins.
  std::optional<std::string> fallback_region;        // before the profile's region
  std::optional<std::string> fallback_endpoint_url;  // before AWS's own endpoints
  HttpTimeouts timeouts;
  RetryPolicy retry;
  HttpClientOptions connections;  // the kept-alive pool: as many as calls in flight at once
};

// Returns the region: `flag`, else AWS_REGION, else AWS_DEFAULT_REGION, else `fallback`, else
// the profile's `region` in the config file; throws ConfigError when none is set.
std::string resolve_region(const std::optional<std::string>& flag,
                           const std::optional<std::string>& profile,
                           const std::optional<std::string>& fallback = std::nullopt);

// Returns the endpoint of `service`: `flag`, else AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else `fallback`, else https://<prefix>.<region>.amazonaws.com
// (https://<prefix>.amazonaws.com for a global service).
Url resolve_endpoint(const ServiceInfo& service, const std::string& region,
                     const std::optional<std::string>& flag,
                     const std::optional<std::string>& fallback = std::nullopt);

// Parses the "__type" of a JSON 1.1 error ("aws.foo#Code:http://..." → "Code").
std::string error_code_from_type(std::string_view type);

class Session {
 public:
  // Resolves the region now (so a missing region fails before any call); credentials are
  // looked up on first use. Throws ConfigError.
  explicit Session(SessionOptions options);
  // For tests: a fixed credentials chain.
  Session(SessionOptions options, std::unique_ptr<CredentialsChain> chain);
  ~Session();

  const std::string& region() const noexcept { return region_; }
  // The options this session was made from (to make a sibling for another region).
  const SessionOptions& options() const noexcept { return options_; }
  Url endpoint(const ServiceInfo& service) const;
  // The region requests to `service` are signed in: the session's, or the global service's.
  std::string signing_region(const ServiceInfo& service) const;

  // Calls a JSON 1.1 operation; returns the parsed response. Throws ServiceError (with the
  // code from "__type"), NetworkError, CredentialsError.
  boost::json::value call_json(const ServiceInfo& service, std::string_view operation,
                               const boost::json::object& input);

  // Calls a paginated JSON 1.1 operation page by page, passing each response to `page`, until
  // the response has no `token_field` (nextToken or NextToken) or `page` returns false.
  void call_json_pages(const ServiceInfo& service, std::string_view operation,
                       boost::json::object input, std::string_view token_field,
                       const std::function<bool(const boost::json::object&)>& page);

  // Calls a REST-JSON operation (POST `path` below the endpoint, e.g. X-Ray's /TraceSegments);
  // returns the parsed response. Throws as call_json does.
  boost::json::value call_rest_json(const ServiceInfo& service, std::string_view operation,
                                    std::string_view path, const boost::json::object& input);
  // The same with the request body already serialized (`body` must be a JSON object's text):
  // for a caller that renders its own body, as the X-Ray segment sender does for speed.
  boost::json::value call_rest_json_text(const ServiceInfo& service, std::string_view operation,
                                         std::string_view path, std::string body);

  // call_rest_json_text in two halves, so that one thread can have several calls in flight (the
  // X-Ray segment sender): start signs and writes the call and returns without waiting for the
  // answer; finish reads it and returns the parsed response, making the further attempts of the
  // retry policy one at a time when the first fails. A start that cannot reach the endpoint does
  // not throw: finish retries it, and throws as call_rest_json_text does.
  struct PendingCall {
    const ServiceInfo* service = nullptr;
    std::string operation;
    std::string path;
    std::optional<InFlightRequest> in_flight;  // written, its answer not read yet
    std::optional<NetworkError> start_error;   // or why it could not be written
    std::string body;                          // the body, when not in `in_flight`
  };
  PendingCall start_rest_json_text(const ServiceInfo& service, std::string_view operation,
                                   std::string_view path, std::string body);
  boost::json::value finish_rest_json(PendingCall& call);

  // Calls a Query-protocol action (form-encoded POST); returns the XML response body.
  std::string call_query(const ServiceInfo& service, std::string_view action,
                         std::string_view version, const QueryList& parameters);

  // Number of HTTP requests sent so far, retries included (for benchmarks and tests).
  std::uint64_t requests_sent() const noexcept { return requests_sent_.load(); }

  // Returns the credentials the next call would use (refreshing them if due).
  Credentials credentials();

 private:
  // A POST of `body` to `path` below the service's endpoint, signed with the current credentials.
  HttpRequest signed_request(const ServiceInfo& service, std::string_view path, HeaderList headers,
                             std::string body);
  // What attempt number `attempt` came to (a response or `network_error`): the response when
  // it succeeded, nullopt when the retry policy says to try again; throws otherwise.
  std::optional<HttpResponse> judge(const ServiceInfo& service, std::string_view operation,
                                    bool json_errors, int attempt,
                                    std::optional<HttpResponse> response,
                                    const NetworkError* network_error);
  // Sleeps the backoff before the attempt after `attempt`.
  void wait_before_attempt(int attempt);
  HttpResponse send_signed(const ServiceInfo& service, std::string_view operation,
                           HeaderList headers, std::string body, bool json_errors,
                           std::string_view path = {}, int first_attempt = 1);

  SessionOptions options_;
  std::string region_;
  HttpClient http_;
  std::unique_ptr<CredentialsChain> chain_;
  std::once_flag chain_once_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  std::atomic<std::uint64_t> requests_sent_{0};
};

}  // namespace slipway::aws
