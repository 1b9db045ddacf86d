// Lifecycle hooks as local commands, run for real with /bin/sh.
#include "targets/vm/lifecycle_hooks.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "release/errors.hpp"

namespace slipway::targets::vm {
namespace {

using namespace std::chrono_literals;
using release::LifecycleStage;

release::DeploymentStrategy strategy(const std::string& hooks) {
  return release::read_deployment_strategy(
      boost::json::parse(R"({"strategy":"BLUE_GREEN","bakeTimeInMinutes":1,"lifecycleHooks":)" +
                         hooks + "}")
          .as_object(),
      "service.json", "deploymentConfiguration");
}

release::ServiceSpec spec_with(std::map<std::string, std::string> commands) {
  release::ServiceSpec spec;
  spec.vm.strategy_minute = 100ms;
  spec.vm.lifecycle_hooks = std::move(commands);
  return spec;
}

const char* kArn = "arn:aws:lambda:us-east-1:123456789012:function:";

TEST(LifecycleHooks, ACommandPassesTheStageWithItsStageDetailsAndContext) {
  auto s =
      strategy(std::string(R"([{"hookTargetArn":")") + kArn +
               R"(smoke","lifecycleStages":["POST_SCALE_UP"],"hookDetails":{"path":"/version"}}])");
  auto spec = spec_with(
      {{"smoke", "echo \"$SLIPWAY_LIFECYCLE_STAGE $SLIPWAY_HOOK_DETAILS $SLIPWAY_RELEASE\""}});
  auto outcome =
      run_lifecycle_hooks(spec, s, LifecycleStage::post_scale_up, {{"SLIPWAY_RELEASE", "abc"}});
  EXPECT_TRUE(outcome.passed) << outcome.failure;
  ASSERT_EQ(outcome.lines.size(), 2u);
  EXPECT_EQ(outcome.lines[0], R"(smoke: POST_SCALE_UP {"path":"/version"} abc)");
  EXPECT_EQ(outcome.lines[1], "smoke at POST_SCALE_UP: SUCCEEDED");
  // Not at another stage.
  EXPECT_TRUE(run_lifecycle_hooks(spec, s, LifecycleStage::pre_scale_up, {}).lines.empty());
}

TEST(LifecycleHooks, AFailingHookFailsTheStageAndStopsTheNextOnes) {
  auto s = strategy(std::string(R"([{"hookTargetArn":")") + kArn +
                    R"(check","lifecycleStages":["POST_TEST_TRAFFIC_SHIFT"]},{"hookTargetArn":")" +
                    kArn + R"(never","lifecycleStages":["POST_TEST_TRAFFIC_SHIFT"]}])");
  auto spec = spec_with(
      {{"check", "echo checking; echo 'GET /version: 500' >&2; exit 3"}, {"never", "echo ran"}});
  auto outcome = run_lifecycle_hooks(spec, s, LifecycleStage::post_test_traffic_shift, {});
  EXPECT_FALSE(outcome.passed);
  EXPECT_EQ(outcome.failure,
            "lifecycle hook check at POST_TEST_TRAFFIC_SHIFT exited 3: GET /version: 500");
  for (const auto& line : outcome.lines) EXPECT_EQ(line.find("never"), std::string::npos) << line;
  EXPECT_EQ(outcome.lines.back(), "check at POST_TEST_TRAFFIC_SHIFT: FAILED");
}

TEST(LifecycleHooks, ATimeoutTakesTheHooksTimeoutAction) {
  // timeoutInMinutes 1 x strategy_minute 100 ms: the sleeping hook is killed.
  auto hook = [](const char* action) {
    return strategy(
        std::string(R"([{"hookTargetArn":")") + kArn +
        R"(slow","lifecycleStages":["PRE_SCALE_UP"],"timeoutConfiguration":{"timeoutInMinutes":1,"action":")" +
        action + R"("}}])");
  };
  auto spec = spec_with({{"slow", "sleep 5"}});
  auto rollback = run_lifecycle_hooks(spec, hook("ROLLBACK"), LifecycleStage::pre_scale_up, {});
  EXPECT_FALSE(rollback.passed);
  EXPECT_NE(rollback.failure.find("slow at PRE_SCALE_UP timed out"), std::string::npos);
  auto go_on = run_lifecycle_hooks(spec, hook("CONTINUE"), LifecycleStage::pre_scale_up, {});
  EXPECT_TRUE(go_on.passed);
  EXPECT_NE(go_on.lines.back().find("TIMED_OUT, timeout action CONTINUE"), std::string::npos);
}

TEST(LifecycleHooks, AHookWithoutACommandIsASpecError) {
  auto s = strategy(std::string(R"([{"hookTargetArn":")") + kArn +
                    R"(missing","lifecycleStages":["PRE_SCALE_UP"]}])");
  EXPECT_THROW(run_lifecycle_hooks(spec_with({}), s, LifecycleStage::pre_scale_up, {}),
               release::SpecError);
}

}  // namespace
}  // namespace slipway::targets::vm
