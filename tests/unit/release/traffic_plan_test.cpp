#include "release/traffic_plan.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using namespace slipway::release;

DeploymentStrategy strategy(DeploymentStrategyKind kind, int bake_minutes = 0) {
  DeploymentStrategy s;
  s.kind = kind;
  s.bake_time_minutes = bake_minutes;
  return s;
}

std::vector<int> shares(const TrafficPlan& plan) {
  std::vector<int> out;
  for (const auto& step : plan.steps) out.push_back(step.new_share_tenths);
  return out;
}

TEST(TrafficPlan, LinearStepsUntilAllWithoutABakeAfterTheLast) {
  auto s = strategy(DeploymentStrategyKind::linear, 5);
  s.linear_step_tenths = 300;
  s.linear_step_bake_minutes = 2;
  auto plan = plan_traffic(s, 1s);
  EXPECT_EQ(shares(plan), (std::vector<int>{300, 600, 900, 1000}));
  EXPECT_EQ(plan.steps[0].bake, 2s);
  EXPECT_EQ(plan.steps[2].bake, 2s);
  EXPECT_EQ(plan.steps.back().bake, 0s);
  EXPECT_EQ(plan.final_bake, 5s);
  EXPECT_EQ(planned_duration(plan), 11s);
  // 25 % divides 100: three bakes (CloudFormation's count: 100 / stepPercent - 1).
  s.linear_step_tenths = 250;
  auto even = plan_traffic(s, 1min);
  EXPECT_EQ(shares(even), (std::vector<int>{250, 500, 750, 1000}));
  EXPECT_EQ(planned_duration(even), 11min);
}

TEST(TrafficPlan, CanaryThenTheRest) {
  auto s = strategy(DeploymentStrategyKind::canary);
  auto plan = plan_traffic(s, 100ms);  // ECS's defaults: 5.0 % for 10 minutes
  EXPECT_EQ(shares(plan), (std::vector<int>{50, 1000}));
  EXPECT_EQ(plan.steps[0].bake, 1s);
  s.canary_tenths = 1000;  // a 100 % canary is one step
  EXPECT_EQ(shares(plan_traffic(s, 1s)), (std::vector<int>{1000}));
}

TEST(TrafficPlan, BlueGreenAtOnceAndRollingHasNoSteps) {
  auto s = strategy(DeploymentStrategyKind::blue_green, 3);
  auto plan = plan_traffic(s, 1s);
  EXPECT_EQ(shares(plan), (std::vector<int>{1000}));
  EXPECT_EQ(plan.final_bake, 3s);
  EXPECT_TRUE(plan_traffic(DeploymentStrategy{}, 1s).steps.empty());
}

}  // namespace
