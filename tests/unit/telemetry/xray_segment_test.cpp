#include "telemetry/xray_segment.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <vector>

namespace slipway::telemetry {
namespace {

// The document of one PutTraceSegments body (Boost.JSON's parser is strict: it refuses invalid
// UTF-8, unescaped control characters and bad escapes, as X-Ray does).
boost::json::array body_documents(std::span<const SegmentRecord> records,
                                  std::string_view name = "app") {
  std::string body;
  append_put_trace_segments_body(body, records, name);
  const auto parsed = boost::json::parse(body).as_object();
  EXPECT_EQ(parsed.size(), 1u) << body;
  return parsed.at("TraceSegmentDocuments").as_array();
}

// The document as JSON, checked to be the same text as the one inside a PutTraceSegments body.
boost::json::object parsed(const SegmentRecord& record, std::string_view name = "app") {
  std::string out;
  append_segment_document(out, record, name);
  const auto in_body = body_documents({&record, 1}, name);
  EXPECT_EQ(in_body.size(), 1u);
  EXPECT_EQ(in_body.at(0).as_string(), out);
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

// The path is the client's bytes: quotes, backslashes, control characters, escapes spelled
// out, and bytes that are not UTF-8 must all leave a document X-Ray can parse (one bad document
// would fail the whole batch) that says what the client sent where it can.
TEST(XraySegment, HostilePathsStayValidJsonInBothForms) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/a\"b\\c", "/a\"b\\c"},
      {"/\\u0022\\\"", "/\\u0022\\\""},
      {std::string("/ctl\x01\n\t\x1f\x7f"), std::string("/ctl\x01\n\t\x1f\x7f")},
      {"/caf\xC3\xA9/\xF0\x9F\x9A\x80", "/caf\xC3\xA9/\xF0\x9F\x9A\x80"},
      {"/bad\xFF\xFE", "/bad\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"/cut\xE2\x82", "/cut\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"/overlong\xC0\xAF", "/overlong\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"/surrogate\xED\xA0\x80", "/surrogate\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"/high\xF4\x90\x80\x80", "/high\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
  };
  for (const auto& [path, expected] : cases) {
    auto record = segment_for(continue_or_start_trace("", ""), 10, 12);
    record.method = "GET";
    record.path = path;
    record.route = "unmatched";
    record.status = 404;
    const auto doc = parsed(record, "svc \"quoted\" \\ name");
    EXPECT_EQ(doc.at("http").at("request").at("url").as_string(), expected);
    EXPECT_EQ(doc.at("name").as_string(), "svc \"quoted\" \\ name");
  }
}

// Documents are written into storage sized up front: text that escapes to the most bytes
// (a control character becomes \u00XX, and \\u00XX nested) must still fit and parse.
TEST(XraySegment, TextThatEscapesToTheMostBytesStillFits) {
  auto record = segment_for(continue_or_start_trace("", ""), 10, 12);
  record.method = "GET";
  record.path = std::string(3000, '\x01');
  record.route = std::string(500, '"');
  record.operation = std::string(500, '\\');
  record.status = 200;
  for (int i = 0; i < 20; ++i) {
    SubsegmentRecord call;
    fill_random_hex(call.id);
    call.name = std::string(100, '\x1f');
    call.operation = std::string(100, '\xff');
    record.subsegments.push_back(call);
  }
  const auto doc = parsed(record, std::string(200, '\n'));
  EXPECT_EQ(doc.at("http").at("request").at("url").as_string(), record.path.substr(0, 1024));
  EXPECT_EQ(doc.at("annotations").at("operation").as_string(), record.operation);
  EXPECT_EQ(doc.at("subsegments").as_array().size(), 20u);
}

// X-Ray refuses documents over 64 KB; a path may be as long as MAX_HEADER_BYTES allows (1 MiB).
TEST(XraySegment, ALongPathIsCutSoTheDocumentStaysSmall) {
  auto record = segment_for(continue_or_start_trace("", ""), 10, 12);
  record.method = "GET";
  record.path = "/" + std::string(1 << 20, 'a');
  record.status = 200;
  std::string out;
  append_segment_document(out, record, "app");
  EXPECT_LT(out.size(), 4096u);
  const auto url = parsed(record).at("http").at("request").at("url").as_string();
  EXPECT_EQ(url, std::string_view(record.path).substr(0, 1024));
}

TEST(XraySegment, ABodyCarriesEveryRecordInOrder) {
  std::vector<SegmentRecord> records;
  for (unsigned status : {200u, 404u, 503u}) {
    auto record = segment_for(continue_or_start_trace("", ""), 1700000000.123456, 1700000000.5);
    record.method = "POST";
    record.path = "/p" + std::to_string(status);
    record.status = status;
    records.push_back(record);
  }
  const auto documents = body_documents(records);
  ASSERT_EQ(documents.size(), 3u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto doc = boost::json::parse(documents[i].as_string()).as_object();
    EXPECT_EQ(doc.at("id").as_string(), std::string_view(records[i].id.data(), 16));
    EXPECT_EQ(doc.at("http").at("response").at("status").as_int64(), records[i].status);
    EXPECT_NEAR(doc.at("start_time").to_number<double>(), 1700000000.123456, 1e-6);
  }
  EXPECT_TRUE(body_documents({}).empty());
}

TEST(XraySegment, TimesAreFixedWithMicroseconds) {
  const auto record =
      segment_for(continue_or_start_trace("", ""), 1700000000.25, 1700000000.0000004);
  std::string out;
  append_segment_document(out, record, "app");
  EXPECT_NE(out.find(R"("start_time":1700000000.250000,)"), std::string::npos) << out;
  // An end before the start (clock steps) is clamped to the start.
  EXPECT_NE(out.find(R"("end_time":1700000000.250000)"), std::string::npos) << out;
}

TEST(XraySegment, AServerErrorWithAFailedCallFaultsOnce) {
  auto record = segment_for(continue_or_start_trace("", ""), 1, 2);
  record.method = "GET";
  record.status = 500;
  SubsegmentRecord call;
  fill_random_hex(call.id);
  call.name = "SecretsManager";
  call.operation = "GetSecretValue";
  call.fault = true;
  record.subsegments.push_back(call);
  std::string out;
  append_segment_document(out, record, "app");
  const auto first = out.find(R"("fault":true)");
  ASSERT_NE(first, std::string::npos);
  const auto subsegments = out.find(R"("subsegments")");
  EXPECT_EQ(out.find(R"("fault":true)", first + 1), out.find(R"("fault":true)", subsegments))
      << "one fault key on the segment, one on the call: " << out;
}

}  // namespace
}  // namespace slipway::telemetry
