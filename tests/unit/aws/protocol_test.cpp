// Endpoint and region resolution, error-type parsing, URL parsing, XML, retry classification.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <random>

#include "aws/config_file.hpp"
#include "aws/errors.hpp"
#include "aws/http_client.hpp"
#include "aws/iam.hpp"
#include "aws/retry.hpp"
#include "aws/secretsmanager.hpp"
#include "aws/session.hpp"
#include "aws/xml.hpp"

namespace slipway::aws {
namespace {

class CleanEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL",
          "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_IAM"}) {
      unsetenv(name);
    }
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  }
};

TEST_F(CleanEnvironment, RegionFlagWinsThenAwsRegionThenDefaultRegionThenProfile) {
  const std::string config = ::testing::TempDir() + "/aws_config";
  std::ofstream(config) << "[default]\nregion = eu-north-1\n[profile other]\nregion = ap-south-1\n";
  setenv("AWS_CONFIG_FILE", config.c_str(), 1);
  EXPECT_EQ(resolve_region(std::nullopt, std::nullopt), "eu-north-1");
  EXPECT_EQ(resolve_region(std::nullopt, std::string("other")), "ap-south-1");
  setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
  EXPECT_EQ(resolve_region(std::nullopt, std::nullopt), "us-west-1");
  setenv("AWS_REGION", "us-west-2", 1);
  EXPECT_EQ(resolve_region(std::nullopt, std::nullopt), "us-west-2");
  EXPECT_EQ(resolve_region(std::string("eu-west-1"), std::nullopt), "eu-west-1");
}

TEST_F(CleanEnvironment, MissingRegionIsAConfigErrorNamingTheFix) {
  try {
    resolve_region(std::nullopt, std::nullopt);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("--region"), std::string::npos);
  }
}

TEST_F(CleanEnvironment, EndpointFlagWinsThenServiceVariableThenGlobalThenDefault) {
  EXPECT_EQ(resolve_endpoint(kSecretsManager, "eu-west-1", std::nullopt).host,
            "secretsmanager.eu-west-1.amazonaws.com");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1000", 1);
  EXPECT_EQ(resolve_endpoint(kSecretsManager, "eu-west-1", std::nullopt).port, 1000);
  setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:2000", 1);
  EXPECT_EQ(resolve_endpoint(kSecretsManager, "eu-west-1", std::nullopt).port, 2000);
  EXPECT_EQ(
      resolve_endpoint(kSecretsManager, "eu-west-1", std::string("http://127.0.0.1:3000")).port,
      3000);
}

TEST_F(CleanEnvironment, TheSpecsRegionComesAfterTheEnvironmentAndBeforeTheProfile) {
  const std::string config = ::testing::TempDir() + "/aws_config_fallback";
  std::ofstream(config) << "[default]\nregion = eu-north-1\n";
  setenv("AWS_CONFIG_FILE", config.c_str(), 1);
  const std::optional<std::string> spec = "ca-central-1";
  EXPECT_EQ(resolve_region(std::nullopt, std::nullopt, spec), "ca-central-1");
  setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
  EXPECT_EQ(resolve_region(std::nullopt, std::nullopt, spec), "us-west-1");
  EXPECT_EQ(resolve_region(std::string("eu-west-1"), std::nullopt, spec), "eu-west-1");
}

TEST_F(CleanEnvironment, TheSpecsEndpointYieldsToEveryEndpointVariable) {
  const std::optional<std::string> spec = "http://127.0.0.1:4000";
  EXPECT_EQ(resolve_endpoint(kSecretsManager, "eu-west-1", std::nullopt, spec).port, 4000);
  // One service pointed elsewhere: that service goes there, the others to the spec's endpoint.
  setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:2000", 1);
  EXPECT_EQ(resolve_endpoint(kSecretsManager, "eu-west-1", std::nullopt, spec).port, 2000);
  EXPECT_EQ(resolve_endpoint(kIam, "eu-west-1", std::nullopt, spec).port, 4000);
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1000", 1);
  EXPECT_EQ(resolve_endpoint(kIam, "eu-west-1", std::nullopt, spec).port, 1000);
  EXPECT_EQ(
      resolve_endpoint(kSecretsManager, "eu-west-1", std::string("http://127.0.0.1:3000"), spec)
          .port,
      3000);
}

TEST_F(CleanEnvironment, GlobalServiceHasOneEndpointAndSigningRegionWhateverTheRegion) {
  EXPECT_EQ(resolve_endpoint(kIam, "eu-west-1", std::nullopt).host, "iam.amazonaws.com");
  EXPECT_EQ(resolve_endpoint(kIam, "us-west-2", std::nullopt).host, "iam.amazonaws.com");
  SessionOptions options;
  options.region = "eu-west-1";
  Session session(options);
  EXPECT_EQ(session.signing_region(kIam), "us-east-1");
  EXPECT_EQ(session.signing_region(kSecretsManager), "eu-west-1");
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1000", 1);  // moto: the override still wins
  EXPECT_EQ(resolve_endpoint(kIam, "eu-west-1", std::nullopt).port, 1000);
}

TEST(Url, ParsesSchemeHostPortAndPath) {
  auto url = parse_url("https://example.com", "x");
  EXPECT_TRUE(url.tls());
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.host_header(), "example.com");
  url = parse_url("http://127.0.0.1:4566/base", "x");
  EXPECT_EQ(url.port, 4566);
  EXPECT_EQ(url.path, "/base");
  EXPECT_EQ(url.host_header(), "127.0.0.1:4566");
  EXPECT_TRUE(url.is_loopback());
  EXPECT_EQ(parse_url("http://[::1]:80", "x").host, "::1");
}

TEST(Url, RejectsWhatIsNotAUrl) {
  for (const char* bad :
       {"127.0.0.1:4566", "ftp://x", "http://", "http://h:0", "http://h:99999", "http://h:12x"}) {
    EXPECT_THROW(parse_url(bad, "--endpoint-url"), ConfigError) << bad;
  }
}

TEST(ErrorType, KeepsTheNameBeforeColonAndAfterHash) {
  EXPECT_EQ(error_code_from_type("com.amazonaws.secretsmanager#ResourceNotFoundException"),
            "ResourceNotFoundException");
  EXPECT_EQ(error_code_from_type("AccessDeniedException:http://internal.amazon.com/"),
            "AccessDeniedException");
  EXPECT_EQ(error_code_from_type("aws#Code:extra"), "Code");
  EXPECT_EQ(error_code_from_type("Plain"), "Plain");
}

TEST(Xml, ReadsElementTextAndUnescapes) {
  const std::string body =
      "<GetCallerIdentityResponse xmlns=\"x\"><GetCallerIdentityResult><Arn>arn:a&amp;b</Arn>"
      "<UserId>U&#65;</UserId><Account>123</Account><Empty/></GetCallerIdentityResult>"
      "</GetCallerIdentityResponse>";
  EXPECT_EQ(xml_element_text(body, "Arn"), "arn:a&b");
  EXPECT_EQ(xml_element_text(body, "UserId"), "UA");
  EXPECT_EQ(xml_element_text(body, "Account"), "123");
  EXPECT_EQ(xml_element_text(body, "Empty"), "");
  EXPECT_EQ(xml_element_text(body, "Missing"), std::nullopt);
  EXPECT_EQ(xml_element_text(body, "Acc"), std::nullopt);  // a prefix is not the element
}

TEST(Retry, ThrottlingAndServerErrorsRetryClientErrorsDoNot) {
  EXPECT_TRUE(is_retryable_response(500, "InternalFailure"));
  EXPECT_TRUE(is_retryable_response(503, ""));
  EXPECT_TRUE(is_retryable_response(400, "ThrottlingException"));
  EXPECT_TRUE(is_retryable_response(429, ""));
  EXPECT_FALSE(is_retryable_response(400, "ResourceNotFoundException"));
  EXPECT_FALSE(is_retryable_response(403, "AccessDeniedException"));
}

TEST(Retry, FullJitterStaysWithinTheExponentialCeiling) {
  RetryPolicy policy{.max_attempts = 10,
                     .base = std::chrono::milliseconds(100),
                     .cap = std::chrono::milliseconds(1000)};
  std::mt19937_64 random(42);
  std::int64_t largest_first = 0, largest_late = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto first = backoff_delay(policy, 1, random).count();
    const auto late = backoff_delay(policy, 8, random).count();
    ASSERT_GE(first, 0);
    ASSERT_LE(first, 100);
    ASSERT_LE(late, 1000);
    largest_first = std::max(largest_first, first);
    largest_late = std::max(largest_late, late);
  }
  EXPECT_GT(largest_first, 50);  // jitter spreads over the whole range
  EXPECT_GT(largest_late, 500);  // and the ceiling grows to the cap
}

TEST(ConfigFile, ParsesSectionsAndRejectsBrokenLinesWithTheLineNumber) {
  auto file = parse_ini("# c\n[default]\nkey = v = w\n; c\n[profile x]\nregion=r\n", "cfg");
  EXPECT_EQ(file["default"]["key"], "v = w");
  EXPECT_EQ(file["profile x"]["region"], "r");
  try {
    parse_ini("[default\n", "cfg");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("cfg:1"), std::string::npos);
  }
  EXPECT_THROW(parse_ini("key=v\n", "cfg"), ConfigError);
}

TEST(ServiceErrorKinds, AccessDeniedFamily) {
  EXPECT_TRUE(ServiceError("m", "AccessDeniedException", 400).is_access_denied());
  EXPECT_TRUE(ServiceError("m", "SignatureDoesNotMatch", 403).is_access_denied());
  EXPECT_FALSE(ServiceError("m", "ResourceNotFoundException", 400).is_access_denied());
}

}  // namespace
}  // namespace slipway::aws
