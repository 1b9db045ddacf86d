// The resolver over a fake store: batching limits, all-or-nothing, JSON keys, redaction.
#include "secrets/resolver.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <stdexcept>

#include "aws/errors.hpp"
#include "core/redaction.hpp"
#include "secrets/errors.hpp"

namespace slipway::secrets {
namespace {

std::string arn(const std::string& name) {
  return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf";
}

// An in-memory store that counts calls and records batch sizes.
class FakeStore : public SecretStore {
 public:
  std::map<std::string, std::string> secrets;     // ARN → current value
  std::map<std::string, std::string> previous;    // ARN → AWSPREVIOUS value
  std::map<std::string, std::string> parameters;  // name → value
  std::vector<std::size_t> batch_sizes, parameter_batch_sizes;
  int single_calls = 0;
  bool deny_batch = false;

  aws::BatchSecretResult batch_get_secret_value(const std::vector<std::string>& ids) override {
    if (deny_batch) throw aws::ServiceError("denied", "AccessDeniedException", 400);
    batch_sizes.push_back(ids.size());
    aws::BatchSecretResult result;
    for (const auto& id : ids) {
      auto found = secrets.find(id);
      if (found == secrets.end()) {
        result.errors.push_back({id, "ResourceNotFoundException", "not found"});
      } else {
        result.values.push_back({.arn = id,
                                 .name = id.substr(id.rfind(':') + 1),
                                 .version_id = "v1",
                                 .version_stages = {"AWSCURRENT"},
                                 .secret_string = found->second});
      }
    }
    return result;
  }
  aws::SecretDescription describe_secret(const std::string&) override {
    throw std::logic_error("the resolver never describes a secret");
  }
  aws::GetParametersResult get_parameter_versions(const std::vector<std::string>&,
                                                  const std::string&) override {
    throw std::logic_error("the resolver reads parameters with their values");
  }
  aws::SecretValue get_secret_value(const std::string& id, const std::optional<std::string>& stage,
                                    const std::optional<std::string>&) override {
    ++single_calls;
    const auto& table = stage == "AWSPREVIOUS" ? previous : secrets;
    auto found = table.find(id);
    if (found == table.end()) throw aws::ServiceError("nf", "ResourceNotFoundException", 400);
    return {.arn = id,
            .name = id,
            .version_id = "v",
            .version_stages = {},
            .secret_string = found->second};
  }
  std::vector<std::string> parameter_regions;
  aws::GetParametersResult get_parameters(const std::vector<std::string>& names,
                                          const std::string& region) override {
    parameter_regions.push_back(region);
    parameter_batch_sizes.push_back(names.size());
    aws::GetParametersResult result;
    for (const auto& name : names) {
      if (auto found = parameters.find(name); found != parameters.end()) {
        result.parameters.push_back({.name = name,
                                     .type = "SecureString",
                                     .value = found->second,
                                     .arn = "",
                                     .version = 1});
      } else {
        result.invalid_parameters.push_back(name);
      }
    }
    return result;
  }
};

class Resolver : public ::testing::Test {
 protected:
  void SetUp() override { core::clear_registered_secrets_for_testing(); }
  FakeStore store;
};

TEST_F(Resolver, TwentyFiveSecretsAndFifteenParametersTakeFourCalls) {
  std::vector<SecretRequest> requests;
  for (int i = 0; i < 25; ++i) {
    store.secrets[arn("s" + std::to_string(i))] = "secret-value-" + std::to_string(i);
    requests.push_back({"S" + std::to_string(i), arn("s" + std::to_string(i))});
  }
  for (int i = 0; i < 15; ++i) {
    store.parameters["/p/" + std::to_string(i)] = "param-value-" + std::to_string(i);
    requests.push_back({"P" + std::to_string(i), "/p/" + std::to_string(i)});
  }
  auto resolved = resolve_secrets(requests, &store);
  ASSERT_EQ(resolved.size(), 40u);
  EXPECT_EQ(resolved[3].name, "S3");
  EXPECT_EQ(resolved[3].value, "secret-value-3");
  EXPECT_EQ(resolved[30].value, "param-value-5");
  EXPECT_EQ(store.batch_sizes, (std::vector<std::size_t>{20, 5}));
  EXPECT_EQ(store.parameter_batch_sizes, (std::vector<std::size_t>{10, 5}));
  EXPECT_EQ(store.single_calls, 0);
}

TEST_F(Resolver, TheSameSecretWithDifferentKeysIsFetchedOnce) {
  store.secrets[arn("db")] = R"({"user":"admin","password":"hunter22","port":5432})";
  auto resolved = resolve_secrets({{"USER", arn("db") + ":user::"},
                                   {"PASSWORD", arn("db") + ":password::"},
                                   {"PORT", arn("db") + ":port::"}},
                                  &store);
  EXPECT_EQ(resolved[0].value, "admin");
  EXPECT_EQ(resolved[1].value, "hunter22");
  EXPECT_EQ(resolved[2].value, "5432");  // non-string JSON values are serialized
  EXPECT_EQ(store.batch_sizes, (std::vector<std::size_t>{1}));
}

TEST_F(Resolver, APinnedStageIsFetchedAlone) {
  store.secrets[arn("k")] = "current-key";
  store.previous[arn("k")] = "previous-key";
  auto resolved =
      resolve_secrets({{"NOW", arn("k")}, {"BEFORE", arn("k") + "::AWSPREVIOUS:"}}, &store);
  EXPECT_EQ(resolved[0].value, "current-key");
  EXPECT_EQ(resolved[1].value, "previous-key");
  EXPECT_EQ(store.single_calls, 1);
}

TEST_F(Resolver, OneMissingSecretFailsEverythingAndNamesIt) {
  store.secrets[arn("a")] = "value-aaaa";
  try {
    resolve_secrets({{"A", arn("a")}, {"B", arn("missing")}}, &store);
    FAIL();
  } catch (const ResolutionError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("secret B"), std::string::npos) << message;
    EXPECT_NE(message.find(arn("missing")), std::string::npos) << message;
    EXPECT_EQ(message.find("value-aaaa"), std::string::npos) << "a value leaked: " << message;
  }
}

TEST_F(Resolver, ParameterArnsAreBatchedPerRegion) {
  store.parameters["/p/a"] = "value-of-a";
  store.parameters["/p/b"] = "value-of-b";
  auto resolved = resolve_secrets({{"A", "/p/a"},
                                   {"B", "arn:aws:ssm:eu-west-3:1:parameter/p/b"},
                                   {"A2", "arn:aws:ssm:eu-west-3:1:parameter/p/a"}},
                                  &store);
  EXPECT_EQ(resolved[1].value, "value-of-b");
  EXPECT_EQ(resolved[2].value, "value-of-a");
  EXPECT_EQ(store.parameter_regions, (std::vector<std::string>{"", "eu-west-3"}));
  EXPECT_EQ(store.parameter_batch_sizes, (std::vector<std::size_t>{1, 2}));
}

TEST_F(Resolver, AMissingParameterNamesIt) {
  try {
    resolve_secrets({{"P", "/nope"}}, &store);
    FAIL();
  } catch (const ResolutionError& error) {
    EXPECT_NE(std::string(error.what()).find("/nope"), std::string::npos);
  }
}

TEST_F(Resolver, AMalformedReferenceFailsBeforeAnyCall) {
  store.secrets[arn("a")] = "value-aaaa";
  EXPECT_THROW(resolve_secrets({{"A", arn("a")}, {"B", arn("b") + ":x:y"}}, &store),
               ReferenceError);
  EXPECT_TRUE(store.batch_sizes.empty());
}

TEST_F(Resolver, MissingJsonKeyAndNonJsonSecretAreErrors) {
  store.secrets[arn("json")] = R"({"a":"bbbb"})";
  store.secrets[arn("text")] = "plain-text-secret";
  EXPECT_THROW(resolve_secrets({{"X", arn("json") + ":missing::"}}, &store), ResolutionError);
  try {
    resolve_secrets({{"X", arn("text") + ":key::"}}, &store);
    FAIL();
  } catch (const ResolutionError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("not a JSON object"), std::string::npos);
    EXPECT_EQ(message.find("plain-text-secret"), std::string::npos);
  }
}

TEST_F(Resolver, ADeniedBatchFallsBackToSingleReads) {
  store.deny_batch = true;
  store.secrets[arn("a")] = "value-aaaa";
  store.secrets[arn("b")] = "value-bbbb";
  auto resolved = resolve_secrets({{"A", arn("a")}, {"B", arn("b")}}, &store);
  EXPECT_EQ(resolved[1].value, "value-bbbb");
  EXPECT_EQ(store.single_calls, 2);
}

TEST_F(Resolver, EveryResolvedValueIsRegisteredForRedaction) {
  store.secrets[arn("a")] = "canary-4b1d9";
  setenv("SLIPWAY_TEST_LOCAL_SECRET", "local-canary-77", 1);
  resolve_secrets({{"A", arn("a")}, {"L", "env://SLIPWAY_TEST_LOCAL_SECRET"}}, &store);
  EXPECT_EQ(core::redact("x canary-4b1d9 y local-canary-77"), "x [REDACTED] y [REDACTED]");
}

TEST_F(Resolver, LocalReferencesNeedNoStore) {
  const auto path = ::testing::TempDir() + "/secret_file";
  std::ofstream(path) << "from-a-file\n";
  setenv("SLIPWAY_TEST_ENV_SECRET", "from-the-env", 1);
  auto resolved =
      resolve_secrets({{"F", "file://" + path}, {"E", "env://SLIPWAY_TEST_ENV_SECRET"}}, nullptr);
  EXPECT_EQ(resolved[0].value, "from-a-file");
  EXPECT_EQ(resolved[1].value, "from-the-env");
  EXPECT_THROW(resolve_secrets({{"U", "env://SLIPWAY_TEST_UNSET_VARIABLE"}}, nullptr),
               ResolutionError);
  EXPECT_THROW(resolve_secrets({{"R", arn("a")}}, nullptr), ResolutionError);
}

TEST_F(Resolver, DuplicateNamesAndTooShortValuesAreRefused) {
  store.secrets[arn("a")] = "value-aaaa";
  store.secrets[arn("short")] = "abc";
  EXPECT_THROW(resolve_secrets({{"A", arn("a")}, {"A", arn("a")}}, &store), ReferenceError);
  EXPECT_THROW(resolve_secrets({{"S", arn("short")}}, &store), ResolutionError);
}

TEST(TaskDefinition, ReadsTheSecretsOfTheFirstContainerWithSecrets) {
  const auto path = ::testing::TempDir() + "/taskdef.json";
  std::ofstream(path) << R"({"family":"f","containerDefinitions":[
      {"name":"sidecar"},
      {"name":"app","secrets":[{"name":"DB","valueFrom":"/app/db"},
                               {"name":"KEY","valueFrom":"env://K"}]}]})";
  auto requests = secrets_from_task_definition(path);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].name, "DB");
  EXPECT_EQ(requests[1].value_from, "env://K");
  EXPECT_TRUE(secrets_from_task_definition(path, "sidecar").empty());
  EXPECT_THROW(secrets_from_task_definition(path, "nope"), core::InputError);
  std::ofstream(path) << "{not json";
  EXPECT_THROW(secrets_from_task_definition(path), core::InputError);
}

TEST_F(Resolver, ReportsTheVersionEachValueWasReadAt) {
  store.secrets[arn("db")] = "database-password";
  store.previous[arn("key")] = "previous-api-key";
  store.parameters["/app/url"] = "postgres://db/app";
  ::setenv("SLIPWAY_RESOLVER_TEST_LOCAL", "local-value", 1);
  auto resolved = resolve_secrets({{"DB", arn("db")},
                                   {"OLD_KEY", arn("key") + "::AWSPREVIOUS:"},
                                   {"URL", "/app/url"},
                                   {"LOCAL", "env://SLIPWAY_RESOLVER_TEST_LOCAL"}},
                                  &store);
  ::unsetenv("SLIPWAY_RESOLVER_TEST_LOCAL");
  EXPECT_EQ(resolved[0].version, "v1");  // from the batch
  EXPECT_EQ(resolved[1].version, "v");   // from the single GetSecretValue at a stage
  EXPECT_EQ(resolved[2].version, "1");   // the SSM parameter's version
  EXPECT_EQ(resolved[3].version, "");    // local values have none
}

}  // namespace
}  // namespace slipway::secrets
