// The deployment follower on recorded sequences shaped like ECS's documented behaviour
// (data/*.json, all written by data/make_sequences.py, each naming the AWS pages it follows):
// each gives its verdict at the expected poll and not before, and prints only what changed.
#include "targets/ecs/follower.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace slipway::targets::ecs {
namespace {

boost::json::object load(const std::string& name) {
  std::ifstream file(std::string(SLIPWAY_TEST_DATA_DIR) + "/" + name + ".json");
  std::stringstream text;
  text << file.rdbuf();
  return boost::json::parse(text.str()).as_object();
}

std::string text(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

Observation observation_from(const boost::json::object& snapshot) {
  Observation observation;
  observation.elapsed = std::chrono::milliseconds(snapshot.at("elapsed_ms").to_number<long>());
  if (const auto why = text(snapshot, "unavailable"); !why.empty()) {
    observation.unavailable = why;  // a throttled poll: no answer to read
    return observation;
  }
  observation.service = aws::parse_service(
      snapshot.at("describeServices").at("services").as_array().at(0).as_object());
  for (const auto& task : snapshot.at("describeTasks").at("tasks").as_array()) {
    observation.stopped_tasks.push_back(aws::parse_task(task.as_object()));
  }
  for (const auto& target : snapshot.at("targets").as_array()) {
    const auto& t = target.as_object();
    observation.targets.push_back({.id = text(t, "id"),
                                   .port = text(t, "port"),
                                   .state = text(t, "state"),
                                   .reason = text(t, "reason"),
                                   .description = {}});
  }
  for (const auto& alarm : snapshot.at("alarms").as_array()) {
    const auto& a = alarm.as_object();
    observation.alarms.push_back(
        {.name = text(a, "name"), .state = text(a, "state"), .reason = text(a, "reason")});
  }
  return observation;
}

struct Replay {
  std::vector<FollowStep> steps;
  boost::json::object expect;
};

FollowedDeployment followed_of(const boost::json::object& sequence) {
  return {.id = text(sequence, "deployment_id"),
          .created_at = sequence.at("started_at").to_number<double>(),
          .task_definition = text(sequence, "task_definition"),
          .previous_task_definition = text(sequence, "previous_task_definition")};
}

Replay replay(const std::string& name) {
  const auto sequence = load(name);
  const auto& timeouts = sequence.at("timeouts_ms").as_object();
  FollowTimeouts limits{
      .start = std::chrono::milliseconds(timeouts.at("start").to_number<long>()),
      .rollout = std::chrono::milliseconds(timeouts.at("rollout").to_number<long>()),
      .bake = std::chrono::milliseconds(timeouts.at("bake").to_number<long>()),
      .inconclusive_polls = timeouts.at("inconclusive_polls").to_number<int>(),
      .start_from_service = timeouts.at("start_from_service").as_bool()};
  DeploymentFollower follower(followed_of(sequence), limits);
  Replay out{.steps = {}, .expect = sequence.at("expect").as_object()};
  for (const auto& snapshot : sequence.at("snapshots").as_array()) {
    out.steps.push_back(follower.observe(observation_from(snapshot.as_object())));
  }
  return out;
}

class RecordedSequence : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordedSequence, GivesItsVerdictAtTheRightPollAndNotBefore) {
  const auto result = replay(GetParam());
  const auto final_index =
      static_cast<std::size_t>(result.expect.at("final_index").to_number<int>());
  ASSERT_LT(final_index, result.steps.size());
  for (std::size_t i = 0; i < final_index; ++i) {
    EXPECT_EQ(result.steps[i].verdict, Verdict::in_progress) << "poll " << i;
  }
  const auto& final_step = result.steps[final_index];
  EXPECT_EQ(to_string(final_step.verdict), text(result.expect, "verdict"));
  EXPECT_EQ(final_step.slipway_must_roll_back, result.expect.at("must_roll_back").as_bool());
  if (const auto needle = text(result.expect, "reason_contains"); !needle.empty()) {
    EXPECT_NE(final_step.reason.find(needle), std::string::npos) << final_step.reason;
  }
  if (const auto needle = text(result.expect, "lines_contain"); !needle.empty()) {
    bool found = false;
    for (const auto& step : result.steps) {
      for (const auto& line : step.lines) found = found || line.find(needle) != std::string::npos;
    }
    EXPECT_TRUE(found) << needle;
  }
  // A final verdict sticks, whatever comes later.
  for (std::size_t i = final_index; i < result.steps.size(); ++i) {
    EXPECT_EQ(result.steps[i].verdict, final_step.verdict);
  }
}

// Every sequence the generator wrote, by name.
std::vector<std::string> sequence_names() {
  std::ifstream file(std::string(SLIPWAY_TEST_DATA_DIR) + "/index.json");
  std::stringstream listing;
  listing << file.rdbuf();
  std::vector<std::string> names;
  const auto index = boost::json::parse(listing.str());
  for (const auto& name : index.as_array()) {
    names.emplace_back(name.as_string());
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Ecs, RecordedSequence, ::testing::ValuesIn(sequence_names()),
                         [](const ::testing::TestParamInfo<std::string>& sequence) {
                           return sequence.param;
                         });

TEST(RecordedSequences, AreAtLeastTwentyFiveAndEachCitesTheDocumentationItFollows) {
  const auto names = sequence_names();
  EXPECT_GE(names.size(), 25u);
  for (const auto& name : names) {
    const auto sequence = load(name);
    const auto& follows = sequence.at("follows").as_array();
    EXPECT_FALSE(follows.empty()) << name;
    for (const auto& page : follows) {
      EXPECT_TRUE(page.as_string().starts_with("https://docs.aws.amazon.com/AmazonECS/")) << name;
    }
  }
}

TEST(CircuitBreaker, ThresholdIsHalfTheDesiredCountClampedToThreeAndTwoHundred) {
  // The table of deployment-circuit-breaker.html ("How BOUNDED_PERCENT calculates the
  // threshold", default value 50): desired 1 -> 3, 25 -> 13 (rounded up), 400 -> 200, 800 -> 200.
  EXPECT_EQ(circuit_breaker_threshold(1), 3);
  EXPECT_EQ(circuit_breaker_threshold(25), 13);
  EXPECT_EQ(circuit_breaker_threshold(400), 200);
  EXPECT_EQ(circuit_breaker_threshold(800), 200);
  EXPECT_EQ(circuit_breaker_threshold(6), 3);
  EXPECT_EQ(circuit_breaker_threshold(7), 4);
}

TEST(CircuitBreaker, StartBudgetCoversTheFailedStartsTheBreakerNeeds) {
  aws::EcsService service;
  service.desired_count = 1;  // 3 failed starts one after another
  EXPECT_EQ(breaker_start_budget(service), std::chrono::minutes(12));
  service.health_check_grace_period_seconds = 60;
  EXPECT_EQ(breaker_start_budget(service), std::chrono::minutes(15));
  service.desired_count = 6;  // 3 failed starts at once
  EXPECT_EQ(breaker_start_budget(service), std::chrono::minutes(5));
}

TEST(Follower, PrintsOnlyWhatChangedAndNoHistoricEvents) {
  const auto sequence = load("completed");
  const auto& snapshots = sequence.at("snapshots").as_array();
  DeploymentFollower follower(followed_of(sequence), FollowTimeouts{});
  const auto first = follower.observe(observation_from(snapshots.at(0).as_object()));
  // Two deployment lines; the steady-state event from an hour before is not ours.
  EXPECT_EQ(first.lines.size(), 2u);
  for (const auto& line : first.lines) EXPECT_EQ(line.find("event:"), std::string::npos) << line;
  const auto again = follower.observe(observation_from(snapshots.at(0).as_object()));
  EXPECT_TRUE(again.lines.empty());
  const auto second = follower.observe(observation_from(snapshots.at(1).as_object()));
  // Our deployment line changed, the old one did not; one new event; one target appeared.
  std::size_t deployments = 0, events = 0, targets = 0;
  for (const auto& line : second.lines) {
    deployments += line.starts_with("deployment ");
    events += line.starts_with("event: ");
    targets += line.starts_with("target ");
  }
  EXPECT_EQ(deployments, 1u);
  EXPECT_EQ(events, 1u);
  EXPECT_EQ(targets, 1u);
}

TEST(Follower, CompletedButShortOfDesiredIsNotYetASuccess) {
  auto sequence = load("completed");
  auto snapshot = sequence.at("snapshots").as_array().at(3).as_object();
  auto observation = observation_from(snapshot);
  observation.service.deployments.at(0).running_count = 1;
  DeploymentFollower follower(followed_of(sequence), FollowTimeouts{});
  EXPECT_EQ(follower.observe(observation).verdict, Verdict::in_progress);
}

}  // namespace
}  // namespace slipway::targets::ecs
