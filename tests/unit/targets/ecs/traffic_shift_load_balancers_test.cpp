#include "targets/ecs/traffic_shift_load_balancers.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "release/errors.hpp"

namespace slipway::targets::ecs {
namespace {

// ARNs shaped as the ECS and ELB API references' examples.
constexpr const char* kPrimary =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/73e2d6bc24d8a067";
constexpr const char* kAlternate =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-alt/2453ed029918f21f";
constexpr const char* kRule =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/app/"
    "50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee";
constexpr const char* kRole = "arn:aws:iam::123456789012:role/app-ecs-load-balancers";

boost::json::object document() {
  return boost::json::parse(std::string(R"({"loadBalancers":[{"targetGroupArn":")") + kPrimary +
                            R"(","containerName":"app","containerPort":8080,)" +
                            R"("advancedConfiguration":{"alternateTargetGroupArn":")" + kAlternate +
                            R"(","productionListenerRule":")" + kRule +
                            R"(","testListenerRule":")" + kRule + R"(","roleArn":")" + kRole +
                            R"("}}]})")
      .as_object();
}

boost::json::object& advanced(boost::json::object& d) {
  return d["loadBalancers"].as_array()[0].as_object()["advancedConfiguration"].as_object();
}

std::string refusal(const boost::json::object& d) {
  try {
    read_traffic_shift_load_balancers(d, "deploy/service.json");
  } catch (const release::SpecError& error) {
    return error.what();
  }
  return "";
}

TEST(TrafficShiftLoadBalancers, AFileWithoutLoadBalancersLeavesTheServicesOwn) {
  EXPECT_FALSE(read_traffic_shift_load_balancers({{"deploymentConfiguration", {}}}, "f"));
}

TEST(TrafficShiftLoadBalancers, AWholeBlockIsSentAsWritten) {
  const auto d = document();
  const auto read = read_traffic_shift_load_balancers(d, "deploy/service.json");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, d.at("loadBalancers").as_array());
}

TEST(TrafficShiftLoadBalancers, EachMissingOrMalformedMemberIsRefusedByName) {
  auto without_advanced = document();
  without_advanced["loadBalancers"].as_array()[0].as_object().erase("advancedConfiguration");
  EXPECT_NE(refusal(without_advanced).find("loadBalancers[0].advancedConfiguration is required"),
            std::string::npos);

  auto same_group = document();
  advanced(same_group)["alternateTargetGroupArn"] = kPrimary;
  EXPECT_NE(refusal(same_group).find("names the primary target group"), std::string::npos);

  auto role_not_role = document();
  advanced(role_not_role)["roleArn"] = kAlternate;
  EXPECT_NE(refusal(role_not_role).find("advancedConfiguration.roleArn must be an IAM role ARN"),
            std::string::npos);

  auto rule_not_rule = document();
  advanced(rule_not_rule)["productionListenerRule"] = kRole;
  EXPECT_NE(refusal(rule_not_rule).find("productionListenerRule must be a listener rule ARN"),
            std::string::npos);

  auto no_rule = document();
  advanced(no_rule).erase("productionListenerRule");
  EXPECT_NE(refusal(no_rule).find("productionListenerRule must be a non-empty string"),
            std::string::npos);

  auto typo = document();
  advanced(typo)["alternateTargetGroup"] = kAlternate;
  EXPECT_NE(refusal(typo).find("alternateTargetGroup is not a member"), std::string::npos);

  auto bad_port = document();
  bad_port["loadBalancers"].as_array()[0].as_object()["containerPort"] = 70000;
  EXPECT_NE(refusal(bad_port).find("containerPort must be a whole number 1-65535"),
            std::string::npos);

  auto empty = document();
  empty["loadBalancers"] = boost::json::array{};
  EXPECT_NE(refusal(empty).find("loadBalancers must be a non-empty array"), std::string::npos);
}

TEST(TrafficShiftLoadBalancers, EveryRefusalNamesTheFileAndOneLine) {
  auto d = document();
  advanced(d).erase("alternateTargetGroupArn");
  const auto message = refusal(d);
  EXPECT_TRUE(message.starts_with("deploy/service.json: loadBalancers[0]")) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

}  // namespace
}  // namespace slipway::targets::ecs
