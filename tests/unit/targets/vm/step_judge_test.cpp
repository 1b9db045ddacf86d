#include "targets/vm/step_judge.hpp"

#include <gtest/gtest.h>

namespace slipway::targets::vm {
namespace {

TEST(TrafficWeights, SharesAsCloseAsWholeWeightsAllow) {
  // 10 % over 2 new and 2 old servers: weights 1:9 per server give exactly 10.0 %.
  auto ten = traffic_weights(100, 2, 2);
  EXPECT_EQ(ten.effective_share_tenths, 100);
  EXPECT_EQ(ten.new_weight * 9, ten.old_weight);
  // A third over 3 new and 3 old.
  EXPECT_EQ(traffic_weights(333, 3, 3).effective_share_tenths, 333);
  // Unequal fleets: 25 % with 1 new server beside 3 old ones is equal weights.
  auto quarter = traffic_weights(250, 1, 3);
  EXPECT_EQ(quarter.new_weight, quarter.old_weight);
  // ECS's smallest canary, 0.1 %, cannot be met with weights of at most 256: the closest share.
  auto smallest = traffic_weights(1, 1, 1);
  EXPECT_EQ(smallest, (TrafficWeights{1, 256, 4}));
  EXPECT_EQ(traffic_weights(1000, 2, 2), (TrafficWeights{256, 0, 1000}));
  EXPECT_EQ(traffic_weights(0, 2, 2), (TrafficWeights{0, 256, 0}));
}

StepSample sample(std::int64_t responses, std::int64_t errors, double fresh_ms, double old_ms) {
  return {.fresh = {responses, errors, fresh_ms}, .previous = {1000, 0, old_ms}};
}

TEST(StepJudge, FiveHundredsAboveTheRatio) {
  StepLimits limits;
  EXPECT_FALSE(step_breach(sample(100, 0, 3, 3), sample(200, 2, 3, 3), limits));  // < min_5xx
  auto breach = step_breach(sample(100, 0, 3, 3), sample(200, 5, 3, 3), limits);
  ASSERT_TRUE(breach);
  EXPECT_NE(breach->find("5 of 100 responses of the new release were 5xx (5.0%"), std::string::npos)
      << *breach;
  // Errors before the step started are not this step's.
  EXPECT_FALSE(step_breach(sample(100, 50, 3, 3), sample(10000, 52, 3, 3), limits));
}

TEST(StepJudge, ASlowerReleaseWithoutErrors) {
  StepLimits limits;
  // Three times slower than the previous release, enough responses: caught.
  auto breach = step_breach(sample(0, 0, 0, 10), sample(50, 0, 30, 10), limits);
  ASSERT_TRUE(breach);
  EXPECT_NE(breach->find("30 ms on average, the previous one in 10 ms"), std::string::npos);
  // Too few responses yet, or within the allowed slowdown, or below the floor: not a breach.
  EXPECT_FALSE(step_breach(sample(0, 0, 0, 10), sample(10, 0, 30, 10), limits));
  EXPECT_FALSE(step_breach(sample(0, 0, 0, 10), sample(50, 0, 19, 10), limits));
  EXPECT_FALSE(step_breach(sample(0, 0, 0, 1), sample(50, 0, 3, 1), limits));
}

}  // namespace
}  // namespace slipway::targets::vm
