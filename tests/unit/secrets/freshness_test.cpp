// Staleness over a fake store: which versions count as current, what is stale, and that the check
// reads metadata only (DescribeSecret, undecrypted GetParameters) in as few calls as allowed.
#include "secrets/freshness.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "aws/errors.hpp"
#include "secrets/errors.hpp"

namespace slipway::secrets {
namespace {

const std::string kArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

class MetadataStore : public SecretStore {
 public:
  std::map<std::string, aws::SecretDescription> descriptions;  // ARN → versions and stages
  std::map<std::string, std::int64_t> parameter_versions;      // name → latest version
  std::vector<std::size_t> parameter_calls;                    // names per call
  int describe_calls = 0;

  aws::BatchSecretResult batch_get_secret_value(const std::vector<std::string>&) override {
    throw std::logic_error("a freshness check must not read secret values");
  }
  aws::SecretValue get_secret_value(const std::string&, const std::optional<std::string>&,
                                    const std::optional<std::string>&) override {
    throw std::logic_error("a freshness check must not read secret values");
  }
  aws::GetParametersResult get_parameters(const std::vector<std::string>&,
                                          const std::string&) override {
    throw std::logic_error("a freshness check must not decrypt parameters");
  }
  aws::SecretDescription describe_secret(const std::string& id) override {
    ++describe_calls;
    auto found = descriptions.find(id);
    if (found == descriptions.end()) {
      throw aws::ServiceError("Secrets Manager can't find the specified secret.",
                              "ResourceNotFoundException", 400);
    }
    return found->second;
  }
  aws::GetParametersResult get_parameter_versions(const std::vector<std::string>& names,
                                                  const std::string&) override {
    parameter_calls.push_back(names.size());
    aws::GetParametersResult result;
    for (const auto& name : names) {
      if (auto found = parameter_versions.find(name); found != parameter_versions.end()) {
        result.parameters.push_back({.name = name,
                                     .type = "SecureString",
                                     .value = "ciphertext",
                                     .arn = {},
                                     .version = found->second});
      } else {
        result.invalid_parameters.push_back(name);
      }
    }
    return result;
  }
};

// After one rotation: v2 is AWSCURRENT, v1 AWSPREVIOUS (what PutSecretValue leaves behind).
MetadataStore rotated_once() {
  MetadataStore store;
  store.descriptions[kArn] = {
      .arn = kArn, .name = "db", .versions = {{"v1", {"AWSPREVIOUS"}}, {"v2", {"AWSCURRENT"}}}};
  return store;
}

TEST(SecretFreshness, AReplicaStartedOnThePreviousVersionIsStale) {
  auto store = rotated_once();
  const auto result =
      check_freshness({{"DATABASE_PASSWORD", kArn}}, {{"DATABASE_PASSWORD", "v1"}}, {}, &store);
  ASSERT_EQ(result.size(), 1U);
  EXPECT_EQ(result[0].running, "v1");
  EXPECT_EQ(result[0].current, "v2");
  EXPECT_TRUE(result[0].stale());
  EXPECT_TRUE(any_stale(result));
}

TEST(SecretFreshness, TheCurrentVersionIsNotStale) {
  auto store = rotated_once();
  const auto result =
      check_freshness({{"DATABASE_PASSWORD", kArn}}, {{"DATABASE_PASSWORD", "v2"}}, {}, &store);
  EXPECT_FALSE(result[0].stale());
  EXPECT_FALSE(any_stale(result));
}

TEST(SecretFreshness, ASecretTheAppReloadsIsNeverStale) {
  auto store = rotated_once();
  const auto result =
      check_freshness({{"API_KEY", kArn}}, {{"API_KEY", "v1"}}, {"API_KEY"}, &store);
  EXPECT_EQ(result[0].current, "v2");
  EXPECT_TRUE(result[0].reloaded_by_app);
  EXPECT_FALSE(result[0].stale());
}

TEST(SecretFreshness, AStageInTheReferenceIsFollowedAndAPinnedIdNeverMoves) {
  auto store = rotated_once();
  const auto result =
      check_freshness({{"OLD", kArn + "::AWSPREVIOUS:"}, {"PINNED", kArn + ":::v1"}},
                      {{"OLD", "v1"}, {"PINNED", "v1"}}, {}, &store);
  EXPECT_EQ(result[0].current, "v1");
  EXPECT_FALSE(result[0].stale());
  EXPECT_EQ(result[1].current, "v1");
  EXPECT_FALSE(result[1].stale());
  EXPECT_EQ(store.describe_calls, 1);  // the pinned id needs no call
}

TEST(SecretFreshness, ParametersAreComparedByVersionInBatchesOfTen) {
  MetadataStore store;
  std::vector<SecretRequest> requests;
  std::map<std::string, std::string> running;
  for (int i = 0; i < 12; ++i) {
    const auto name = "/app/p" + std::to_string(i);
    store.parameter_versions[name] = i == 11 ? 4 : 3;
    requests.push_back({"P" + std::to_string(i), name});
    running["P" + std::to_string(i)] = "3";
  }
  const auto result = check_freshness(requests, running, {}, &store);
  EXPECT_EQ(store.parameter_calls, (std::vector<std::size_t>{10, 2}));
  for (int i = 0; i < 11; ++i) EXPECT_FALSE(result[i].stale()) << result[i].name;
  EXPECT_EQ(result[11].current, "4");
  EXPECT_TRUE(result[11].stale());
}

TEST(SecretFreshness, LocalReferencesHaveNoVersionAndNeedNoStore) {
  const auto result = check_freshness({{"TOKEN", "env://TOKEN"}}, {}, {}, nullptr);
  EXPECT_EQ(result[0].current, "");
  EXPECT_FALSE(result[0].stale());
}

TEST(SecretFreshness, UnrecordedVersionsOfAVersionedSecretAreStale) {
  // A release recorded before versions were kept: restarting is the only way to know.
  auto store = rotated_once();
  const auto result = check_freshness({{"DATABASE_PASSWORD", kArn}}, {}, {}, &store);
  EXPECT_TRUE(result[0].stale());
}

TEST(SecretFreshness, ADeletedSecretOrParameterIsAOneLineErrorNamingTheVariable) {
  MetadataStore store;
  try {
    check_freshness({{"DATABASE_PASSWORD", kArn}}, {}, {}, &store);
    FAIL() << "expected ResolutionError";
  } catch (const ResolutionError& e) {
    EXPECT_NE(std::string(e.what()).find("DATABASE_PASSWORD"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no longer exists"), std::string::npos);
  }
  EXPECT_THROW(check_freshness({{"P", "/app/missing"}}, {}, {}, &store), ResolutionError);
}

TEST(SecretFreshness, RemoteReferencesWithoutAStoreAreRefused) {
  EXPECT_THROW(check_freshness({{"DATABASE_PASSWORD", kArn}}, {}, {}, nullptr), ResolutionError);
}

}  // namespace
}  // namespace slipway::secrets
