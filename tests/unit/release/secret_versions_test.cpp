#include "release/secret_versions.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using slipway::release::compare_secret_versions;
using slipway::release::pin_secret_refs;
using slipway::release::SecretHolder;
using slipway::release::SecretRef;
using slipway::release::secrets_status;

const std::string kDb = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
const std::string kKey = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-GhIjKl";

std::vector<SecretRef> refs() {
  return {{"DATABASE_PASSWORD", kDb}, {"API_KEY", kKey}, {"LOCAL", "env://LOCAL"}};
}

TEST(CompareSecretVersions, StaleOnlyWhenAVersionedSecretMovedAndTheAppDoesNotReReadIt) {
  const auto rows = compare_secret_versions(
      refs(), {{"DATABASE_PASSWORD", "v1"}, {"API_KEY", "k1"}},
      {{"DATABASE_PASSWORD", "v2"}, {"API_KEY", "k2"}, {"LOCAL", ""}}, {"API_KEY"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].stale());   // moved, needs a restart
  EXPECT_FALSE(rows[1].stale());  // moved, but the app re-reads it
  EXPECT_FALSE(rows[2].stale());  // env:// has no versions
  const auto same = compare_secret_versions(refs(), {{"DATABASE_PASSWORD", "v2"}},
                                            {{"DATABASE_PASSWORD", "v2"}}, {});
  EXPECT_FALSE(same[0].stale());
  // Started with an unknown version (an unpinned ECS reference): a refresh makes it known.
  const auto unknown = compare_secret_versions(refs(), {{"DATABASE_PASSWORD", ""}},
                                               {{"DATABASE_PASSWORD", "v2"}}, {});
  EXPECT_TRUE(unknown[0].stale());
  // A holder whose task definition has no such secret does not run it: never stale.
  const auto unused = compare_secret_versions(refs(), {}, {{"DATABASE_PASSWORD", "v2"}}, {});
  EXPECT_FALSE(unused[0].used);
  EXPECT_FALSE(unused[0].stale());
}

TEST(SecretsStatus, CountsStaleHoldersPerSecretAndSaysWhichNeedARefresh) {
  const std::vector<SecretHolder> holders{{"r1", {{"DATABASE_PASSWORD", "v1"}, {"API_KEY", "k1"}}},
                                          {"r2", {{"DATABASE_PASSWORD", "v2"}, {"API_KEY", "k1"}}}};
  const auto status = secrets_status(
      refs(), holders, {{"DATABASE_PASSWORD", "v2"}, {"API_KEY", "k2"}, {"LOCAL", ""}}, {"API_KEY"},
      "replica");
  EXPECT_TRUE(status.any_stale);
  const auto& doc = status.document;
  EXPECT_TRUE(doc.at("stale").as_bool());
  const auto& secrets = doc.at("secrets").as_array();
  EXPECT_EQ(secrets[0].at("stale_replicas").as_int64(), 1);
  EXPECT_EQ(secrets[1].at("stale_replicas").as_int64(), 0);
  EXPECT_TRUE(secrets[1].at("reloaded_by_app").as_bool());
  const auto& replicas = doc.at("replicas").as_array();
  EXPECT_EQ(replicas[0].at("stale").as_array().size(), 1u);
  EXPECT_EQ(replicas[1].at("stale").as_array().size(), 0u);
  EXPECT_EQ(replicas[0].at("versions").at("DATABASE_PASSWORD").as_string(), "v1");
  ASSERT_EQ(status.lines.size(), 5u);
  EXPECT_NE(status.lines[0].find("1 of 2 replica(s) stale: run `slipway refresh`"),
            std::string::npos);
  EXPECT_NE(status.lines[1].find("re-read by the app"), std::string::npos);
  EXPECT_NE(status.lines[3].find("DATABASE_PASSWORD v1 (stale)"), std::string::npos);
  EXPECT_EQ(status.lines[4].find("(stale)"), std::string::npos);
}

TEST(SecretsStatus, NothingStaleWhenEveryHolderRunsTheCurrentVersions) {
  const auto status = secrets_status(refs(), {{"t1", {{"DATABASE_PASSWORD", "v2"}}}},
                                     {{"DATABASE_PASSWORD", "v2"}}, {}, "task");
  EXPECT_FALSE(status.any_stale);
  EXPECT_NE(status.lines[0].find("every task runs it"), std::string::npos);
  EXPECT_TRUE(status.document.contains("tasks"));
}

TEST(PinSecretRefs, PinsSecretsManagerReferencesThatFollowAStage) {
  const std::vector<SecretRef> in{{"A", kDb},
                                  {"B", kDb + ":password::"},
                                  {"C", kDb + "::AWSPREVIOUS:"},
                                  {"D", kDb + ":::already"},
                                  {"E", "/app/param"},
                                  {"F", kKey}};
  const auto out =
      pin_secret_refs(in, {{"A", "v1"}, {"B", "v2"}, {"C", "v3"}, {"D", "v4"}, {"E", "7"}});
  EXPECT_EQ(out[0].value_from, kDb + ":::v1");
  EXPECT_EQ(out[1].value_from, kDb + ":password::v2");
  EXPECT_EQ(out[2].value_from, kDb + ":::v3");
  EXPECT_EQ(out[3].value_from, kDb + ":::already");  // a pinned id stays
  EXPECT_EQ(out[4].value_from, "/app/param");        // SSM cannot be pinned in a reference
  EXPECT_EQ(out[5].value_from, kKey);                // no recorded version
}

}  // namespace
