#include "release/workload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "release/errors.hpp"
#include "release/spec.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::release::parse_json_document;
using slipway::release::read_workload;
using slipway::release::SpecError;

const char* kTaskdef = R"({
  "family": "app",
  "containerDefinitions": [{
    "name": "app", "image": "app:abc", "essential": true,
    "portMappings": [{"containerPort": 9000, "protocol": "tcp"}],
    "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "SHUTDOWN_DELAY", "value": "1s"}],
    "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}],
    "stopTimeout": 10
  }]
})";

const char* kService = R"({
  "serviceName": "app", "desiredCount": 3,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 150,
    "deploymentCircuitBreaker": {"enable": true, "rollback": true}}
})";

slipway::release::Workload read(const std::string& taskdef, const std::string& service) {
  return read_workload(parse_json_document(taskdef, "taskdef.json"), "taskdef.json",
                       parse_json_document(service, "service.json"), "service.json");
}

TEST(Workload, ReadsWhatTheVmTargetNeeds) {
  auto w = read(kTaskdef, kService);
  EXPECT_EQ(w.family, "app");
  EXPECT_EQ(w.container_name, "app");
  EXPECT_EQ(w.image, "app:abc");
  EXPECT_EQ(w.container_port, 9000);
  EXPECT_EQ(w.desired_count, 3);
  EXPECT_EQ(w.limits.minimum_healthy_percent, 50);
  EXPECT_EQ(w.limits.maximum_percent, 150);
  EXPECT_TRUE(w.limits.circuit_breaker_enable);
  EXPECT_TRUE(w.limits.circuit_breaker_rollback);
  EXPECT_EQ(w.environment.at("LOG_LEVEL"), "info");
  ASSERT_EQ(w.secrets.size(), 1u);
  EXPECT_EQ(w.secrets[0].name, "DB_PASSWORD");
  EXPECT_EQ(w.stop_timeout, 10s);
}

TEST(Workload, EcsDefaultsApplyWhenOmitted) {
  auto w = read(R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t"}]})", "{}");
  EXPECT_EQ(w.desired_count, 1);
  EXPECT_EQ(w.limits.minimum_healthy_percent, 100);
  EXPECT_EQ(w.limits.maximum_percent, 200);
  EXPECT_FALSE(w.limits.circuit_breaker_enable);
  EXPECT_EQ(w.stop_timeout, 30s);
  EXPECT_EQ(w.container_port, 8080);
}

TEST(Workload, BadDocumentsNameFileAndField) {
  struct Case {
    std::string taskdef;
    std::string service;
    const char* fragment;
  } cases[] = {
      {R"({"containerDefinitions":[]})", "{}", "taskdef.json: family: required"},
      {R"({"family":"f"})", "{}", "taskdef.json: containerDefinitions: required"},
      {R"({"family":"f","containerDefinitions":[{"name":"c"}]})", "{}",
       "containerDefinitions[0].image: required"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t","stopTimeout":500}]})",
       "{}", "stopTimeout: 500 is out of range"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t","portMappings":[{"containerPort":"80"}]}]})",
       "{}", "containerPort: expected a whole number"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t","environment":[{"name":"A","value":"1"}],"secrets":[{"name":"A","valueFrom":"x"}]}]})",
       "{}", "A is set twice"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t","secrets":[{"name":"A"}]}]})",
       "{}", "secrets[0].valueFrom: required"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t"}]})",
       R"({"desiredCount":-1})", "service.json: desiredCount"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t"}]})",
       R"({"deploymentConfiguration":{"maximumPercent":300}})",
       "maximumPercent: 300 is out of range"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t"}]})",
       R"({"deploymentConfiguration":{"maximumPercent":100}})",
       "must exceed minimumHealthyPercent"},
      {R"({"family":"f","containerDefinitions":[{"name":"c","image":"i:t"}]})",
       R"({"deploymentConfiguration":{"deploymentCircuitBreaker":{"enable":"yes"}}})",
       "enable: expected true or false"},
      {R"([1])", "{}", "taskdef.json: (document): expected a JSON object"},
  };
  for (const auto& c : cases) {
    try {
      read(c.taskdef, c.service);
      ADD_FAILURE() << "accepted: " << c.taskdef << " / " << c.service;
    } catch (const SpecError& e) {
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
    }
  }
}

TEST(Workload, MalformedJsonNamesTheLine) {
  try {
    parse_json_document("{\n  \"a\": 1,\n  \"b\": ,\n}", "deploy/service.json");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("deploy/service.json:3: malformed JSON"))
        << e.what();
  }
}

}  // namespace

namespace {

TEST(Workload, LoadRendersBothFilesRelativeToTheBaseDir) {
  auto dir = std::filesystem::temp_directory_path() /
             ("slipway_load_workload_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "deploy");
  std::ofstream(dir / "deploy/taskdef.json")
      << R"({"family": "${SERVICE}", "containerDefinitions": [{"name": "app", "image": "${IMAGE}",)"
      << R"( "secrets": [{"name": "DB", "valueFrom": "${DB_FROM:-env://DB}"}]}]})";
  std::ofstream(dir / "deploy/service.json") << R"({"desiredCount": ${COUNT}})";
  slipway::release::ServiceSpec spec;
  spec.service = "app";
  auto w = slipway::release::load_workload(
      spec, dir.string(), {{"SERVICE", "app"}, {"IMAGE", "app:abc"}, {"COUNT", "3"}});
  EXPECT_EQ(w.family, "app");
  EXPECT_EQ(w.image, "app:abc");
  EXPECT_EQ(w.desired_count, 3);
  EXPECT_EQ(w.secrets.at(0).value_from, "env://DB");
  try {
    slipway::release::load_workload(spec, dir.string(), {{"SERVICE", "app"}, {"IMAGE", "app:abc"}});
    ADD_FAILURE() << "COUNT unset was accepted";
  } catch (const SpecError& e) {
    EXPECT_STREQ(e.what(),
                 "deploy/service.json:1: ${COUNT} is not set: export COUNT or pass --var "
                 "COUNT=VALUE (vm verbs also read STATE/stack.env)");
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(slipway::release::load_workload(spec, dir.string(), {}), SpecError);
}

TEST(Workload, RecordedTaskDefinitionNeedsNoVariables) {
  auto dir = std::filesystem::temp_directory_path() /
             ("slipway_recorded_workload_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "deploy");
  std::ofstream(dir / "deploy/taskdef.json")
      << R"({"family": "${SERVICE}", "containerDefinitions": [{"name": "app", "image": "${IMAGE}",)"
      << R"( "environment": [{"name": "LOG_LEVEL", "value": "${LOG_LEVEL}"}],)"
      << R"( "secrets": [{"name": "DB", "valueFrom": "${DB_FROM}"}]}]})";
  std::ofstream(dir / "deploy/service.json") << R"({"desiredCount": ${COUNT:-2}})";
  slipway::release::ServiceSpec spec;
  spec.service = "app";
  const std::string arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
  auto deployed = slipway::release::load_workload(
      spec, dir.string(),
      {{"SERVICE", "app"}, {"IMAGE", "app:abc"}, {"LOG_LEVEL", "debug"}, {"DB_FROM", arn}});
  ASSERT_FALSE(deployed.task_definition.empty());
  EXPECT_EQ(deployed.task_definition.find("${"), std::string::npos);

  // Later, with none of the variables set, the recorded release reads back as it was.
  auto restored = slipway::release::load_recorded_workload(spec, dir.string(), {{"SERVICE", "app"}},
                                                           deployed.task_definition, "revision 1");
  EXPECT_EQ(restored.image, "app:abc");
  EXPECT_EQ(restored.environment.at("LOG_LEVEL"), "debug");
  EXPECT_EQ(restored.secrets.at(0).value_from, arn);
  EXPECT_EQ(restored.desired_count, 2);
  EXPECT_EQ(restored.task_definition, deployed.task_definition);
  EXPECT_THROW(slipway::release::load_workload(spec, dir.string(), {{"SERVICE", "app"}}),
               SpecError);
  EXPECT_THROW(slipway::release::load_recorded_workload(spec, dir.string(), {{"SERVICE", "app"}},
                                                        "{not json", "revision 1"),
               SpecError);
  std::filesystem::remove_all(dir);
}

}  // namespace
