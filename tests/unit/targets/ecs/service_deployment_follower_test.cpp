// The service deployment follower on recorded sequences shaped like the ECS API reference
// (data/service_deployments/*.json, written by make_sequences.py there, each naming the pages it
// follows): each gives its verdict at the expected poll and not before, asks for
// StopServiceDeployment ROLLBACK exactly where expected, and prints only what changed.
#include "targets/ecs/service_deployment_follower.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "release/errors.hpp"
#include "targets/ecs/service_deployment_driver.hpp"

namespace slipway::targets::ecs {
namespace {

namespace json = boost::json;
const std::string kDir = std::string(SLIPWAY_TEST_DATA_DIR) + "/service_deployments";

json::object load(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str()).as_object();
}

std::string text(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

ServiceDeploymentPoll poll_from(const json::object& recorded) {
  ServiceDeploymentPoll poll;
  poll.elapsed = std::chrono::milliseconds(recorded.at("elapsed_ms").to_number<long>());
  if (auto why = text(recorded, "unavailable"); !why.empty()) {
    poll.unavailable = why;
    return poll;
  }
  for (const auto& d :
       recorded.at("describeServiceDeployments").at("serviceDeployments").as_array()) {
    poll.ours = aws::parse_service_deployment(d.as_object());
  }
  for (const auto& b : recorded.at("listServiceDeployments").at("serviceDeployments").as_array()) {
    poll.listed.push_back(aws::parse_service_deployment_brief(b.as_object()));
  }
  for (const auto& a : recorded.at("alarms").as_array()) {
    poll.alarms.push_back(
        {.name = text(a.as_object(), "name"), .state = text(a.as_object(), "state"), .reason = {}});
  }
  return poll;
}

std::vector<std::string> sequence_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class RecordedSequence : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordedSequence, ReachesTheExpectedVerdictAtTheExpectedPoll) {
  auto sequence = load(kDir + "/" + GetParam() + ".json");
  const auto& expect = sequence.at("expect").as_object();
  const auto& t = sequence.at("timeouts").as_object();
  ServiceDeploymentTimeouts timeouts{
      .rollout = std::chrono::milliseconds(t.at("rollout_ms").to_number<long>()),
      .bake = std::chrono::milliseconds(t.at("bake_ms").to_number<long>()),
      .inconclusive_polls = t.at("inconclusive_polls").to_number<int>()};
  ServiceDeploymentFollower follower(text(sequence, "followed_arn"),
                                     sequence.at("updated_at").to_number<double>(), timeouts);
  const auto& polls = sequence.at("polls").as_array();
  const auto at_poll = expect.at("at_poll").to_number<std::size_t>();
  std::optional<std::size_t> stop_at;
  std::vector<std::string> lines;
  ServiceDeploymentStep step;
  for (std::size_t i = 0; i < polls.size(); ++i) {
    step = follower.observe(poll_from(polls[i].as_object()));
    lines.insert(lines.end(), step.lines.begin(), step.lines.end());
    if (step.stop_with_rollback) {
      EXPECT_FALSE(stop_at) << "asked for StopServiceDeployment twice";
      stop_at = i;
    }
    if (i < at_poll) {
      EXPECT_EQ(step.verdict, ServiceDeploymentVerdict::in_progress)
          << "poll " << i << ": " << step.reason;
    }
    if (i == at_poll) break;
  }
  EXPECT_EQ(to_string(step.verdict), text(expect, "verdict")) << step.reason;
  EXPECT_EQ(to_string(step.cause), text(expect, "cause")) << step.reason;
  if (auto reason = text(expect, "reason"); !reason.empty()) {
    EXPECT_NE(step.reason.find(reason), std::string::npos) << step.reason;
  }
  if (const auto* at = expect.if_contains("stop_with_rollback_at")) {
    EXPECT_EQ(stop_at, at->to_number<std::size_t>());
  } else {
    EXPECT_FALSE(stop_at) << "asked for a rollback at poll " << *stop_at;
  }
  const auto* back = expect.if_contains("point_service_back");
  EXPECT_EQ(step.point_service_back, back != nullptr && back->as_bool());
  auto printed = [&](const std::string& line) {
    return std::count(lines.begin(), lines.end(), line);
  };
  if (const auto* expected = expect.if_contains("lines")) {
    for (const auto& line : expected->as_array()) {
      EXPECT_EQ(printed(std::string(line.as_string())), 1) << "expected once: " << line.as_string();
    }
  }
  if (const auto* absent = expect.if_contains("absent_lines")) {
    for (const auto& line : absent->as_array()) {
      EXPECT_EQ(printed(std::string(line.as_string())), 0) << "a stale read printed: " << line;
    }
  }
  // A final verdict is repeated, never revised, by later polls.
  auto again = follower.observe(poll_from(polls[at_poll].as_object()));
  EXPECT_EQ(again.verdict, step.verdict);
  EXPECT_FALSE(again.stop_with_rollback);
  EXPECT_TRUE(again.lines.empty());
}

INSTANTIATE_TEST_SUITE_P(ServiceDeployments, RecordedSequence,
                         ::testing::ValuesIn(sequence_names()),
                         [](const auto& param_info) { return param_info.param; });

TEST(ServiceDeploymentFollower, NeverReadableAsksEcsToRollBackTheDeploymentItStarted) {
  // Every read throttled from UpdateService on (tests/integration/ecs_faults_test.py): the
  // deployment UpdateService started runs on, so the timeout asks ECS to stop it, as it does
  // after a read that showed it IN_PROGRESS.
  ServiceDeploymentTimeouts timeouts{.rollout = std::chrono::minutes(10),
                                     .bake = std::chrono::minutes(0),
                                     .inconclusive_polls = 3};
  ServiceDeploymentFollower follower(
      "arn:aws:ecs:us-east-1:123456789012:service-deployment/slipway/app/abc", 1.0e9, timeouts);
  ServiceDeploymentStep step;
  for (int i = 0; i < 3; ++i) {
    step = follower.observe({.elapsed = std::chrono::seconds(i),
                             .ours = std::nullopt,
                             .listed = {},
                             .alarms = {},
                             .unavailable = "ThrottlingException"});
  }
  EXPECT_EQ(step.verdict, ServiceDeploymentVerdict::timed_out) << step.reason;
  EXPECT_TRUE(step.stop_with_rollback);
  // Without an ARN there is nothing to stop.
  ServiceDeploymentFollower unknown("", 1.0e9, timeouts);
  for (int i = 0; i < 3; ++i) {
    step = unknown.observe({.elapsed = std::chrono::seconds(i),
                            .ours = std::nullopt,
                            .listed = {},
                            .alarms = {},
                            .unavailable = "ThrottlingException"});
  }
  EXPECT_EQ(step.verdict, ServiceDeploymentVerdict::timed_out) << step.reason;
  EXPECT_FALSE(step.stop_with_rollback);
}

TEST(ServiceDeploymentFollower, AllSequencesArePresent) {
  // The hook failure and the alarm mid-linear the issue asks for, among the others.
  auto names = sequence_names();
  EXPECT_GE(names.size(), 14u);
  EXPECT_TRUE(std::count(names.begin(), names.end(), "blue_green_hook_fails_rolls_back"));
  EXPECT_TRUE(
      std::count(names.begin(), names.end(), "linear_alarm_fires_mid_shift_ecs_rolls_back"));
}

// UpdateService carries the service file's deploymentConfiguration as written, only when its
// strategy is not ROLLING; a bad value is the spec's one-line error, before any call.
TEST(ServiceDeploymentDriver, PassesTheServiceFilesStrategyThrough) {
  auto dir = std::filesystem::temp_directory_path() / ("slipway-sd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "deploy");
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "deploy" / "service.json") << text;
  };
  release::ServiceSpec spec;
  write(R"({"deploymentConfiguration": {"maximumPercent": 200,
    "strategy": "${STRATEGY}", "canaryConfiguration": {"canaryPercent": 10.0}}})");
  auto configuration =
      progressive_deployment_configuration(spec, dir.string(), {{"STRATEGY", "CANARY"}});
  ASSERT_TRUE(configuration);
  EXPECT_EQ(
      json::serialize(configuration->deployment_configuration),
      R"({"maximumPercent":200,"strategy":"CANARY","canaryConfiguration":{"canaryPercent":1E1}})");
  EXPECT_EQ(configuration->strategy.kind, release::DeploymentStrategyKind::canary);
  EXPECT_EQ(configuration->strategy.canary_tenths, 100);
  write(R"({"deploymentConfiguration": {"maximumPercent": 200}})");
  EXPECT_FALSE(progressive_deployment_configuration(spec, dir.string(), {}));
  write(
      R"({"deploymentConfiguration": {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0}}})");
  EXPECT_THROW(progressive_deployment_configuration(spec, dir.string(), {}), release::SpecError);
  // Variables only Terraform knows do not stop a ROLLING deploy, which never reads them; under
  // another strategy the file renders in full, the unset variable named. ${SERVICE} is the spec's
  // service, as in the task definition.
  spec.service = "app";
  write(R"({"serviceName": "${SERVICE}", "desiredCount": ${COUNT_NOBODY_SET},
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_NOBODY_SET}"]}},
    "deploymentConfiguration": {"maximumPercent": 200, "strategy": "ROLLING"}})");
  EXPECT_FALSE(progressive_deployment_configuration(spec, dir.string(), {}));
  write(R"({"serviceName": "${SERVICE}",
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["${SUBNET_NOBODY_SET}"]}},
    "deploymentConfiguration": {"strategy": "CANARY"}})");
  try {
    progressive_deployment_configuration(spec, dir.string(), {});
    ADD_FAILURE() << "an unset variable under CANARY was accepted";
  } catch (const release::SpecError& error) {
    EXPECT_NE(std::string(error.what()).find("${SUBNET_NOBODY_SET} is not set"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(progressive_deployment_configuration(spec, dir.string(),
                                                   {{"SUBNET_NOBODY_SET", "subnet-1"}}));
  write(R"({"deploymentConfiguration": {"strategy": "${STRATEGY_NOBODY_SET}"}})");
  try {
    progressive_deployment_configuration(spec, dir.string(), {});
    ADD_FAILURE() << "an unset strategy variable was accepted";
  } catch (const release::SpecError& error) {
    EXPECT_NE(std::string(error.what()).find("${STRATEGY_NOBODY_SET} is not set"),
              std::string::npos)
        << error.what();
  }
  // No service file: the service keeps what Terraform gave it (today's ROLLING path).
  std::filesystem::remove(dir / "deploy" / "service.json");
  EXPECT_FALSE(progressive_deployment_configuration(spec, dir.string(), {}));
  std::filesystem::remove_all(dir);
}

TEST(ServiceDeploymentDriver, VerdictsKeepTheSharedExitCodes) {
  EXPECT_EQ(to_verdict({.verdict = ServiceDeploymentVerdict::rolled_back,
                        .cause = RollbackCause::alarm,
                        .reason = {},
                        .arn = {},
                        .point_service_back = false}),
            Verdict::rolled_back_by_alarm);
  EXPECT_EQ(to_verdict({.verdict = ServiceDeploymentVerdict::rolled_back,
                        .cause = RollbackCause::lifecycle_hook,
                        .reason = {},
                        .arn = {},
                        .point_service_back = false}),
            Verdict::rolled_back_by_circuit_breaker);
  EXPECT_EQ(to_verdict({.verdict = ServiceDeploymentVerdict::superseded,
                        .cause = RollbackCause::none,
                        .reason = {},
                        .arn = {},
                        .point_service_back = false}),
            Verdict::superseded);
}

}  // namespace
}  // namespace slipway::targets::ecs
