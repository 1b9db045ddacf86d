#include "secrets/refreshing_secret.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/redaction.hpp"

namespace slipway::secrets {

using Clock = std::chrono::steady_clock;

struct RefreshingSecret::Impl {
  VersionsFetcher fetch;
  CacheOptions options;
  CacheEventSink events;

  mutable std::mutex mutex;
  std::condition_variable_any wake;
  std::shared_ptr<const SecretVersions> value;  // guarded by mutex
  Clock::time_point fetched_at{};
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
      fetched_at = Clock::now();
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
      std::unique_lock lock(mutex);
      // Returns early only when stop is requested.
      wake.wait_for(lock, stop, wait, [] { return false; });
    }
  }
};

RefreshingSecret::RefreshingSecret(VersionsFetcher fetch, CacheOptions options,
                                   CacheEventSink events)
    : impl_(std::make_unique<Impl>()) {
  impl_->fetch = std::move(fetch);
  impl_->options = options;
  impl_->events = std::move(events);
  impl_->refresher = std::jthread([impl = impl_.get()](std::stop_token stop) { impl->run(stop); });
}

RefreshingSecret::~RefreshingSecret() {
  impl_->refresher.request_stop();
  if (impl_->refresher.joinable()) impl_->refresher.join();
}

std::shared_ptr<const SecretVersions> RefreshingSecret::get() const {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->value) return nullptr;
  if (Clock::now() - impl_->fetched_at > impl_->options.ttl + impl_->options.max_stale) {
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
