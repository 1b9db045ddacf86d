#include "secrets/refreshing_secret.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/redaction.hpp"

namespace slipway::secrets {
namespace {

class SteadyCacheClock final : public CacheClock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }

  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    // Returns early only when stop is requested (the stop callback notifies `wake`).
    wake.wait_until(lock, stop, deadline, [] { return false; });
    return !stop.stop_requested();
  }
};

}  // namespace

std::shared_ptr<CacheClock> steady_cache_clock() {
  static const auto clock = std::make_shared<SteadyCacheClock>();
  return clock;
}

struct RefreshingSecret::Impl {
  VersionsFetcher fetch;
  CacheOptions options;
  CacheEventSink events;
  std::shared_ptr<CacheClock> clock;

  mutable std::mutex mutex;
  std::shared_ptr<const SecretVersions> value;  // guarded by mutex
  CacheClock::time_point fetched_at{};
  std::uint64_t successes = 0;
  bool failing = false;
  std::mutex fetch_mutex;  // one fetch at a time
  std::jthread refresher;

  void emit(std::string_view event, std::string_view detail) {
    if (events) events(event, core::redact(detail));
  }

  bool refresh() {
    std::lock_guard fetching(fetch_mutex);
    SecretVersions fetched;
    try {
      fetched = fetch();
    } catch (const std::exception& error) {
      bool first_failure;
      {
        std::lock_guard lock(mutex);
        first_failure = !failing;
        failing = true;
      }
      if (first_failure) emit("refresh_failed", error.what());
      return false;
    }
    core::register_secret(fetched.current);
    if (fetched.previous) core::register_secret(*fetched.previous);
    std::string old_version;
    bool recovered;
    {
      std::lock_guard lock(mutex);
      if (value) old_version = value->current_version_id;
      recovered = failing;
      failing = false;
      value = std::make_shared<const SecretVersions>(std::move(fetched));
      fetched_at = clock->now();
      ++successes;
    }
    if (recovered) emit("recovered", "refresh succeeded again");
    const auto& new_version = value->current_version_id;
    if (!old_version.empty() && old_version != new_version) {
      emit("rotated", "new AWSCURRENT version " + new_version + " replaces " + old_version);
    }
    return true;
  }

  std::chrono::milliseconds refresh_period() const {
    const auto ahead = std::min(options.refresh_ahead, options.ttl / 2);
    return std::max(options.ttl - ahead, std::chrono::milliseconds(10));
  }

  void run(std::stop_token stop) {
    auto retry = options.retry_after_failure;
    while (!stop.stop_requested()) {
      const bool ok = refresh();
      const auto wait = ok ? refresh_period() : retry;
      retry = ok ? options.retry_after_failure : std::min(retry * 2, refresh_period());
      if (!clock->sleep_until(clock->now() + wait, stop)) return;
    }
  }
};

RefreshingSecret::RefreshingSecret(VersionsFetcher fetch, CacheOptions options,
                                   CacheEventSink events, std::shared_ptr<CacheClock> clock)
    : impl_(std::make_unique<Impl>()) {
  impl_->fetch = std::move(fetch);
  impl_->options = options;
  impl_->events = std::move(events);
  impl_->clock = clock ? std::move(clock) : steady_cache_clock();
  impl_->refresher = std::jthread([impl = impl_.get()](std::stop_token stop) { impl->run(stop); });
}

RefreshingSecret::~RefreshingSecret() {
  impl_->refresher.request_stop();
  if (impl_->refresher.joinable()) impl_->refresher.join();
}

std::shared_ptr<const SecretVersions> RefreshingSecret::get() const {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->value) return nullptr;
  if (impl_->clock->now() - impl_->fetched_at > impl_->options.ttl + impl_->options.max_stale) {
    return nullptr;
  }
  return impl_->value;
}

bool RefreshingSecret::refresh_now() {
  return impl_->refresh();
}

std::uint64_t RefreshingSecret::refreshes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->successes;
}

}  // namespace slipway::secrets
