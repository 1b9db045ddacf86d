// ELBv2 DescribeTargetHealth and CloudWatch DescribeAlarms bodies (Query protocol XML): members
// are split depth-aware so nested lists (an alarm's Dimensions) do not leak into the next one.
#include <gtest/gtest.h>

#include "aws/cloudwatch.hpp"
#include "aws/elbv2.hpp"
#include "aws/xml_members.hpp"

namespace slipway::aws {
namespace {

TEST(Elbv2Parse, TargetHealthDescriptions) {
  const auto targets = parse_target_health(
      R"(<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeTargetHealthResult><TargetHealthDescriptions>
    <member><HealthCheckPort>8080</HealthCheckPort><TargetHealth><State>healthy</State></TargetHealth>
      <Target><Port>8080</Port><Id>10.0.1.12</Id></Target></member>
    <member><HealthCheckPort>8080</HealthCheckPort>
      <TargetHealth><Description>Health checks failed with these codes: [503]</Description>
        <Reason>Target.ResponseCodeMismatch</Reason><State>unhealthy</State></TargetHealth>
      <Target><Port>8080</Port><Id>10.0.2.7</Id></Target></member>
  </TargetHealthDescriptions></DescribeTargetHealthResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeTargetHealthResponse>)");
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].id, "10.0.1.12");
  EXPECT_EQ(targets[0].state, "healthy");
  EXPECT_EQ(targets[1].state, "unhealthy");
  EXPECT_EQ(targets[1].reason, "Target.ResponseCodeMismatch");
  EXPECT_EQ(targets[1].description, "Health checks failed with these codes: [503]");
}

TEST(CloudWatchParse, MetricAlarmsWithNestedDimensions) {
  const auto alarms = parse_alarms(R"(<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms>
    <member><AlarmName>app-5xx</AlarmName><Dimensions><member><Name>LoadBalancer</Name><Value>x</Value></member></Dimensions>
      <StateValue>ALARM</StateValue><StateReason>Threshold Crossed: 1 datapoint [12.0] was greater than 5.0</StateReason></member>
    <member><AlarmName>app-latency</AlarmName><StateValue>OK</StateValue></member>
  </MetricAlarms><CompositeAlarms/></DescribeAlarmsResult></DescribeAlarmsResponse>)");
  ASSERT_EQ(alarms.size(), 2u);
  EXPECT_EQ(alarms[0].name, "app-5xx");
  EXPECT_EQ(alarms[0].state, "ALARM");
  EXPECT_NE(alarms[0].reason.find("Threshold Crossed"), std::string::npos);
  EXPECT_EQ(alarms[1].name, "app-latency");
  EXPECT_EQ(alarms[1].state, "OK");
}

TEST(XmlMembers, AbsentOrEmptyContainerHasNoMembers) {
  EXPECT_TRUE(xml_members("<a><b/></a>", "b").empty());
  EXPECT_TRUE(xml_members("<a></a>", "b").empty());
  EXPECT_EQ(xml_members("<b><member>1</member><member>2</member></b>", "b").size(), 2u);
}

}  // namespace
}  // namespace slipway::aws
