#pragma once
// A small metrics registry: counters, gauges and histograms in labelled families, rendered as
// Prometheus text format 0.0.4. Updates are lock-free atomics; looking up a labelled child
// takes a shared lock, so hot paths look a child up once and keep the reference (children live
// as long as the registry).

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slipway::telemetry {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `upper_bounds` ascending, without +Inf (added implicitly).
  explicit Histogram(std::span<const double> upper_bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf (== count)
    double sum = 0;
    std::uint64_t count() const { return cumulative_counts.back(); }
  };
  // Counts are read bucket by bucket; `count` is derived from them so it always equals +Inf.
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Default latency buckets, in seconds: 0.5 ms to 10 s.
std::span<const double> default_latency_buckets();

enum class MetricType { counter, gauge, histogram };

// Family: one metric name with its HELP, TYPE and label names; children by label values.
template <typename Metric>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names, Factory factory)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        factory_(std::move(factory)) {}

  // Returns the child for these label values (in label-name order), creating it on first use.
  Metric& with(std::initializer_list<std::string_view> label_values);
  Metric& with(std::span<const std::string> label_values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls `visit(label_values, metric)` for each child, in label order.
  void for_each(
      const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  Factory factory_;
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> children_;
};

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help,
                               std::vector<std::string> label_names,
                               std::span<const double> upper_bounds = default_latency_buckets());

  // Adds text produced at scrape time (whole families, e.g. process metrics) after the
  // registry's own families.
  void add_collector(std::function<void(std::string&)> collector);

  // Renders every family in Prometheus text format 0.0.4.
  std::string render_prometheus() const;

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<Family<Counter>> counter;
    std::unique_ptr<Family<Gauge>> gauge;
    std::unique_ptr<Family<Histogram>> histogram;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> families_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

// Appends `value` as a Prometheus label value (escaping backslash, quote and newline).
void append_label_value(std::string& out, std::string_view value);
// Appends a sample value: integers without a fraction, +Inf/-Inf/NaN spelled as Prometheus does.
void append_sample_value(std::string& out, double value);

}  // namespace slipway::telemetry

#include "telemetry/metrics_family.ipp"
