#include "telemetry/emf.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace slipway::telemetry {

std::string render_emf_line(std::string_view metric_namespace, std::int64_t timestamp_ms,
                            const std::vector<std::pair<std::string, std::string>>& dimensions,
                            const std::vector<EmfMetric>& metrics) {
  boost::json::object root;
  boost::json::array dimension_names;
  for (const auto& [name, value] : dimensions) {
    dimension_names.emplace_back(name);
    root[name] = value;
  }
  boost::json::array metric_definitions;
  for (const auto& metric : metrics) {
    metric_definitions.push_back(boost::json::object{{"Name", metric.name}, {"Unit", metric.unit}});
    root[metric.name] = metric.value;
  }
  root["_aws"] = boost::json::object{
      {"Timestamp", timestamp_ms},
      {"CloudWatchMetrics", boost::json::array{boost::json::object{
                                {"Namespace", metric_namespace},
                                {"Dimensions", boost::json::array{std::move(dimension_names)}},
                                {"Metrics", std::move(metric_definitions)}}}}};
  return boost::json::serialize(root) + "\n";
}

EmfRequestReporter::EmfRequestReporter(std::string metric_namespace, std::string service,
                                       const Family<Counter>& requests,
                                       const Family<Histogram>& durations)
    : namespace_(std::move(metric_namespace)),
      service_(std::move(service)),
      requests_(requests),
      durations_(durations) {}

std::string EmfRequestReporter::collect(std::int64_t timestamp_ms) {
  std::string out;
  // Labels are {route, method, status}.
  requests_.for_each([&](const std::vector<std::string>& labels, const Counter& counter) {
    const auto now = counter.value();
    auto& last = last_counts_[labels];
    const auto delta = now - last;
    last = now;
    if (delta == 0) return;
    out += render_emf_line(namespace_, timestamp_ms,
                           {{"Service", service_},
                            {"Route", labels[0]},
                            {"Method", labels[1]},
                            {"StatusCode", labels[2]}},
                           {{"Requests", "Count", static_cast<double>(delta)}});
  });
  // Labels are {route}.
  durations_.for_each([&](const std::vector<std::string>& labels, const Histogram& histogram) {
    const auto snap = histogram.snapshot();
    auto& [last_count, last_sum] = last_durations_[labels];
    const auto count = snap.count() - last_count;
    const auto sum = snap.sum - last_sum;
    last_count = snap.count();
    last_sum = snap.sum;
    if (count == 0) return;
    out += render_emf_line(
        namespace_, timestamp_ms, {{"Service", service_}, {"Route", labels[0]}},
        {{"LatencyAverage", "Milliseconds", sum * 1000 / static_cast<double>(count)},
         {"LatencySamples", "Count", static_cast<double>(count)}});
  });
  return out;
}

}  // namespace slipway::telemetry
