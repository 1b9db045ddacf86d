// Rendering inputs: terraform outputs, Secrets Manager references and pinning, tags, diff,
// policy matching.
#include "targets/ecs/render.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "targets/ecs/diff.hpp"
#include "targets/ecs/errors.hpp"
#include "targets/ecs/policy.hpp"

namespace slipway::targets::ecs {
namespace {

TEST(TerraformOutputs, StringsAndNumbersUnderBothNames) {
  const auto outputs = parse_terraform_outputs(R"({
    "cluster_name": {"sensitive": false, "type": "string", "value": "slipway-local"},
    "desired_count": {"sensitive": false, "type": "number", "value": 2},
    "subnet_ids": {"sensitive": false, "type": ["list", "string"], "value": ["a", "b"]}})");
  EXPECT_EQ(outputs.at("cluster_name"), "slipway-local");
  EXPECT_EQ(outputs.at("CLUSTER_NAME"), "slipway-local");
  EXPECT_EQ(outputs.at("DESIRED_COUNT"), "2");
  EXPECT_FALSE(outputs.contains("SUBNET_IDS"));
  EXPECT_THROW(parse_terraform_outputs("not json"), EcsInputError);
}

TEST(SecretReference, TwoOrFivePartsAfterSecretAndPinningClearsTheStage) {
  const std::string arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
  auto plain = parse_secrets_manager_reference(arn);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->secret_arn, arn);
  EXPECT_EQ(pin_version(*plain, "v-1"), arn + ":::v-1");
  auto keyed = parse_secrets_manager_reference(arn + ":password:AWSPREVIOUS:");
  ASSERT_TRUE(keyed);
  EXPECT_EQ(keyed->json_key, "password");
  EXPECT_EQ(keyed->version_stage, "AWSPREVIOUS");
  EXPECT_EQ(pin_version(*keyed, "v-2"), arn + ":password::v-2");
  EXPECT_FALSE(parse_secrets_manager_reference(arn + ":password"));
  EXPECT_FALSE(parse_secrets_manager_reference("/slipway/db"));
  EXPECT_FALSE(parse_secrets_manager_reference("env://X"));
}

TEST(SecretReference, RewriteTouchesOnlyWhatThePinReturns) {
  auto document = boost::json::parse(R"({"containerDefinitions": [{"name": "app", "secrets": [
      {"name": "A", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:a-1"},
      {"name": "B", "valueFrom": "/ssm/b"}]}]})")
                      .as_object();
  EXPECT_EQ(secret_value_froms(document).size(), 2u);
  const auto pinned =
      rewrite_value_froms(document, [](const std::string& v) -> std::optional<std::string> {
        if (v.starts_with("arn:")) return v + ":::id";
        return std::nullopt;
      });
  EXPECT_EQ(pinned, std::vector<std::string>{"A"});
  EXPECT_EQ(secret_value_froms(document)[0], "arn:aws:secretsmanager:us-east-1:1:secret:a-1:::id");
  EXPECT_EQ(secret_value_froms(document)[1], "/ssm/b");
}

TEST(Tags, ValuesKeepEcsCharacterSetAndLength) {
  EXPECT_EQ(tag_value("a(b)c; d"), "a_b_c_ d");
  EXPECT_EQ(tag_value(std::string(300, 'x')).size(), 256u);
  const auto tags = release_tags(std::string(40, 'a'), "repo/app:x", "sha256:00", "me@host", "t");
  EXPECT_EQ(tags.at(std::string(kTagOutcome)), "in_progress");
  EXPECT_EQ(tags.at(std::string(kTagDigest)), "sha256:00");
  EXPECT_FALSE(release_tags("", "i", "", "w", "t").contains(std::string(kTagDigest)));
  EXPECT_EQ(commit_of_image("r/app:" + std::string(40, 'f')), std::string(40, 'f'));
  EXPECT_EQ(commit_of_image("r/app:latest"), "");
}

TEST(RegistrableCopy, KeepsEveryRequestMemberAndDropsTheReadOnlyOnes) {
  // A DescribeTaskDefinition answer's taskDefinition, every member set (Amazon ECS API
  // Reference, TaskDefinition data type).
  const auto described = boost::json::parse(R"({
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7",
    "family": "app", "revision": 7, "status": "ACTIVE", "taskRoleArn": "arn:task",
    "executionRoleArn": "arn:exec", "networkMode": "awsvpc",
    "containerDefinitions": [{"name": "app", "image": "r/app:x", "environment":
      [{"name": "LOG_LEVEL", "value": "debug"}], "secrets": [{"name": "P", "valueFrom": "arn:s"}]}],
    "volumes": [{"name": "v"}], "placementConstraints": [{"type": "memberOf", "expression": "e"}],
    "requiresCompatibilities": ["EC2"], "requiresAttributes": [{"name": "ecs.capability.x"}],
    "compatibilities": ["EC2", "FARGATE"], "cpu": "256", "memory": "512", "pidMode": "task",
    "ipcMode": "none", "proxyConfiguration": {"containerName": "envoy"},
    "inferenceAccelerators": [{"deviceName": "d", "deviceType": "t"}],
    "ephemeralStorage": {"sizeInGiB": 21}, "runtimePlatform": {"cpuArchitecture": "X86_64"},
    "enableFaultInjection": false, "registeredAt": 1.7e9, "registeredBy": "arn:me",
    "deregisteredAt": null})")
                             .as_object();
  const auto copy = registrable_copy(described);
  for (const auto* gone : {"taskDefinitionArn", "revision", "status", "requiresAttributes",
                           "compatibilities", "registeredAt", "registeredBy", "deregisteredAt"}) {
    EXPECT_FALSE(copy.contains(gone)) << gone;
  }
  EXPECT_EQ(copy.size(), described.size() - 8);
  for (const auto& [key, value] : copy) EXPECT_EQ(value, described.at(key)) << key;
}

TEST(Diff, IgnoresResponseOnlyMembersAndNamesChangedPaths) {
  const auto current = boost::json::parse(R"({"family": "app", "revision": 7, "status": "ACTIVE",
      "taskDefinitionArn": "x", "containerDefinitions": [{"image": "app:old", "cpu": 0,
      "environment": [{"name": "A", "value": "1"}]}]})")
                           .as_object();
  const auto next = boost::json::parse(R"({"family": "app", "containerDefinitions": [{"image":
      "app:new", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]})")
                        .as_object();
  const auto lines = diff_task_definitions(current, next);
  std::vector<std::string> paths;
  for (const auto& line : lines) paths.push_back(std::string(1, line.kind) + line.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"-containerDefinitions[0].cpu",
                                             "~containerDefinitions[0].image",
                                             "+containerDefinitions[0].environment[1].name",
                                             "+containerDefinitions[0].environment[1].value"}));
  EXPECT_TRUE(diff_task_definitions(next, next).empty());
}

TEST(Policy, AllowNeedsActionAndResourceAndDenyWins) {
  const std::vector<std::string> documents = {R"({"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
       "Resource": "arn:aws:secretsmanager:us-east-1:1:secret:app/db-*"},
      {"Effect": "Allow", "Action": "ssm:Get*", "Resource": ["arn:aws:ssm:us-east-1:1:parameter/app/*"]}]})"};
  EXPECT_TRUE(policies_allow(documents, "secretsmanager:GetSecretValue",
                             "arn:aws:secretsmanager:us-east-1:1:secret:app/db-AbCdEf"));
  EXPECT_FALSE(policies_allow(documents, "secretsmanager:GetSecretValue",
                              "arn:aws:secretsmanager:us-east-1:1:secret:app/api-AbCdEf"));
  EXPECT_TRUE(
      policies_allow(documents, "SSM:GetParameters", "arn:aws:ssm:us-east-1:1:parameter/app/x"));
  auto with_deny = documents;
  with_deny.push_back(R"({"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}})");
  EXPECT_FALSE(
      policies_allow(with_deny, "ssm:GetParameters", "arn:aws:ssm:us-east-1:1:parameter/app/x"));
  EXPECT_FALSE(policies_allow({"not json"}, "ssm:GetParameters", "x"));
  EXPECT_TRUE(iam_wildcard_match("a?c*", "abcdef", false));
  EXPECT_FALSE(iam_wildcard_match("a?c", "abcd", false));
}

}  // namespace
}  // namespace slipway::targets::ecs
