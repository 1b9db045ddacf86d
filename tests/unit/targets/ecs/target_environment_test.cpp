// The repository's deploy/taskdef.json rendered per target: an ECS release traces to X-Ray in
// the deploy's region; a vm replica (same file) gets tracing off unless it is configured.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <map>
#include <string>

#include "release/spec.hpp"
#include "release/workload.hpp"
#include "targets/ecs/render.hpp"

namespace slipway::targets::ecs {
namespace {

const std::string kRepository = std::string(SLIPWAY_TEST_DATA_DIR) + "/../../../../..";

std::map<std::string, std::string> environment_of(const boost::json::object& task_definition) {
  std::map<std::string, std::string> out;
  const auto& container = task_definition.at("containerDefinitions").as_array().at(0).as_object();
  for (const auto& entry : container.at("environment").as_array()) {
    out[std::string(entry.at("name").as_string())] = std::string(entry.at("value").as_string());
  }
  return out;
}

class TargetEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"XRAY_TRACING", "AWS_REGION", "SERVICE"}) ::unsetenv(name);
    spec_.service = "app";
  }
  void TearDown() override { ::unsetenv("XRAY_TRACING"); }
  release::ServiceSpec spec_;
};

TEST_F(TargetEnvironment, AnEcsReleaseTracesInTheDeploysRegion) {
  ::setenv("AWS_REGION", "us-east-1", 1);  // the shell's; the deploy goes to --region's
  const auto env =
      environment_of(render_task_definition(spec_, kRepository, "r/app:1", {}, "eu-west-3"));
  ::unsetenv("AWS_REGION");
  EXPECT_EQ(env.at("XRAY_TRACING"), "on");
  EXPECT_EQ(env.at("AWS_REGION"), "eu-west-3");
}

TEST_F(TargetEnvironment, AnEcsReleaseMayTurnTracingOff) {
  ::setenv("XRAY_TRACING", "off", 1);
  EXPECT_EQ(environment_of(render_task_definition(spec_, kRepository, "i", {}, "us-east-1"))
                .at("XRAY_TRACING"),
            "off");
  ::unsetenv("XRAY_TRACING");
  EXPECT_EQ(environment_of(render_task_definition(spec_, kRepository, "i",
                                                  {{"XRAY_TRACING", "off"}}, "us-east-1"))
                .at("XRAY_TRACING"),
            "off");
}

TEST_F(TargetEnvironment, AVmReplicaDoesNotTraceUnlessConfigured) {
  const std::map<std::string, std::string> extra{{"IMAGE", "app:1"}, {"SERVICE", "app"}};
  EXPECT_EQ(release::load_workload(spec_, kRepository, extra).environment.at("XRAY_TRACING"),
            "off");
  ::setenv("XRAY_TRACING", "on", 1);  // the local stack's stack.env sets it
  EXPECT_EQ(release::load_workload(spec_, kRepository, extra).environment.at("XRAY_TRACING"), "on");
}

}  // namespace
}  // namespace slipway::targets::ecs
