#include "telemetry/emf.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

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

TEST(Emf, RequestsCarryTheDimensionSetsTheSloAlarmsDivide) {
  telemetry::Registry registry;
  auto& requests = registry.counter("r", "R.", {"route", "method", "status"});
  auto& durations = registry.histogram("d", "D.", {"route"});
  telemetry::EmfRequestReporter reporter("slipway", "app", requests, durations);
  requests.with({"/", "GET", "503"}).inc(3);
  durations.with({"/"}).observe(0.002);
  const auto lines = reporter.collect(1);
  const auto first = boost::json::parse(lines.substr(0, lines.find('\n'))).as_object();
  EXPECT_EQ(first.at("StatusClass").as_string(), "5xx");
  EXPECT_EQ(first.at("Service").as_string(), "app");
  const auto& sets =
      first.at("_aws").at("CloudWatchMetrics").as_array().at(0).at("Dimensions").as_array();
  ASSERT_EQ(sets.size(), 3u);
  EXPECT_EQ(sets.at(0).as_array(), (boost::json::array{"Service"}));
  EXPECT_EQ(sets.at(1).as_array(), (boost::json::array{"Service", "StatusClass"}));
  EXPECT_EQ(sets.at(2).as_array().size(), 4u);
  const auto second = boost::json::parse(lines.substr(lines.find('\n') + 1)).as_object();
  EXPECT_EQ(
      second.at("_aws").at("CloudWatchMetrics").as_array().at(0).at("Dimensions"),
      (boost::json::array{boost::json::array{"Service"}, boost::json::array{"Service", "Route"}}));
}

TEST(Emf, StatusClassOfCodes) {
  EXPECT_EQ(telemetry::status_class("200"), "2xx");
  EXPECT_EQ(telemetry::status_class("503"), "5xx");
  EXPECT_EQ(telemetry::status_class("99"), "other");
  EXPECT_EQ(telemetry::status_class("600"), "other");
}

}  // namespace
