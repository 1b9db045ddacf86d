#include "telemetry/trace_sampler.hpp"

#include <gtest/gtest.h>

namespace slipway::telemetry {
namespace {

int sampled_in(TraceSampler& sampler, std::int64_t second, int requests) {
  int sampled = 0;
  for (int i = 0; i < requests; ++i) sampled += sampler.sample(second) ? 1 : 0;
  return sampled;
}

TEST(TraceSampler, ReservoirTakesTheFirstRequestsOfEachSecondOnly) {
  TraceSampler sampler({.reservoir_per_second = 3, .fixed_rate = 0.0});
  EXPECT_EQ(sampled_in(sampler, 1000, 50), 3);
  EXPECT_EQ(sampled_in(sampler, 1000, 50), 0);  // the same second: reservoir used up
  EXPECT_EQ(sampled_in(sampler, 1001, 50), 3);  // a new second refills it
}

TEST(TraceSampler, FixedRateSamplesThatShareBeyondTheReservoir) {
  TraceSampler sampler({.reservoir_per_second = 0, .fixed_rate = 0.05});
  const int requests = 200'000;
  const int sampled = sampled_in(sampler, 1000, requests);
  // Binomial(200000, 0.05): mean 10000, sd ~97; 6 sd either side.
  EXPECT_GT(sampled, 10'000 - 600);
  EXPECT_LT(sampled, 10'000 + 600);
}

TEST(TraceSampler, RateOneSamplesEverythingAndZeroNothing) {
  TraceSampler all({.reservoir_per_second = 0, .fixed_rate = 1.0});
  EXPECT_EQ(sampled_in(all, 1000, 1000), 1000);
  TraceSampler none({.reservoir_per_second = 0, .fixed_rate = 0.0});
  EXPECT_EQ(sampled_in(none, 1000, 1000), 0);
}

TEST(TraceSampler, DefaultRuleIsXrayDefaultOnePerSecondAndFivePercent) {
  TraceSampler sampler(SamplingRule{});
  EXPECT_EQ(sampler.rule().reservoir_per_second, 1u);
  EXPECT_DOUBLE_EQ(sampler.rule().fixed_rate, 0.05);
  EXPECT_TRUE(sampler.sample(2000));  // the reservoir's one
}

}  // namespace
}  // namespace slipway::telemetry
