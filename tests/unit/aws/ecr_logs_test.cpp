// ECR image references and CloudWatch Logs event parsing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "aws/ecr.hpp"
#include "aws/logs.hpp"

namespace slipway::aws {
namespace {

TEST(EcrReference, SplitsRegistryRepositoryAndTag) {
  auto parts = ecr_repository_and_tag("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:abc");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->first, "team/app");
  EXPECT_EQ(parts->second, "abc");
  parts = ecr_repository_and_tag("team/app:abc");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->first, "team/app");
  parts = ecr_repository_and_tag("localhost:5000/app:v1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->first, "app");
  EXPECT_EQ(parts->second, "v1");
  EXPECT_FALSE(ecr_repository_and_tag("app"));
  EXPECT_FALSE(ecr_repository_and_tag("registry.example:5000/app"));
}

TEST(LogsParse, EventsWithStreamAndTimestamp) {
  const auto events = parse_log_events(boost::json::parse(R"({"events": [
    {"logStreamName": "app/app/0123", "timestamp": 1764213600123, "message": "{\"level\":\"error\"}",
     "ingestionTime": 1764213600200, "eventId": "1"},
    {"timestamp": 1764213600999, "message": "second"}], "nextForwardToken": "f/1"})")
                                           .as_object());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].timestamp_ms, 1764213600123);
  EXPECT_EQ(events[0].stream, "app/app/0123");
  EXPECT_EQ(events[1].message, "second");
}

}  // namespace
}  // namespace slipway::aws
