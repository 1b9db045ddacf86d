#include "release/deployment_strategy.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "release/errors.hpp"
#include "release/spec.hpp"
#include "release/workload.hpp"

namespace {

using namespace std::chrono_literals;
using namespace slipway::release;

DeploymentStrategy read(const std::string& configuration) {
  return read_deployment_strategy(boost::json::parse(configuration).as_object(), "service.json",
                                  "deploymentConfiguration");
}

std::string error_of(const std::string& configuration) {
  try {
    read(configuration);
  } catch (const SpecError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(DeploymentStrategy, AbsentMeansRollingAsOnEcs) {
  auto s = read("{}");
  EXPECT_EQ(s.kind, DeploymentStrategyKind::rolling);
  EXPECT_TRUE(s.lifecycle_hooks.empty());
  EXPECT_FALSE(s.alarms.configured);
  EXPECT_EQ(boost::json::serialize(to_deployment_configuration(s)), R"({"strategy":"ROLLING"})");
}

TEST(DeploymentStrategy, LinearAndCanaryFillEcsDefaults) {
  auto linear = read(R"({"strategy":"LINEAR","bakeTimeInMinutes":3})");
  EXPECT_EQ(linear.kind, DeploymentStrategyKind::linear);
  EXPECT_EQ(linear.linear_step_tenths, 100);
  EXPECT_EQ(linear.linear_step_bake_minutes, 6);
  EXPECT_EQ(linear.bake_time_minutes, 3);
  auto canary = read(R"({"strategy":"CANARY","canaryConfiguration":{"canaryPercent":12.5}})");
  EXPECT_EQ(canary.canary_tenths, 125);
  EXPECT_EQ(canary.canary_bake_minutes, 10);
  EXPECT_EQ(percent_text(canary.canary_tenths), "12.5");
}

TEST(DeploymentStrategy, PercentagesAreTenthsWithoutFloatingPointDrift) {
  // 33.3 * 10 is 332.99999999999994 in binary floating point: still a multiple of 0.1.
  EXPECT_EQ(read(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":33.3}})")
                .linear_step_tenths,
            333);
  EXPECT_EQ(
      read(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":100}})").linear_step_tenths,
      1000);
  EXPECT_NE(error_of(R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":33.33}})")
                .find("33.33 is not a multiple of 0.1"),
            std::string::npos);
}

TEST(DeploymentStrategy, BadValuesAreOneLineNamingFileAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"strategy":"canary"})",
       "deploymentConfiguration.strategy: \"canary\" is not a strategy"},
      {R"({"strategy":"BLUE_GREEN"})", "deploymentConfiguration.bakeTimeInMinutes: required"},
      {R"({"strategy":"BLUE_GREEN","bakeTimeInMinutes":1441})", "1441 is out of range"},
      {R"({"strategy":"LINEAR","linearConfiguration":{"stepPercent":2.9}})",
       "linearConfiguration.stepPercent: 2.9 is out of range"},
      {R"({"strategy":"CANARY","canaryConfiguration":{"canaryBakeTimeInMinutes":-1}})",
       "canaryConfiguration.canaryBakeTimeInMinutes: -1 is out of range"},
      {R"({"strategy":"CANARY","linearConfiguration":{}})",
       "linearConfiguration: only valid when strategy is LINEAR (it is CANARY)"},
      {R"({"lifecycleHooks":[{"hookTargetArn":"a","lifecycleStages":["PRE_SCALE_UP"]}]})",
       "lifecycleHooks: lifecycle hooks run under BLUE_GREEN, LINEAR or CANARY"},
      {R"({"strategy":"LINEAR","lifecycleHooks":[{"lifecycleStages":["PRE_SCALE_UP"]}]})",
       "lifecycleHooks[0].hookTargetArn: required"},
      {R"({"strategy":"LINEAR","lifecycleHooks":[{"hookTargetArn":"a","lifecycleStages":[]}]})",
       "lifecycleHooks[0].lifecycleStages: required"},
      {R"({"strategy":"LINEAR","lifecycleHooks":[{"hookTargetArn":"a","lifecycleStages":["POST_DEPLOY"]}]})",
       "lifecycleStages: \"POST_DEPLOY\" is not a stage"},
      {R"({"alarms":{"alarmNames":["a"],"enable":true}})", "alarms.rollback: required"},
      {R"({"strategy":"LINEAR","linearConfiguration":null})", "linearConfiguration: null"},
  };
  for (const auto& [configuration, expected] : cases) {
    auto error = error_of(configuration);
    EXPECT_TRUE(error.starts_with("service.json: deploymentConfiguration")) << error;
    EXPECT_NE(error.find(expected), std::string::npos) << configuration << " -> " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(DeploymentStrategy, HooksByStageAndFunctionName) {
  auto s = read(R"({"strategy":"BLUE_GREEN","bakeTimeInMinutes":1,"lifecycleHooks":[
    {"hookTargetArn":"arn:aws:lambda:eu-west-1:123456789012:function:smoke-test:live",
     "lifecycleStages":["POST_TEST_TRAFFIC_SHIFT","POST_PRODUCTION_TRAFFIC_SHIFT"],
     "hookDetails":{"path":"/version"}},
    {"hookTargetArn":"warm-caches","lifecycleStages":["POST_SCALE_UP"]}]})");
  ASSERT_EQ(s.lifecycle_hooks.size(), 2u);
  EXPECT_EQ(s.lifecycle_hooks[0].function_name(), "smoke-test");
  EXPECT_EQ(s.lifecycle_hooks[1].function_name(), "warm-caches");
  EXPECT_EQ(s.lifecycle_hooks[0].hook_details, R"({"path":"/version"})");
  EXPECT_EQ(s.hooks_at(LifecycleStage::post_test_traffic_shift).size(), 1u);
  EXPECT_EQ(s.hooks_at(LifecycleStage::post_scale_up).front()->function_name(), "warm-caches");
  EXPECT_TRUE(s.hooks_at(LifecycleStage::pre_scale_up).empty());
  // What is written back reads the same: the ledger and UpdateService carry this form.
  auto again = read_deployment_strategy(to_deployment_configuration(s), "ledger", "x");
  EXPECT_EQ(again, s);
}

const char* kTaskdef =
    R"({"family":"app","containerDefinitions":[{"name":"app","image":"app:1"}]})";

TEST(DeploymentStrategy, TheWorkloadCarriesItAndErrorsNameTheServiceFile) {
  auto w = read_workload(boost::json::parse(kTaskdef), "deploy/taskdef.json",
                         boost::json::parse(R"({"desiredCount":4,"deploymentConfiguration":{
                           "strategy":"CANARY","canaryConfiguration":{"canaryPercent":10}}})"),
                         "deploy/service.json");
  EXPECT_EQ(w.strategy.kind, DeploymentStrategyKind::canary);
  EXPECT_EQ(w.strategy.canary_tenths, 100);
  try {
    read_workload(boost::json::parse(kTaskdef), "deploy/taskdef.json",
                  boost::json::parse(R"({"deploymentConfiguration":{"strategy":"RED_BLACK"}})"),
                  "deploy/service.json");
    FAIL() << "accepted an unknown strategy";
  } catch (const SpecError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(
        "deploy/service.json: deploymentConfiguration.strategy: \"RED_BLACK\""))
        << e.what();
  }
}

std::string vm_error(const ServiceSpec& spec, const std::string& configuration) {
  try {
    check_vm_strategy(spec, read(configuration));
  } catch (const SpecError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(DeploymentStrategy, TheVmTargetNeedsALocalCommandPerHook) {
  auto spec = parse_spec(
      "service: app\nvm:\n  strategy_minute: 1s\n  lifecycle_hooks:\n"
      "    smoke-test: ./scripts/smoke.sh --fast\n",
      "slipway.yaml");
  EXPECT_EQ(spec.vm.strategy_minute, 1s);
  EXPECT_EQ(spec.vm.lifecycle_hooks.at("smoke-test"), "./scripts/smoke.sh --fast");
  EXPECT_EQ(parse_spec("service: app\n", "slipway.yaml").vm.strategy_minute, 60s);

  auto missing = vm_error(spec, R"({"strategy":"LINEAR","lifecycleHooks":[
    {"hookTargetArn":"arn:aws:lambda:us-east-1:1:function:other","lifecycleStages":["POST_SCALE_UP"]}]})");
  EXPECT_NE(missing.find("lifecycleHooks[0].hookTargetArn: Lambda function other has no local "
                         "command on the vm target; add vm.lifecycle_hooks.other"),
            std::string::npos)
      << missing;
  auto pause = vm_error(spec, R"({"strategy":"LINEAR","lifecycleHooks":[
    {"targetType":"PAUSE","lifecycleStages":["POST_SCALE_UP"]}]})");
  EXPECT_NE(pause.find("targetType: PAUSE"), std::string::npos) << pause;
  EXPECT_EQ(vm_error(spec, "{}"), "(accepted)");
  // Every strategy runs on the vm target now.
  EXPECT_EQ(vm_error(spec, R"({"strategy":"CANARY"})"), "(accepted)");
  EXPECT_EQ(vm_error(spec, R"({"strategy":"LINEAR"})"), "(accepted)");
}

TEST(DeploymentStrategy, SlipwayYamlRefusesBadHookCommands) {
  EXPECT_THROW(parse_spec("service: app\nvm:\n  lifecycle_hooks: ./smoke.sh\n", "slipway.yaml"),
               SpecError);
  EXPECT_THROW(
      parse_spec("service: app\nvm:\n  lifecycle_hooks:\n    \"a:b\": x\n", "slipway.yaml"),
      SpecError);
  EXPECT_THROW(
      parse_spec("service: app\nvm:\n  lifecycle_hooks:\n    smoke: [a, b]\n", "slipway.yaml"),
      SpecError);
  EXPECT_THROW(parse_spec("service: app\nvm:\n  strategy_minute: 0s\n", "slipway.yaml"), SpecError);
}

}  // namespace
