#include "release/spec.hpp"

#include <gtest/gtest.h>

#include "release/errors.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::release::parse_spec;
using slipway::release::SpecError;

TEST(Spec, MinimalSpecGetsDefaults) {
  auto spec = parse_spec("service: web\n", "slipway.yaml");
  EXPECT_EQ(spec.service, "web");
  EXPECT_EQ(spec.image_repository, "app");
  EXPECT_EQ(spec.target, slipway::release::TargetKind::vm);
  EXPECT_EQ(spec.vm.listener_port, 8080);
  EXPECT_EQ(spec.vm.health_check.path, "/readyz");
  EXPECT_EQ(spec.vm.health_check.interval, 1000ms);
  EXPECT_EQ(spec.vm.drain_delay, 10s);
  EXPECT_EQ(spec.vm.replica_ports.first, 15000);
  EXPECT_EQ(spec.vm.replica_ports.last, 19999);
  EXPECT_EQ(spec.task_definition_file, "deploy/taskdef.json");
}

TEST(Spec, ReadsEveryVmField) {
  auto spec = parse_spec(R"(
service: app
image_repository: registry.local/app
target: vm
vm:
  listener: {address: 127.0.0.2, port: 9090}
  haproxy: {stats_address: 127.0.0.3, stats_port: 9404}
  health_check: {path: /healthz, interval: 500ms, healthy_threshold: 3, unhealthy_threshold: 4, timeout: 200ms}
  drain_delay: 7s
  bake_time: 2m
  bake_max_5xx_ratio: 0.05
  ready_timeout: 20s
  engine: process
  replica_ports: 21000-21099
  latency_judge: {p99_max_ratio: 1.5, floor: 8ms, min_samples: 400}
)",
                         "slipway.yaml");
  EXPECT_EQ(spec.image_repository, "registry.local/app");
  EXPECT_EQ(spec.vm.listener_address, "127.0.0.2");
  EXPECT_EQ(spec.vm.listener_port, 9090);
  EXPECT_EQ(spec.vm.stats_address, "127.0.0.3");
  EXPECT_EQ(spec.vm.stats_port, 9404);
  EXPECT_EQ(spec.vm.health_check.path, "/healthz");
  EXPECT_EQ(spec.vm.health_check.interval, 500ms);
  EXPECT_EQ(spec.vm.health_check.healthy_threshold, 3);
  EXPECT_EQ(spec.vm.health_check.unhealthy_threshold, 4);
  EXPECT_EQ(spec.vm.health_check.timeout, 200ms);
  EXPECT_EQ(spec.vm.drain_delay, 7s);
  EXPECT_EQ(spec.vm.bake_time, 120s);
  EXPECT_DOUBLE_EQ(spec.vm.bake_max_5xx_ratio, 0.05);
  EXPECT_EQ(spec.vm.ready_timeout, 20s);
  EXPECT_EQ(spec.vm.engine, "process");
  EXPECT_EQ(spec.vm.replica_ports.first, 21000);
  EXPECT_EQ(spec.vm.replica_ports.last, 21099);
  EXPECT_DOUBLE_EQ(spec.vm.latency_p99_max_ratio, 1.5);
  EXPECT_EQ(spec.vm.latency_floor, 8ms);
  EXPECT_EQ(spec.vm.latency_min_samples, 400);
  // The tail judge's defaults.
  auto defaults = parse_spec("service: app\n", "slipway.yaml");
  EXPECT_DOUBLE_EQ(defaults.vm.latency_p99_max_ratio, 2.0);
  EXPECT_EQ(defaults.vm.latency_floor, 20ms);
  EXPECT_EQ(defaults.vm.latency_min_samples, 100);
}

TEST(Spec, BadInputNamesTheKey) {
  struct Case {
    const char* yaml;
    const char* expected_fragment;
  } cases[] = {
      {"image_repository: app\n", "service: required"},
      {"service: a b\n", "service: \"a b\" is invalid"},
      {"service: app\nvm: {listner: {port: 1}}\n", "vm.listner: unknown key"},
      {"service: app\nbogus: 1\n", "bogus: unknown key"},
      {"service: app\nvm: {listener: {port: 70000}}\n", "vm.listener.port: \"70000\" is invalid"},
      {"service: app\nvm: {listener: {port: http}}\n", "vm.listener.port"},
      {"service: app\nvm: {health_check: {interval: soon}}\n", "vm.health_check.interval"},
      {"service: app\nvm: {health_check: {interval: 1s, timeout: 2s}}\n",
       "vm.health_check.timeout"},
      {"service: app\nvm: {health_check: {path: readyz}}\n", "must start with /"},
      {"service: app\nvm: {bake_max_5xx_ratio: 2}\n", "vm.bake_max_5xx_ratio"},
      {"service: app\nvm: {engine: docker-compose}\n", "vm.engine"},
      {"service: app\nvm: {latency_judge: {p99_max_ratio: 0.5}}\n",
       "vm.latency_judge.p99_max_ratio: \"0.5\" is invalid; write a number from 1 to 100"},
      {"service: app\nvm: {latency_judge: {p99_max_ratio: 2x}}\n",
       "vm.latency_judge.p99_max_ratio"},
      {"service: app\nvm: {latency_judge: {floor: fast}}\n", "vm.latency_judge.floor"},
      {"service: app\nvm: {latency_judge: {min_samples: 5}}\n",
       "vm.latency_judge.min_samples: \"5\" is invalid; write a whole number from 10 to 1000000"},
      {"service: app\nvm: {latency_judge: {p99: 2}}\n", "vm.latency_judge.p99: unknown key"},
      {"service: app\ntarget: k8s\n", "target: \"k8s\""},
      {"service: app\ntarget: ecs\n", "ecs.cluster: required"},
      {"service: app\nvm: {listener: {port: 8404}}\n", "vm.haproxy.stats_port"},
      {"service: app\nimage_repository: app:1\n", "image_repository"},
      {"service: [app\n", "malformed YAML"},
      {"- a\n- b\n", "expected a mapping"},
      {"service: app\nvm: 3\n", "vm: expected a mapping"},
      {"service: app\nsecrets: {reloaded_by_app: API_KEY}\n", "expected a list of names"},
      {"service: app\nsecrets: {reloaded_by_app: [API-KEY]}\n", "not a variable name"},
      {"service: app\nsecrets: {reloaded_by_app: [[A]]}\n", "not a variable name"},
      {"service: app\nsecrets: {reloaded_by_app: [A, A]}\n", "listed twice"},
      {"service: app\nsecrets: {reload: [A]}\n", "secrets.reload: unknown key"},
      {"service: app\nvm: {replica_ports: 15000}\n",
       "vm.replica_ports: \"15000\" is not a port range"},
      {"service: app\nvm: {replica_ports: 2000-1000}\n", "is not a port range"},
      {"service: app\nvm: {replica_ports: 80-90}\n", "is not a port range"},
      {"service: app\nvm: {replica_ports: 15000-70000}\n", "is not a port range"},
      {"service: app\nvm: {replica_ports: a-b}\n", "is not a port range"},
      {"service: app\nvm: {replica_ports: 8000-9000}\n",
       "vm.replica_ports: 8000-9000 contains vm.listener.port 8080"},
      {"service: app\nvm: {replica_ports: 8400-8410}\n", "contains vm.haproxy.stats_port 8404"},
  };
  for (const auto& c : cases) {
    try {
      parse_spec(c.yaml, "slipway.yaml");
      ADD_FAILURE() << "accepted: " << c.yaml;
    } catch (const SpecError& e) {
      std::string message = e.what();
      EXPECT_TRUE(message.starts_with("slipway.yaml")) << message;
      EXPECT_NE(message.find(c.expected_fragment), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
  }
}

TEST(Spec, ReadsTheSecretsTheAppReloads) {
  EXPECT_TRUE(parse_spec("service: app\n", "slipway.yaml").secrets.reloaded_by_app.empty());
  auto spec =
      parse_spec("service: app\nsecrets:\n  reloaded_by_app: [API_KEY, TOKEN_2]\n", "slipway.yaml");
  EXPECT_EQ(spec.secrets.reloaded_by_app, (std::vector<std::string>{"API_KEY", "TOKEN_2"}));
  EXPECT_TRUE(parse_spec("service: app\nsecrets: {reloaded_by_app: }\n", "slipway.yaml")
                  .secrets.reloaded_by_app.empty());
}

TEST(Spec, EveryFieldIsDescribed) {
  for (const auto& field : slipway::release::spec_fields()) {
    EXPECT_FALSE(field.description.empty()) << field.key;
    EXPECT_FALSE(field.type.empty()) << field.key;
  }
}

TEST(Spec, MissingFileIsAnInputError) {
  EXPECT_THROW(slipway::release::load_spec("/nonexistent/slipway.yaml"), SpecError);
}

}  // namespace
