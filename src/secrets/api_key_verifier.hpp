#pragma once
// Checks an API key presented by a client against a key kept in Secrets Manager, accepting both
// AWSCURRENT and AWSPREVIOUS so a rotation needs no restart and refuses no client mid-way.
// Comparison is in constant time: SHA-256 digests of equal length compared with CRYPTO_memcmp,
// both stages always compared.
//
// Included by the service's request path (also compiled by clang 14 for the fuzzer): no
// <expected>, Asio or OpenSSL here.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "secrets/refreshing_secret.hpp"

namespace slipway::secrets {

enum class KeyMatch {
  current,      // the AWSCURRENT key
  previous,     // the AWSPREVIOUS key (still accepted during a rotation)
  rejected,     // neither
  unavailable,  // no key loaded yet (or too stale): the caller should answer 503
};

// Returns "current", "previous", "rejected" or "unavailable".
std::string_view to_string(KeyMatch match) noexcept;

// One AWS call a refresh made, for tracing: what, when, and how it ended (never a value).
struct AwsCallRecord {
  enum class Outcome { ok, client_error, failed };  // failed: 5xx, network, credentials
  std::string_view operation;                       // e.g. "GetSecretValue"
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  Outcome outcome = Outcome::ok;
};

// Called after every refresh attempt (successful or not) with its span and the calls it made.
using RefreshTraceSink = std::function<void(std::chrono::system_clock::time_point start,
                                            std::chrono::system_clock::time_point end,
                                            const std::vector<AwsCallRecord>&)>;

struct VerifierSettings {
  std::string secret_id;  // API_KEY_SECRET_ID: name or ARN of the secret holding the key
  CacheOptions cache;     // API_KEY_REFRESH_INTERVAL (ttl), API_KEY_MAX_STALE
};

class ApiKeyVerifier {
 public:
  // Verifies against whatever `fetch` returns, refreshed in the background by `cache` rules,
  // on `clock`'s time (null: steady_cache_clock()).
  ApiKeyVerifier(VersionsFetcher fetch, CacheOptions cache, CacheEventSink events = {},
                 std::shared_ptr<CacheClock> clock = nullptr);
  ~ApiKeyVerifier();

  // Reads API_KEY_SECRET_ID, API_KEY_REFRESH_INTERVAL (default 60s), API_KEY_MAX_STALE
  // (default 15m); nullopt when API_KEY_SECRET_ID is unset. Throws core::InputError on a bad
  // value.
  static std::optional<VerifierSettings> settings_from_environment();

  // A verifier reading `settings.secret_id` from Secrets Manager with the SDK credential chain,
  // region and endpoint rules of src/aws. Throws core::InputError (e.g. no region).
  // `traces` sees each refresh's Secrets Manager calls (the service's X-Ray subsegments).
  static std::unique_ptr<ApiKeyVerifier> from_settings(const VerifierSettings& settings,
                                                       CacheEventSink events = {},
                                                       RefreshTraceSink traces = {});

  // Checks `presented`. Thread-safe; never blocks on AWS.
  KeyMatch verify(std::string_view presented) const;

  // Fetches now on the calling thread; true on success.
  bool refresh_now();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::secrets
