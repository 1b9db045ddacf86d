#include "telemetry/emf.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace slipway::telemetry {

std::string render_emf_line(std::string_view metric_namespace, std::int64_t timestamp_ms,
                            const std::vector<std::pair<std::string, std::string>>& dimensions,
                            const std::vector<EmfMetric>& metrics,
                            const std::vector<std::vector<std::string>>& dimension_sets) {
  boost::json::object root;
  boost::json::array sets;
  boost::json::array every_dimension;
  for (const auto& [name, value] : dimensions) {
    every_dimension.emplace_back(name);
    root[name] = value;
  }
  if (dimension_sets.empty()) sets.push_back(std::move(every_dimension));
  for (const auto& set : dimension_sets) {
    boost::json::array names;
    for (const auto& name : set) names.emplace_back(name);
    sets.push_back(std::move(names));
  }
  boost::json::array metric_definitions;
  for (const auto& metric : metrics) {
    metric_definitions.push_back(boost::json::object{{"Name", metric.name}, {"Unit", metric.unit}});
    root[metric.name] = metric.value;
  }
  root["_aws"] = boost::json::object{
      {"Timestamp", timestamp_ms},
      {"CloudWatchMetrics",
       boost::json::array{boost::json::object{{"Namespace", metric_namespace},
                                              {"Dimensions", std::move(sets)},
                                              {"Metrics", std::move(metric_definitions)}}}}};
  return boost::json::serialize(root) + "\n";
}

std::string status_class(std::string_view status) {
  if (status.size() != 3 || status[0] < '1' || status[0] > '5') return "other";
  return std::string(1, status[0]) + "xx";
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
    out += render_emf_line(
        namespace_, timestamp_ms,
        {{"Service", service_},
         {"StatusClass", status_class(labels[2])},
         {"Route", labels[0]},
         {"Method", labels[1]},
         {"StatusCode", labels[2]}},
        {{"Requests", "Count", static_cast<double>(delta)}},
        {{"Service"}, {"Service", "StatusClass"}, {"Service", "Route", "Method", "StatusCode"}});
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
         {"LatencySamples", "Count", static_cast<double>(count)}},
        {{"Service"}, {"Service", "Route"}});
  });
  return out;
}

}  // namespace slipway::telemetry
