#include "core/redaction.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace slipway::core {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::vector<std::string> values;  // longest first, so a value containing another wins
  std::atomic<bool> any{false};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_secret(std::string_view value) {
  if (value.size() < kMinRedactableLength) return;
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  if (std::find(r.values.begin(), r.values.end(), value) != r.values.end()) return;
  r.values.emplace_back(value);
  std::sort(r.values.begin(), r.values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  r.any.store(true, std::memory_order_release);
}

bool has_registered_secrets() noexcept {
  return registry().any.load(std::memory_order_acquire);
}

std::string redact(std::string_view text) {
  std::string out(text);
  if (!has_registered_secrets()) return out;
  auto& r = registry();
  std::shared_lock lock(r.mutex);
  for (const auto& value : r.values) {
    for (auto pos = out.find(value); pos != std::string::npos;
         pos = out.find(value, pos + kRedacted.size())) {
      out.replace(pos, value.size(), kRedacted);
    }
  }
  return out;
}

void clear_registered_secrets_for_testing() {
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  r.values.clear();
  r.any.store(false, std::memory_order_release);
}

}  // namespace slipway::core
