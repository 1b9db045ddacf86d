#include "telemetry/emf.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace {

namespace telemetry = slipway::telemetry;

TEST(Emf, LineHasTheDirectiveAndTopLevelValues) {
  const auto line = telemetry::render_emf_line(
      "slipway", 1700000000000, {{"Service", "app"}, {"Route", "/"}}, {{"Requests", "Count", 3}});
  ASSERT_EQ(line.back(), '\n');
  const auto doc = boost::json::parse(line).as_object();
  EXPECT_EQ(doc.at("Service"), "app");
  EXPECT_EQ(doc.at("Route"), "/");
  EXPECT_DOUBLE_EQ(doc.at("Requests").to_number<double>(), 3);
  const auto& aws = doc.at("_aws").as_object();
  EXPECT_EQ(aws.at("Timestamp").as_int64(), 1700000000000);
  const auto& directive = aws.at("CloudWatchMetrics").as_array().at(0).as_object();
  EXPECT_EQ(directive.at("Namespace"), "slipway");
  EXPECT_EQ(directive.at("Dimensions").as_array().at(0).as_array().size(), 2u);
  EXPECT_EQ(directive.at("Metrics").as_array().at(0).as_object().at("Unit"), "Count");
}

TEST(Emf, ReporterEmitsDeltasOnly) {
  telemetry::Registry registry;
  auto& requests = registry.counter("r", "R.", {"route", "method", "status"});
  auto& durations = registry.histogram("d", "D.", {"route"});
  telemetry::EmfRequestReporter reporter("slipway", "app", requests, durations);

  requests.with({"/", "GET", "200"}).inc(5);
  durations.with({"/"}).observe(0.002);
  durations.with({"/"}).observe(0.004);
  auto first = reporter.collect(1);
  EXPECT_NE(first.find("\"Requests\":5"), std::string::npos) << first;
  EXPECT_NE(first.find("\"LatencyAverage\":3"), std::string::npos) << first;

  EXPECT_EQ(reporter.collect(2), "") << "nothing new, nothing emitted";

  requests.with({"/", "GET", "200"}).inc(2);
  EXPECT_NE(reporter.collect(3).find("\"Requests\":2"), std::string::npos);
}

}  // namespace
