#include "targets/vm/rollout_plan.hpp"

#include <gtest/gtest.h>

namespace {

using namespace slipway::targets::vm;

TEST(RolloutPlan, LimitsRoundLikeEcs) {
  struct Case {
    int desired, min_pct, max_pct, min_healthy, max_running;
  } cases[] = {
      {2, 100, 200, 2, 4}, {3, 50, 150, 2, 4}, {1, 50, 150, 1, 1},
      {4, 0, 100, 0, 4},   {5, 75, 125, 4, 6}, {0, 100, 200, 0, 0},
  };
  for (const auto& c : cases) {
    auto limits = fleet_limits(c.desired, c.min_pct, c.max_pct);
    EXPECT_EQ(limits.min_healthy, c.min_healthy) << c.desired << " " << c.min_pct;
    EXPECT_EQ(limits.max_running, c.max_running) << c.desired << " " << c.max_pct;
  }
}

// Runs the planner to completion as the rollout would, checking the invariants at every step.
std::vector<RolloutStep> simulate(int old_count, const FleetLimits& limits) {
  std::vector<RolloutStep> steps;
  FleetState state{old_count, 0};
  for (int guard = 0; guard < 50; ++guard) {
    auto step = next_rollout_step(state, limits);
    if (step.done()) break;
    steps.push_back(step);
    state.old_in_service -= step.stop_old;
    EXPECT_GE(state.old_in_service + state.new_in_service,
              std::min(limits.min_healthy, old_count + state.new_in_service))
        << "went below the healthy minimum";
    state.new_in_service += step.start_new;
    EXPECT_LE(state.old_in_service + state.new_in_service, limits.max_running)
        << "went above the maximum";
  }
  EXPECT_EQ(state.new_in_service, limits.desired);
  EXPECT_EQ(state.old_in_service, 0);
  return steps;
}

TEST(RolloutPlan, DefaultLimitsStartAllThenStopAll) {
  auto steps = simulate(2, fleet_limits(2, 100, 200));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0], (RolloutStep{0, 2}));
  EXPECT_EQ(steps[1], (RolloutStep{2, 0}));
}

TEST(RolloutPlan, TightLimitsRollOneAtATime) {
  auto steps = simulate(4, fleet_limits(4, 75, 100));
  ASSERT_GE(steps.size(), 4u);
  EXPECT_EQ(steps[0], (RolloutStep{1, 1}));
  for (const auto& step : steps) EXPECT_LE(step.start_new, 1);
}

TEST(RolloutPlan, MaxAboveDesiredSurgesByTheRoom) {
  auto steps = simulate(3, fleet_limits(3, 100, 150));
  EXPECT_EQ(steps[0], (RolloutStep{0, 1}));
}

TEST(RolloutPlan, ZeroMinimumMayStopEverythingFirst) {
  auto steps = simulate(2, fleet_limits(2, 0, 100));
  EXPECT_EQ(steps[0], (RolloutStep{2, 2}));
}

TEST(RolloutPlan, FirstDeployJustStarts) {
  auto steps = simulate(0, fleet_limits(2, 100, 200));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0], (RolloutStep{0, 2}));
}

TEST(RolloutPlan, ScaleDownStopsOnlyTheSurplus) {
  // Same release, fewer replicas wanted: the "old" surplus goes, nothing starts.
  auto step = next_rollout_step({3, 1}, fleet_limits(1, 100, 200));
  EXPECT_EQ(step, (RolloutStep{3, 0}));
}

TEST(RolloutPlan, NoProgressIsDetectable) {
  auto step = next_rollout_step({1, 0}, fleet_limits(1, 100, 150));
  EXPECT_TRUE(step.done());
}

TEST(RolloutPlan, OldStaysWarmOnlyWhenEverythingFits) {
  EXPECT_TRUE(can_keep_old_warm(2, fleet_limits(2, 100, 200)));
  EXPECT_FALSE(can_keep_old_warm(3, fleet_limits(3, 100, 150)));
  EXPECT_TRUE(can_keep_old_warm(0, fleet_limits(3, 100, 100)));
}

TEST(CircuitBreaker, ThresholdIsHalfBoundedTo3And200) {
  struct Case {
    int desired, threshold;
  } cases[] = {{1, 3}, {2, 3}, {6, 3}, {7, 4}, {10, 5}, {1000, 200}};
  for (const auto& c : cases)
    EXPECT_EQ(circuit_breaker_threshold(c.desired), c.threshold) << c.desired;
}

TEST(HealthTracker, NeedsConsecutiveResults) {
  HealthTracker tracker(2, 3);
  using V = HealthTracker::Verdict;
  EXPECT_EQ(tracker.record(true), V::unknown);
  EXPECT_EQ(tracker.record(false), V::unknown);
  EXPECT_EQ(tracker.record(true), V::unknown);
  EXPECT_EQ(tracker.record(true), V::healthy);
  EXPECT_EQ(tracker.record(false), V::healthy);
  EXPECT_EQ(tracker.record(false), V::healthy);
  EXPECT_EQ(tracker.record(false), V::unhealthy);
  EXPECT_EQ(tracker.record(true), V::unhealthy);
  EXPECT_EQ(tracker.record(true), V::healthy);
}

TEST(Bake, BreachRules) {
  BakeSample start{1000, 2, 0, 1};
  struct Case {
    BakeSample now;
    bool breach;
    const char* fragment;
  } cases[] = {
      {{2000, 2, 0, 1}, false, ""},
      {{2000, 4, 0, 1}, false, ""},                  // 2 new 5xx: below the minimum count
      {{2000, 12, 0, 1}, false, ""},                 // 10 of 1000 = 1%: not above 1%
      {{2000, 13, 0, 1}, true, "5xx rate 11/1000"},  // above
      {{1010, 5, 0, 1}, true, "5xx rate 3/10"},
      {{2000, 2, 1, 1}, true, "failed health checks"},
      {{2000, 2, 0, 2}, true, "restart"},
  };
  for (const auto& c : cases) {
    auto breach = bake_breach(start, c.now, 0.01);
    EXPECT_EQ(breach.has_value(), c.breach) << c.fragment;
    if (breach) {
      EXPECT_NE(breach->find(c.fragment), std::string::npos) << *breach;
    }
  }
}

}  // namespace
