// Secret references with ECS semantics: a table of accepted and refused forms.
#include "secrets/reference.hpp"

#include <gtest/gtest.h>

#include "secrets/errors.hpp"

namespace slipway::secrets {
namespace {

constexpr const char* kArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";

TEST(Reference, PlainSecretsManagerArnIsTheCurrentVersion) {
  auto reference = parse_reference(kArn);
  EXPECT_EQ(reference.kind, ReferenceKind::secrets_manager);
  EXPECT_EQ(reference.target, kArn);
  EXPECT_FALSE(reference.json_key);
  EXPECT_TRUE(reference.is_current_version());
}

TEST(Reference, SuffixFieldsAreParsedAndEmptyMeansUnset) {
  auto reference = parse_reference(std::string(kArn) + ":password:AWSPREVIOUS:");
  EXPECT_EQ(reference.target, kArn);
  EXPECT_EQ(reference.json_key, "password");
  EXPECT_EQ(reference.version_stage, "AWSPREVIOUS");
  EXPECT_FALSE(reference.version_id);
  EXPECT_FALSE(reference.is_current_version());

  reference = parse_reference(std::string(kArn) + ":::");
  EXPECT_FALSE(reference.json_key);
  EXPECT_TRUE(reference.is_current_version());

  reference = parse_reference(std::string(kArn) + ":::1234-abcd");
  EXPECT_EQ(reference.version_id, "1234-abcd");
}

TEST(Reference, WrongNumberOfPartsIsRefusedWithTheCount) {
  for (const std::string suffix : {":key", ":key:AWSCURRENT", ":a:b:c:d"}) {
    try {
      parse_reference(std::string(kArn) + suffix);
      FAIL() << suffix;
    } catch (const ReferenceError& error) {
      EXPECT_NE(std::string(error.what()).find("not 2"), std::string::npos) << error.what();
    }
  }
}

TEST(Reference, StageAndVersionIdAreExclusive) {
  EXPECT_THROW(parse_reference(std::string(kArn) + ":key:AWSCURRENT:1234"), ReferenceError);
}

TEST(Reference, MalformedArnsAreRefused) {
  for (const char* bad :
       {"arn:aws:secretsmanager:us-east-1:123:parameter:x", "arn:aws:secretsmanager::123:secret:x",
        "arn:aws:secretsmanager:r::secret:x",
        "arn:aws:secretsmanager:r:1:secret:", "arn:aws:s3:::bucket", "arn:aws:ssm:r:1:secret/x",
        "arn:aws:ssm:r:1:parameter/", "arm:aws:secretsmanager:r:1:secret:x", "vault://x", "",
        "env://", "file://", "name with space"}) {
    EXPECT_THROW(parse_reference(bad), ReferenceError) << bad;
  }
}

TEST(Reference, SsmNamesAndArns) {
  auto by_name = parse_reference("/app/db_password");
  EXPECT_EQ(by_name.kind, ReferenceKind::ssm_parameter);
  EXPECT_EQ(by_name.target, "/app/db_password");
  EXPECT_EQ(parse_reference("plain-name").target, "plain-name");
  // The ARN of a hierarchical name drops its leading slash; the name gets it back.
  EXPECT_EQ(parse_reference("arn:aws:ssm:us-east-1:1:parameter/app/db").target, "/app/db");
  EXPECT_EQ(parse_reference("arn:aws:ssm:us-east-1:1:parameter/flat").target, "flat");
  EXPECT_EQ(parse_reference("arn:aws:ssm:eu-west-3:1:parameter/flat").region, "eu-west-3");
  EXPECT_EQ(parse_reference("/app/db").region, "");
  EXPECT_EQ(parse_reference(kArn).region, "us-east-1");
}

TEST(Reference, LocalSchemes) {
  auto env = parse_reference("env://DB_PASSWORD");
  EXPECT_EQ(env.kind, ReferenceKind::environment);
  EXPECT_EQ(env.target, "DB_PASSWORD");
  auto file = parse_reference("file:///run/secrets/db");
  EXPECT_EQ(file.kind, ReferenceKind::file);
  EXPECT_EQ(file.target, "/run/secrets/db");
}

}  // namespace
}  // namespace slipway::secrets
