#pragma once
// A secret the process reads itself and keeps fresh — the gap ECS leaves (it injects once, at
// task start). A background thread re-fetches ahead of expiry, so requests never wait on AWS;
// when AWS is briefly unreachable the last good value is served (up to `max_stale`); a new
// AWSCURRENT version is noticed on the next refresh and reported.
//
// This header is included by the service's request path, which is also compiled by clang 14 for
// the fuzzer: keep it free of <expected>, Asio and OpenSSL (pimpl).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

namespace slipway::secrets {

// The two stages that matter during a rotation.
struct SecretVersions {
  std::string current;                  // AWSCURRENT value
  std::string current_version_id;       // its VersionId
  std::optional<std::string> previous;  // AWSPREVIOUS value, when there is one
};

// Fetches both stages; throws on any failure (the cache keeps the last good value).
using VersionsFetcher = std::function<SecretVersions()>;

// What the cache reports: "rotated" (new AWSCURRENT version), "refresh_failed", "recovered".
// Messages never contain a value.
using CacheEventSink = std::function<void(std::string_view event, std::string_view detail)>;

struct CacheOptions {
  std::chrono::milliseconds ttl{std::chrono::seconds(60)};  // a value is fresh this long
  // Refresh this long before the TTL runs out (clamped to half the TTL).
  std::chrono::milliseconds refresh_ahead{std::chrono::seconds(10)};
  // After a failed refresh, retry this soon (doubling up to the refresh period).
  std::chrono::milliseconds retry_after_failure{std::chrono::milliseconds(500)};
  // Serve the last good value this long past its TTL while refreshes fail; then nothing.
  std::chrono::milliseconds max_stale{std::chrono::minutes(15)};
};

// The time the cache runs on: when a value was fetched, whether it is still fresh, when the
// next refresh is due. The default is steady_clock with real waits; a test passes a clock it
// moves by hand, so every TTL, refresh and staleness decision is exact whatever the machine's
// load.
class CacheClock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~CacheClock() = default;
  virtual time_point now() const = 0;
  // Blocks the calling thread until now() >= deadline; returns false, early, once `stop` is
  // requested.
  virtual bool sleep_until(time_point deadline, std::stop_token stop) = 0;
};

// steady_clock and real waits: what a running service uses.
std::shared_ptr<CacheClock> steady_cache_clock();

class RefreshingSecret {
 public:
  // Starts the background refresher; the first fetch happens on it at once (the constructor
  // does not wait for AWS). A null `clock` is steady_cache_clock().
  RefreshingSecret(VersionsFetcher fetch, CacheOptions options, CacheEventSink events = {},
                   std::shared_ptr<CacheClock> clock = nullptr);
  ~RefreshingSecret();  // stops and joins the refresher
  RefreshingSecret(const RefreshingSecret&) = delete;
  RefreshingSecret& operator=(const RefreshingSecret&) = delete;

  // Returns the latest good versions, or null when none was ever fetched or the last good one
  // is older than ttl + max_stale. Thread-safe, never blocks on AWS.
  std::shared_ptr<const SecretVersions> get() const;

  // Fetches now on the calling thread; returns true on success. For tests and start-up checks.
  bool refresh_now();

  // Number of successful fetches so far.
  std::uint64_t refreshes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::secrets
