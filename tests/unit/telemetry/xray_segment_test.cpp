#include "telemetry/xray_segment.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace slipway::telemetry {
namespace {

boost::json::object parsed(const SegmentRecord& record, std::string_view name = "app") {
  std::string out;
  append_segment_document(out, record, name);
  return boost::json::parse(out).as_object();
}

TEST(XraySegment, ContinuedTraceKeepsTheCallersSpanAsParent) {
  const auto context = continue_or_start_trace(
      "", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
  auto record = segment_for(context, 1700000000.25, 1700000000.5);
  record.method = "GET";
  record.path = "/v1/whoami";
  record.route = "/v1/whoami";
  record.status = 200;
  const auto doc = parsed(record, "checkout");
  EXPECT_EQ(doc.at("name").as_string(), "checkout");
  EXPECT_EQ(doc.at("trace_id").as_string(), "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(doc.at("parent_id").as_string(), "53995c3f42cd8ad8");
  EXPECT_EQ(doc.at("id").as_string(), context.span_id());
  EXPECT_DOUBLE_EQ(doc.at("start_time").to_number<double>(), 1700000000.25);
  EXPECT_DOUBLE_EQ(doc.at("end_time").to_number<double>(), 1700000000.5);
  EXPECT_EQ(doc.at("http").at("request").at("method").as_string(), "GET");
  EXPECT_EQ(doc.at("http").at("request").at("url").as_string(), "/v1/whoami");
  EXPECT_EQ(doc.at("http").at("response").at("status").as_int64(), 200);
  EXPECT_EQ(doc.at("annotations").at("route").as_string(), "/v1/whoami");
  EXPECT_FALSE(doc.contains("error"));
  EXPECT_FALSE(doc.contains("fault"));
}

TEST(XraySegment, NewTraceHasNoParent) {
  const auto doc = parsed(segment_for(continue_or_start_trace("", ""), 1, 2));
  EXPECT_FALSE(doc.contains("parent_id"));
  EXPECT_FALSE(doc.contains("http"));
}

TEST(XraySegment, StatusClassesMapToErrorFaultAndThrottle) {
  auto record = segment_for(continue_or_start_trace("", ""), 1, 2);
  record.method = "GET";
  record.status = 404;
  EXPECT_TRUE(parsed(record).at("error").as_bool());
  record.status = 429;
  EXPECT_TRUE(parsed(record).at("throttle").as_bool());
  record.status = 503;
  const auto fault = parsed(record);
  EXPECT_TRUE(fault.at("fault").as_bool());
  EXPECT_FALSE(fault.contains("error"));
}

TEST(XraySegment, PathIsEscapedAndSubsegmentsAreNested) {
  auto record = segment_for(continue_or_start_trace("", ""), 10, 12);
  record.method = "GET";
  record.path = "/a\"b\\c";
  record.status = 200;
  SubsegmentRecord call;
  fill_random_hex(call.id);
  call.name = "SecretsManager";
  call.operation = "GetSecretValue";
  call.start = 10.5;
  call.end = 11;
  call.fault = true;
  record.subsegments.push_back(call);
  const auto doc = parsed(record);
  EXPECT_EQ(doc.at("http").at("request").at("url").as_string(), "/a\"b\\c");
  const auto& sub = doc.at("subsegments").as_array().at(0).as_object();
  EXPECT_EQ(sub.at("name").as_string(), "SecretsManager");
  EXPECT_EQ(sub.at("namespace").as_string(), "aws");
  EXPECT_EQ(sub.at("aws").at("operation").as_string(), "GetSecretValue");
  EXPECT_EQ(sub.at("id").as_string(), std::string_view(call.id.data(), call.id.size()));
  EXPECT_TRUE(sub.at("fault").as_bool());
  EXPECT_TRUE(doc.at("fault").as_bool()) << "a failed call faults its segment";
}

TEST(XraySegment, BackgroundWorkIsNamedByAnOperationAnnotation) {
  auto record = segment_for(continue_or_start_trace("", ""), 10, 12);
  record.operation = "api key refresh";
  SubsegmentRecord call;
  fill_random_hex(call.id);
  call.name = "SecretsManager";
  call.operation = "GetSecretValue";
  call.error = true;
  record.subsegments.push_back(call);
  const auto doc = parsed(record);
  EXPECT_EQ(doc.at("annotations").at("operation").as_string(), "api key refresh");
  EXPECT_FALSE(doc.at("annotations").as_object().contains("route"));
  EXPECT_FALSE(doc.contains("http"));
  EXPECT_FALSE(doc.contains("fault")) << "a refused call is an error of the call only";
  EXPECT_TRUE(doc.at("subsegments").as_array().at(0).at("error").as_bool());
}

}  // namespace
}  // namespace slipway::telemetry
