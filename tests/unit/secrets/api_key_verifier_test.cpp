// The refreshing cache and the API-key verifier over a scripted fetcher and a clock the test
// moves by hand: rotation, overlap, stale-on-error, expiry of staleness, rotation events. No
// check depends on how fast the machine runs the refresher thread.
#include "secrets/api_key_verifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
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

// A clock the test moves by hand. The refresher sleeps on it; advance() wakes it when its
// deadline is reached, and settle() returns once it has done everything that was due and sleeps
// again, so each check runs at an exact time with the refresher idle. settle() waits on that
// state, not on time: its real-time limit only turns a hang into a failure.
class ManualClock final : public CacheClock {
 public:
  time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    deadline_ = deadline;
    changed_.notify_all();
    changed_.wait(lock, stop, [&] { return now_ >= deadline; });
    deadline_.reset();
    return !stop.stop_requested();
  }

  void advance(std::chrono::milliseconds step) {
    std::lock_guard lock(mutex_);
    now_ += step;
    changed_.notify_all();
  }

  // Waits until the refresher sleeps towards a deadline still ahead; false after 10 s of real
  // time (a refresher that never goes back to sleep).
  bool settle() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return deadline_ && *deadline_ > now_; });
  }

  // Moves the clock by `step` at a time up to `total`, settling after each step.
  void run_for(std::chrono::milliseconds total, std::chrono::milliseconds step,
               const std::function<void()>& at_each_step = {}) {
    for (auto elapsed = 0ms; elapsed < total; elapsed += step) {
      advance(step);
      ASSERT_TRUE(settle()) << "the refresher did not go back to sleep";
      if (at_each_step) at_each_step();
    }
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  time_point now_{};  // starts at the epoch: only differences matter
  std::optional<time_point> deadline_;
};

struct EventLog {
  std::mutex mutex;
  std::vector<std::string> events;

  CacheEventSink sink() {
    return [this](std::string_view event, std::string_view detail) {
      std::lock_guard lock(mutex);
      events.push_back(std::string(event) + ": " + std::string(detail));
    };
  }
  long count(std::string_view prefix) {
    std::lock_guard lock(mutex);
    return std::count_if(events.begin(), events.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
  }
};

TEST(ApiKeyVerifier, UnavailableUntilTheFirstFetchThenAcceptsOnlyTheKey) {
  ScriptedSecret secret;
  secret.failing = true;
  auto clock = std::make_shared<ManualClock>();
  ApiKeyVerifier verifier(secret.fetcher(), {.ttl = 10s}, {}, clock);
  ASSERT_TRUE(clock->settle());  // the first fetch, at once, failed
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
  EventLog log;
  auto clock = std::make_shared<ManualClock>();
  // Refresh period: ttl - refresh_ahead = 50 s.
  ApiKeyVerifier verifier(secret.fetcher(), {.ttl = 60s, .refresh_ahead = 10s}, log.sink(), clock);
  ASSERT_TRUE(clock->settle());
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::current);

  secret.rotate("key-two-2222", "v2");
  // Not before the next refresh: the verifier never blocks a request on AWS.
  clock->run_for(49s, 1s);
  EXPECT_EQ(verifier.verify("key-two-2222"), KeyMatch::rejected);
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::current);
  // At the refresh, one refresh period after the last: the new key, and the old one still.
  clock->run_for(1s, 1s);
  EXPECT_EQ(verifier.verify("key-two-2222"), KeyMatch::current);
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::previous);

  secret.rotate("key-three-3333", "v3");
  clock->run_for(50s, 1s);
  EXPECT_EQ(verifier.verify("key-three-3333"), KeyMatch::current);
  EXPECT_EQ(verifier.verify("key-two-2222"), KeyMatch::previous);
  EXPECT_EQ(verifier.verify("key-one-1111"), KeyMatch::rejected);
  EXPECT_EQ(log.count("rotated"), 2);
  EXPECT_EQ(secret.calls.load(), 3);  // one fetch per refresh period, none in between
}

TEST(RefreshingSecret, ServesTheLastGoodValueWhileAwsIsUnreachableAndReportsItOnce) {
  ScriptedSecret secret;
  EventLog log;
  auto clock = std::make_shared<ManualClock>();
  RefreshingSecret cache(
      secret.fetcher(),
      {.ttl = 30s, .refresh_ahead = 5s, .retry_after_failure = 1s, .max_stale = 10min}, log.sink(),
      clock);
  ASSERT_TRUE(clock->settle());
  ASSERT_NE(cache.get(), nullptr);
  secret.failing = true;
  // The refresh at 25 s fails; retries follow 1, 2, 4, 8 and 16 s later (at 26, 28, 32, 40 and
  // 56 s), then every refresh period (25 s): six failed calls by 80 s.
  clock->run_for(80s, 1s);
  EXPECT_EQ(secret.calls.load(), 1 + 6);
  auto value = cache.get();
  ASSERT_TRUE(value);
  EXPECT_EQ(value->current, "key-one-1111");
  EXPECT_EQ(log.count("refresh_failed"), 1);

  secret.failing = false;
  clock->run_for(25s, 1s);  // the retry at 81 s succeeds
  EXPECT_EQ(log.count("recovered: refresh succeeded again"), 1);
  EXPECT_EQ(log.count("refresh_failed"), 1);
  EXPECT_EQ(cache.refreshes(), 2u);
}

TEST(RefreshingSecret, StopsServingOnceTooStale) {
  ScriptedSecret secret;
  auto clock = std::make_shared<ManualClock>();
  RefreshingSecret cache(
      secret.fetcher(),
      {.ttl = 20s, .refresh_ahead = 5s, .retry_after_failure = 1s, .max_stale = 30s}, {}, clock);
  ASSERT_TRUE(clock->settle());
  secret.failing = true;
  // Served up to ttl + max_stale = 50 s after the last good fetch, not a millisecond longer.
  clock->run_for(50s, 1s, [&] { ASSERT_NE(cache.get(), nullptr); });
  clock->advance(1ms);
  EXPECT_EQ(cache.get(), nullptr);
}

TEST(RefreshingSecret, RefreshesAheadOfExpirySoReadersNeverSeeAGap) {
  ScriptedSecret secret;
  auto clock = std::make_shared<ManualClock>();
  // max_stale 0: a value is served only within its TTL (60 s). The refresher must fetch 10 s
  // before that runs out, every 50 s, so a slow fetch still lands inside the TTL.
  RefreshingSecret cache(secret.fetcher(), {.ttl = 60s, .refresh_ahead = 10s, .max_stale = 0ms}, {},
                         clock);
  ASSERT_TRUE(clock->settle());
  std::vector<long> refreshed_at_seconds{0};
  auto elapsed = 0ms;
  clock->run_for(200s, 500ms, [&] {
    elapsed += 500ms;
    ASSERT_NE(cache.get(), nullptr) << "gap at " << elapsed.count() << " ms";
    if (cache.refreshes() > refreshed_at_seconds.size()) {
      refreshed_at_seconds.push_back(static_cast<long>(elapsed.count() / 1000));
    }
  });
  EXPECT_EQ(elapsed, 200s);
  EXPECT_EQ(refreshed_at_seconds, (std::vector<long>{0, 50, 100, 150, 200}));
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
