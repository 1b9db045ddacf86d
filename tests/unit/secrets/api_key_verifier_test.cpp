// The refreshing cache and the API-key verifier over a scripted fetcher: rotation, overlap,
// stale-on-error, expiry of staleness, rotation events.
#include "secrets/api_key_verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/errors.hpp"

namespace slipway::secrets {
namespace {

using namespace std::chrono_literals;

// A fetcher whose answer the test changes, and which can be made to fail.
struct ScriptedSecret {
  std::mutex mutex;
  SecretVersions versions{.current = "key-one-1111", .current_version_id = "v1", .previous = {}};
  std::atomic<bool> failing{false};
  std::atomic<int> calls{0};

  VersionsFetcher fetcher() {
    return [this] {
      ++calls;
      if (failing) throw std::runtime_error("Secrets Manager unreachable");
      std::lock_guard lock(mutex);
      return versions;
    };
  }
  void rotate(std::string next, std::string version) {
    std::lock_guard lock(mutex);
    versions.previous = versions.current;
    versions.current = std::move(next);
    versions.current_version_id = std::move(version);
  }
};

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

TEST(ApiKeyVerifier, UnavailableUntilTheFirstFetchThenAcceptsOnlyTheKey) {
  ScriptedSecret secret;
  secret.failing = true;
  ApiKeyVerifier verifier(secret.fetcher(), {.ttl = 10s});
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::unavailable);
  secret.failing = false;
  ASSERT_TRUE(verifier.refresh_now());
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::current);
  EXPECT_EQ(verifier.verify("key-one-111"), KeyMatch::rejected);
  EXPECT_EQ(verifier.verify("key-one-11111"), KeyMatch::rejected);
  EXPECT_EQ(verifier.verify(""), KeyMatch::rejected);
}

TEST(ApiKeyVerifier, DuringRotationBothKeysWorkAndAfterTheNextOneTheOldestIsRefused) {
  ScriptedSecret secret;
  std::vector<std::string> events;
  std::mutex events_mutex;
  ApiKeyVerifier verifier(secret.fetcher(), {.ttl = 50ms, .refresh_ahead = 10ms},
                          [&](std::string_view event, std::string_view) {
                            std::lock_guard lock(events_mutex);
                            events.emplace_back(event);
                          });
  ASSERT_TRUE(eventually([&] { return verifier.verify("key-one-1111") == KeyMatch::current; }));
  secret.rotate("key-two-2222", "v2");
  // The background refresher picks the rotation up within one refresh period.
  ASSERT_TRUE(eventually([&] { return verifier.verify("key-two-2222") == KeyMatch::current; }));
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::previous);
  secret.rotate("key-three-3333", "v3");
  ASSERT_TRUE(eventually([&] { return verifier.verify("key-three-3333") == KeyMatch::current; }));
  EXPECT_EQ(verifier.verify("key-two-2222"), KeyMatch::previous);
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::rejected);
  std::lock_guard lock(events_mutex);
  EXPECT_EQ(std::count(events.begin(), events.end(), "rotated"), 2);
}

TEST(RefreshingSecret, ServesTheLastGoodValueWhileAwsIsUnreachableAndReportsItOnce) {
  ScriptedSecret secret;
  std::vector<std::string> events;
  std::mutex events_mutex;
  RefreshingSecret cache(
      secret.fetcher(),
      {.ttl = 30ms, .refresh_ahead = 5ms, .retry_after_failure = 5ms, .max_stale = 10s},
      [&](std::string_view event, std::string_view detail) {
        std::lock_guard lock(events_mutex);
        events.emplace_back(std::string(event) + ": " + std::string(detail));
      });
  ASSERT_TRUE(eventually([&] { return cache.get() != nullptr; }));
  secret.failing = true;
  const int before = secret.calls;
  ASSERT_TRUE(eventually([&] { return secret.calls > before + 3; }));  // it keeps retrying
  auto value = cache.get();
  ASSERT_TRUE(value);
  EXPECT_EQ(value->current, "key-one-1111");
  secret.failing = false;
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(events_mutex);
    return std::find(events.begin(), events.end(), "recovered: refresh succeeded again") !=
           events.end();
  }));
  std::lock_guard lock(events_mutex);
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const std::string& e) { return e.starts_with("refresh_failed"); }),
            1);
}

TEST(RefreshingSecret, StopsServingOnceTooStale) {
  ScriptedSecret secret;
  RefreshingSecret cache(
      secret.fetcher(),
      {.ttl = 20ms, .refresh_ahead = 5ms, .retry_after_failure = 5ms, .max_stale = 30ms});
  ASSERT_TRUE(eventually([&] { return cache.get() != nullptr; }));
  secret.failing = true;
  EXPECT_TRUE(eventually([&] { return cache.get() == nullptr; }));
}

TEST(RefreshingSecret, RefreshesAheadOfExpirySoReadersNeverSeeAGap) {
  ScriptedSecret secret;
  // Refresh period 200ms, so each value has 200ms of margin before its TTL runs out.
  RefreshingSecret cache(secret.fetcher(),
                         {.ttl = 400ms, .refresh_ahead = 200ms, .max_stale = 0ms});
  ASSERT_TRUE(eventually([&] { return cache.get() != nullptr; }));
  // With max_stale 0 a value is served only within its TTL: refreshing ahead keeps it there.
  for (int i = 0; i < 100; ++i) {
    ASSERT_NE(cache.get(), nullptr) << "gap at read " << i;
    std::this_thread::sleep_for(8ms);
  }
  EXPECT_GE(cache.refreshes(), 3u);
}

TEST(ApiKeyVerifier, SettingsFromTheEnvironment) {
  unsetenv("API_KEY_SECRET_ID");
  EXPECT_FALSE(ApiKeyVerifier::settings_from_environment());
  setenv("API_KEY_SECRET_ID", "service/api-key", 1);
  setenv("API_KEY_REFRESH_INTERVAL", "2s", 1);
  auto settings = ApiKeyVerifier::settings_from_environment();
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->secret_id, "service/api-key");
  EXPECT_EQ(settings->cache.ttl, 2s);
  setenv("API_KEY_REFRESH_INTERVAL", "often", 1);
  EXPECT_THROW(ApiKeyVerifier::settings_from_environment(), core::InputError);
  setenv("API_KEY_REFRESH_INTERVAL", "10ms", 1);
  EXPECT_THROW(ApiKeyVerifier::settings_from_environment(), core::InputError);
  unsetenv("API_KEY_SECRET_ID");
  unsetenv("API_KEY_REFRESH_INTERVAL");
}

}  // namespace
}  // namespace slipway::secrets
