#include "telemetry/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "telemetry/process_metrics.hpp"

namespace {

namespace telemetry = slipway::telemetry;

TEST(Metrics, CounterFamilyRendersHelpTypeAndLabelledSamples) {
  telemetry::Registry registry;
  auto& requests = registry.counter("http_requests_total", "Requests.", {"route", "status"});
  requests.with({"/", "200"}).inc(3);
  requests.with({"/healthz", "503"}).inc();
  EXPECT_EQ(registry.render_prometheus(),
            "# HELP http_requests_total Requests.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{route=\"/\",status=\"200\"} 3\n"
            "http_requests_total{route=\"/healthz\",status=\"503\"} 1\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
  telemetry::Registry registry;
  registry.gauge("g", "G.", {"l"}).with({"a\\b\"c\nd"}).set(1.5);
  EXPECT_NE(registry.render_prometheus().find("g{l=\"a\\\\b\\\"c\\nd\"} 1.5\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  telemetry::Registry registry;
  const std::array<double, 3> bounds{0.1, 1, 10};
  auto& h = registry.histogram("d_seconds", "D.", {"route"}, bounds).with({"/"});
  for (double v : {0.05, 0.1, 0.5, 2.0, 20.0}) h.observe(v);
  const auto snap = h.snapshot();
  EXPECT_EQ(snap.cumulative_counts, (std::vector<std::uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(snap.count(), 5u);
  EXPECT_DOUBLE_EQ(snap.sum, 22.65);
  const auto text = registry.render_prometheus();
  EXPECT_NE(text.find("d_seconds_bucket{route=\"/\",le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{route=\"/\",le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("d_seconds_count{route=\"/\"} 5\n"), std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  telemetry::Registry registry;
  auto& family = registry.counter("c_total", "C.", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) family.with({"same"}).inc();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family.with({"same"}).value(), 40'000u);
}

TEST(Metrics, ProcessStatsAreReadFromProc) {
  const auto stats = telemetry::read_process_stats();
  EXPECT_GT(stats.resident_memory_bytes, 0);
  EXPECT_GE(stats.open_fds, 3);  // stdin, stdout, stderr
  EXPECT_GT(stats.start_time_seconds, 1.6e9);
  std::string text;
  telemetry::append_process_metrics(text, stats);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

}  // namespace
