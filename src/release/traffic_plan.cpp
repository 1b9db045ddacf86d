#include "release/traffic_plan.hpp"

namespace slipway::release {

TrafficPlan plan_traffic(const DeploymentStrategy& strategy, std::chrono::milliseconds minute) {
  constexpr int kAll = 1000;  // 100.0 % in tenths
  TrafficPlan plan;
  switch (strategy.kind) {
    case DeploymentStrategyKind::rolling:
      return plan;
    case DeploymentStrategyKind::blue_green:
      plan.steps.push_back({kAll, std::chrono::milliseconds(0)});
      break;
    case DeploymentStrategyKind::canary:
      if (strategy.canary_tenths < kAll) {
        plan.steps.push_back({strategy.canary_tenths, minute * strategy.canary_bake_minutes});
      }
      plan.steps.push_back({kAll, std::chrono::milliseconds(0)});
      break;
    case DeploymentStrategyKind::linear:
      for (int share = strategy.linear_step_tenths; share < kAll;
           share += strategy.linear_step_tenths) {
        plan.steps.push_back({share, minute * strategy.linear_step_bake_minutes});
      }
      plan.steps.push_back({kAll, std::chrono::milliseconds(0)});
      break;
  }
  plan.final_bake = minute * strategy.bake_time_minutes;
  return plan;
}

std::chrono::milliseconds planned_duration(const TrafficPlan& plan) {
  auto total = plan.final_bake;
  for (const auto& step : plan.steps) total += step.bake;
  return total;
}

}  // namespace slipway::release
