#include "secrets/api_key_verifier.hpp"

#include <mutex>

#include "aws/crypto.hpp"
#include "aws/errors.hpp"
#include "aws/secretsmanager.hpp"
#include "core/env.hpp"

namespace slipway::secrets {
namespace {

// Digests of the accepted keys, recomputed only when the cached versions change.
struct Digests {
  std::shared_ptr<const SecretVersions> source;
  std::string current;
  std::optional<std::string> previous;
};

}  // namespace

std::string_view to_string(KeyMatch match) noexcept {
  switch (match) {
    case KeyMatch::current:
      return "current";
    case KeyMatch::previous:
      return "previous";
    case KeyMatch::rejected:
      return "rejected";
    case KeyMatch::unavailable:
      return "unavailable";
  }
  return "unavailable";
}

struct ApiKeyVerifier::Impl {
  Impl(VersionsFetcher fetch, CacheOptions cache, CacheEventSink events,
       std::shared_ptr<CacheClock> clock)
      : secret(std::move(fetch), cache, std::move(events), std::move(clock)) {}

  RefreshingSecret secret;
  mutable std::mutex mutex;
  mutable std::shared_ptr<const Digests> digests;

  std::shared_ptr<const Digests> current_digests() const {
    auto versions = secret.get();
    if (!versions) return nullptr;
    std::lock_guard lock(mutex);
    if (!digests || digests->source != versions) {
      auto next = std::make_shared<Digests>();
      next->source = versions;
      next->current = aws::sha256(versions->current);
      if (versions->previous) next->previous = aws::sha256(*versions->previous);
      digests = std::move(next);
    }
    return digests;
  }
};

ApiKeyVerifier::ApiKeyVerifier(VersionsFetcher fetch, CacheOptions cache, CacheEventSink events,
                               std::shared_ptr<CacheClock> clock)
    : impl_(std::make_unique<Impl>(std::move(fetch), cache, std::move(events), std::move(clock))) {}

ApiKeyVerifier::~ApiKeyVerifier() = default;

KeyMatch ApiKeyVerifier::verify(std::string_view presented) const {
  const auto digests = impl_->current_digests();
  if (!digests) return KeyMatch::unavailable;
  if (presented.empty()) return KeyMatch::rejected;
  // Hashing first makes both sides 32 bytes, so the comparison time says nothing about length
  // or content; both stages are always compared.
  const auto presented_digest = aws::sha256(presented);
  const bool is_current = aws::constant_time_equal(presented_digest, digests->current);
  const bool is_previous =
      digests->previous && aws::constant_time_equal(presented_digest, *digests->previous);
  if (is_current) return KeyMatch::current;
  if (is_previous) return KeyMatch::previous;
  return KeyMatch::rejected;
}

bool ApiKeyVerifier::refresh_now() {
  return impl_->secret.refresh_now();
}

std::optional<VerifierSettings> ApiKeyVerifier::settings_from_environment() {
  auto secret_id = core::env_string("API_KEY_SECRET_ID");
  if (!secret_id || secret_id->empty()) return std::nullopt;
  VerifierSettings settings;
  settings.secret_id = *secret_id;
  settings.cache.ttl = core::env_duration("API_KEY_REFRESH_INTERVAL", std::chrono::seconds(60),
                                          std::chrono::hours(24));
  if (settings.cache.ttl < std::chrono::milliseconds(100)) {
    throw core::InputError(
        "API_KEY_REFRESH_INTERVAL is below 100ms: that would hammer Secrets "
        "Manager; use 1s or more");
  }
  settings.cache.refresh_ahead = settings.cache.ttl / 5;
  settings.cache.max_stale =
      core::env_duration("API_KEY_MAX_STALE", std::chrono::minutes(15), std::chrono::hours(24));
  return settings;
}

namespace {

// Times each call of one refresh and hands them all to the sink when the refresh ends, however
// it ends.
class RefreshTrace {
 public:
  explicit RefreshTrace(const RefreshTraceSink& sink)
      : sink_(sink), start_(std::chrono::system_clock::now()) {}
  ~RefreshTrace() {
    if (!sink_) return;
    try {
      sink_(start_, std::chrono::system_clock::now(), calls_);
    } catch (...) {  // tracing never fails a refresh
    }
  }
  RefreshTrace(const RefreshTrace&) = delete;
  RefreshTrace& operator=(const RefreshTrace&) = delete;

  template <typename Call>
  auto timed(std::string_view operation, Call&& call) {
    AwsCallRecord record{.operation = operation,
                         .start = std::chrono::system_clock::now(),
                         .end = {},
                         .outcome = AwsCallRecord::Outcome::ok};
    try {
      auto result = call();
      record.end = std::chrono::system_clock::now();
      calls_.push_back(record);
      return result;
    } catch (const aws::ServiceError& error) {
      record.end = std::chrono::system_clock::now();
      record.outcome = error.status() >= 400 && error.status() < 500
                           ? AwsCallRecord::Outcome::client_error
                           : AwsCallRecord::Outcome::failed;
      calls_.push_back(record);
      throw;
    } catch (...) {
      record.end = std::chrono::system_clock::now();
      record.outcome = AwsCallRecord::Outcome::failed;
      calls_.push_back(record);
      throw;
    }
  }

 private:
  const RefreshTraceSink& sink_;
  std::chrono::system_clock::time_point start_;
  std::vector<AwsCallRecord> calls_;
};

}  // namespace

std::unique_ptr<ApiKeyVerifier> ApiKeyVerifier::from_settings(const VerifierSettings& settings,
                                                              CacheEventSink events,
                                                              RefreshTraceSink traces) {
  // The session outlives every fetch: it is owned by the fetcher, which the cache owns.
  auto session = std::make_shared<aws::Session>(aws::SessionOptions{});
  auto fetch = [session, id = settings.secret_id, traces = std::move(traces)]() {
    aws::SecretsManagerClient client(*session);
    RefreshTrace trace(traces);
    auto current = trace.timed(
        "GetSecretValue", [&] { return client.get_secret_value(id, std::string("AWSCURRENT")); });
    if (!current.secret_string) {
      throw aws::AwsError("API key secret " + id + " is binary: store the key as a string");
    }
    SecretVersions versions{.current = *current.secret_string,
                            .current_version_id = current.version_id,
                            .previous = std::nullopt};
    try {
      auto previous = trace.timed("GetSecretValue", [&] {
        return client.get_secret_value(id, std::string("AWSPREVIOUS"));
      });
      versions.previous = previous.secret_string;
    } catch (const aws::ServiceError& error) {
      if (error.code() != "ResourceNotFoundException") throw;  // never rotated yet: fine
    }
    return versions;
  };
  return std::make_unique<ApiKeyVerifier>(std::move(fetch), settings.cache, std::move(events));
}

}  // namespace slipway::secrets
