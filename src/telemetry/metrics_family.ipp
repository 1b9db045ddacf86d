#pragma once
// Template bodies of telemetry::Family, kept out of metrics.hpp so the header reads as a
// table of contents.

namespace slipway::telemetry {

template <typename Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> label_values) {
  std::vector<std::string> key(label_values.begin(), label_values.end());
  return with(std::span<const std::string>(key));
}

template <typename Metric>
Metric& Family<Metric>::with(std::span<const std::string> label_values) {
  std::vector<std::string> key(label_values.begin(), label_values.end());
  key.resize(label_names_.size());  // a caller passing too few values gets empty labels
  {
    std::shared_lock lock(mutex_);
    if (auto it = children_.find(key); it != children_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = children_[std::move(key)];
  if (!slot) slot = factory_();
  return *slot;
}

template <typename Metric>
void Family<Metric>::for_each(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  std::shared_lock lock(mutex_);
  for (const auto& [labels, metric] : children_) visit(labels, *metric);
}

}  // namespace slipway::telemetry
