#include "telemetry/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace slipway::telemetry {
namespace {

constexpr std::array<double, 14> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

// Appends `{a="x",b="y"` (+ extra label) `}`; nothing when there are no labels at all.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_header(std::string& out, const std::string& name, const std::string& help,
                   MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {  // HELP escapes backslash and newline only
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(type);
  out += '\n';
}

template <typename Metric>
void render_simple(std::string& out, const Family<Metric>& family, MetricType type) {
  append_header(out, family.name(), family.help(), type);
  family.for_each([&](const std::vector<std::string>& labels, const Metric& metric) {
    out += family.name();
    append_labels(out, family.label_names(), labels);
    out += ' ';
    append_sample_value(out, static_cast<double>(metric.value()));
    out += '\n';
  });
}

void render_histogram(std::string& out, const Family<Histogram>& family) {
  append_header(out, family.name(), family.help(), MetricType::histogram);
  family.for_each([&](const std::vector<std::string>& labels, const Histogram& histogram) {
    const auto snap = histogram.snapshot();
    for (std::size_t i = 0; i <= snap.upper_bounds.size(); ++i) {
      std::string le;
      if (i == snap.upper_bounds.size()) {
        le = "+Inf";
      } else {
        append_sample_value(le, snap.upper_bounds[i]);
      }
      out += family.name();
      out += "_bucket";
      append_labels(out, family.label_names(), labels, "le", le);
      out += ' ';
      append_sample_value(out, static_cast<double>(snap.cumulative_counts[i]));
      out += '\n';
    }
    out += family.name();
    out += "_sum";
    append_labels(out, family.label_names(), labels);
    out += ' ';
    append_sample_value(out, snap.sum);
    out += '\n';
    out += family.name();
    out += "_count";
    append_labels(out, family.label_names(), labels);
    out += ' ';
    append_sample_value(out, static_cast<double>(snap.count()));
    out += '\n';
  });
}

}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds)
    : bounds_(upper_bounds.begin(), upper_bounds.end()),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.upper_bounds = bounds_;
  snap.cumulative_counts.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    snap.cumulative_counts[i] = running;
  }
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

std::span<const double> default_latency_buckets() {
  return kLatencyBuckets;
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  auto& entry = families_.emplace_back();
  entry.type = MetricType::counter;
  entry.counter =
      std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(label_names),
                                        [] { return std::make_unique<Counter>(); });
  return *entry.counter;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  auto& entry = families_.emplace_back();
  entry.type = MetricType::gauge;
  entry.gauge =
      std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names),
                                      [] { return std::make_unique<Gauge>(); });
  return *entry.gauge;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::span<const double> upper_bounds) {
  std::vector<double> bounds(upper_bounds.begin(), upper_bounds.end());
  std::lock_guard lock(mutex_);
  auto& entry = families_.emplace_back();
  entry.type = MetricType::histogram;
  entry.histogram = std::make_unique<Family<Histogram>>(
      std::move(name), std::move(help), std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  return *entry.histogram;
}

void Registry::add_collector(std::function<void(std::string&)> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::render_prometheus() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mutex_);
  for (const auto& entry : families_) {
    switch (entry.type) {
      case MetricType::counter:
        render_simple(out, *entry.counter, entry.type);
        break;
      case MetricType::gauge:
        render_simple(out, *entry.gauge, entry.type);
        break;
      case MetricType::histogram:
        render_histogram(out, *entry.histogram);
        break;
    }
  }
  for (const auto& collector : collectors_) collector(out);
  return out;
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_sample_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    std::array<char, 32> buffer{};
    char* end = nullptr;
    if (value == std::trunc(value) && std::fabs(value) < 1e15) {
      // Counts print as integers ("1000000", not "1e+06").
      end =
          std::to_chars(buffer.data(), buffer.data() + buffer.size(), static_cast<long long>(value))
              .ptr;
    } else {
      // Shortest round-trip form; fixed notation where it stays short ("0.0005",
      // "1795747767.74"), as client libraries write them.
      const auto magnitude = std::fabs(value);
      const auto format = magnitude >= 1e-4 && magnitude < 1e15 ? std::chars_format::fixed
                                                                : std::chars_format::general;
      end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, format).ptr;
    }
    out.append(buffer.data(), end);
  }
}

}  // namespace slipway::telemetry
