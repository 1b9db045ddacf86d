#pragma once
// The production traffic steps a strategy takes and the bakes between them, in this machine's
// time: ECS's minutes (bakeTimeInMinutes, stepBakeTimeInMinutes, canaryBakeTimeInMinutes) times
// the length slipway.yaml gives a minute (vm.strategy_minute). Pure: the vm target's rollout
// walks it, `status` and the ledger name its steps.

#include <chrono>
#include <vector>

#include "release/deployment_strategy.hpp"

namespace slipway::release {

struct TrafficStep {
  int new_share_tenths = 0;  // the new release's share of production traffic after this step
  std::chrono::milliseconds bake{0};  // watched before the next step (0 after the last)
  bool operator==(const TrafficStep&) const = default;
};

struct TrafficPlan {
  std::vector<TrafficStep> steps;  // empty for ROLLING (replicas replace replicas instead)
  // Both releases kept after the last step (bakeTimeInMinutes): a breach then is a switch back.
  std::chrono::milliseconds final_bake{0};
  bool operator==(const TrafficPlan&) const = default;
};

// LINEAR: stepPercent, 2 x stepPercent, ... then 100 %, stepBakeTimeInMinutes after each step but
// the last (ECS: "not applied after reaching 100 percent"); CANARY: canaryPercent with
// canaryBakeTimeInMinutes, then 100 %; BLUE_GREEN: 100 % at once; each then bakeTimeInMinutes.
TrafficPlan plan_traffic(const DeploymentStrategy& strategy, std::chrono::milliseconds minute);

// The whole plan's duration: every bake, the final one included.
std::chrono::milliseconds planned_duration(const TrafficPlan& plan);

}  // namespace slipway::release
