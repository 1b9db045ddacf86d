// The credential chain: order, profiles, expiry and refresh ahead of it.
#include "aws/credentials.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "aws/config_file.hpp"
#include "aws/errors.hpp"
#include "aws/http_client.hpp"

namespace slipway::aws {
namespace {

using Clock = std::chrono::system_clock;

class ScriptedProvider : public CredentialsProvider {
 public:
  std::vector<std::optional<Credentials>> answers;
  bool fail = false;
  int loads = 0;
  std::optional<Credentials> load() override {
    ++loads;
    if (fail) throw CredentialsError("endpoint down");
    if (answers.empty()) return std::nullopt;
    auto answer = answers.front();
    if (answers.size() > 1) answers.erase(answers.begin());
    return answer;
  }
};

Credentials make(const std::string& key, std::optional<Clock::time_point> expiration) {
  return {.access_key_id = key,
          .secret_access_key = "s",
          .session_token = "",
          .expiration = expiration,
          .source = "script"};
}

TEST(CredentialsChain, FirstProviderWithCredentialsWins) {
  auto empty = std::make_unique<ScriptedProvider>();
  auto full = std::make_unique<ScriptedProvider>();
  full->answers = {make("second", std::nullopt)};
  auto* empty_raw = empty.get();
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::move(empty));
  providers.push_back(std::move(full));
  CredentialsChain chain(std::move(providers));
  EXPECT_EQ(chain.get().access_key_id, "second");
  EXPECT_EQ(chain.get().access_key_id, "second");
  EXPECT_EQ(empty_raw->loads, 1);  // long-term keys are not looked up again
}

TEST(CredentialsChain, RefreshesAheadOfExpiryAndKeepsValidOnesWhenRefreshFails) {
  auto provider = std::make_unique<ScriptedProvider>();
  auto* raw = provider.get();
  const auto soon = Clock::now() + std::chrono::minutes(5);  // inside the 10-minute window
  raw->answers = {make("first", soon), make("second", Clock::now() + std::chrono::hours(1))};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::move(provider));
  CredentialsChain chain(std::move(providers));
  EXPECT_EQ(chain.get().access_key_id, "first");
  EXPECT_EQ(chain.get().access_key_id, "second");  // refreshed ahead of expiry
  EXPECT_EQ(raw->loads, 2);
  EXPECT_EQ(chain.get().access_key_id, "second");  // fresh: no new load
  EXPECT_EQ(raw->loads, 2);
}

TEST(CredentialsChain, AFailedRefreshKeepsStillValidCredentials) {
  auto provider = std::make_unique<ScriptedProvider>();
  auto* raw = provider.get();
  raw->answers = {make("first", Clock::now() + std::chrono::minutes(5))};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::move(provider));
  CredentialsChain chain(std::move(providers));
  EXPECT_EQ(chain.get().access_key_id, "first");
  raw->fail = true;
  EXPECT_EQ(chain.get().access_key_id, "first");
}

TEST(CredentialsChain, ExpiredCredentialsAreAnErrorNamingTheSource) {
  auto provider = std::make_unique<ScriptedProvider>();
  provider->answers = {make("old", Clock::now() - std::chrono::minutes(1))};
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::move(provider));
  CredentialsChain chain(std::move(providers));
  try {
    chain.get();
    FAIL();
  } catch (const CredentialsError& error) {
    EXPECT_NE(std::string(error.what()).find("expired"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("script"), std::string::npos);
  }
}

TEST(CredentialsChain, NoCredentialsAnywhereIsAnError) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>());
  CredentialsChain chain(std::move(providers));
  EXPECT_THROW(chain.get(), CredentialsError);
}

TEST(EnvironmentProvider, ReadsKeysTokenAndExpiration) {
  setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "SKENV", 1);
  setenv("AWS_SESSION_TOKEN", "TOKENV", 1);
  setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z", 1);
  auto credentials = make_environment_provider()->load();
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->access_key_id, "AKENV");
  EXPECT_EQ(credentials->session_token, "TOKENV");
  EXPECT_EQ(credentials->expiration, parse_iso8601("2030-01-02T03:04:05Z"));
  unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_THROW(make_environment_provider()->load(), CredentialsError);
  unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_FALSE(make_environment_provider()->load());
  unsetenv("AWS_SESSION_TOKEN");
  unsetenv("AWS_CREDENTIAL_EXPIRATION");
}

TEST(ProfileProvider, ReadsTheNamedProfileFromCredentialsThenConfig) {
  const auto dir = ::testing::TempDir();
  std::ofstream(dir + "/creds")
      << "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = S\n"
         "[dev]\naws_access_key_id=AKDEV\naws_secret_access_key=S2\n"
         "aws_session_token=T2\n";
  std::ofstream(dir + "/config")
      << "[profile ops]\naws_access_key_id=AKOPS\naws_secret_access_key=S3\n";
  setenv("AWS_SHARED_CREDENTIALS_FILE", (dir + "/creds").c_str(), 1);
  setenv("AWS_CONFIG_FILE", (dir + "/config").c_str(), 1);
  unsetenv("AWS_PROFILE");
  EXPECT_EQ(make_profile_provider(std::nullopt)->load()->access_key_id, "AKDEF");
  auto dev = make_profile_provider(std::string("dev"))->load();
  EXPECT_EQ(dev->access_key_id, "AKDEV");
  EXPECT_EQ(dev->session_token, "T2");
  setenv("AWS_PROFILE", "ops", 1);
  EXPECT_EQ(make_profile_provider(std::nullopt)->load()->access_key_id, "AKOPS");
  EXPECT_THROW(make_profile_provider(std::string("missing"))->load(), ConfigError);
  unsetenv("AWS_PROFILE");
}

// The container provider's address and token rules are checked before any request is sent.
TEST(ContainerProvider, RefusesPlainHttpToANonLoopbackHostAndTokensWithLineBreaks) {
  HttpClient http;
  unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
  EXPECT_THROW(make_container_provider(http)->load(), ConfigError);
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "abc\r\nX-Injected: 1", 1);
  try {
    make_container_provider(http)->load();
    FAIL();
  } catch (const CredentialsError& error) {
    EXPECT_NE(std::string(error.what()).find("CR or LF"), std::string::npos);
  }
  unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  EXPECT_FALSE(make_container_provider(http)->load());  // not configured: the chain moves on
}

TEST(ImdsProvider, DisabledMeansNoCredentialsAndNoRequest) {
  HttpClient http;
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  // An endpoint that would fail loudly if contacted.
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a url", 1);
  EXPECT_FALSE(make_imds_provider(http)->load());
  unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

TEST(Iso8601, ParsesUtcWithOptionalFraction) {
  auto a = parse_iso8601("2024-05-06T07:08:09Z");
  auto b = parse_iso8601("2024-05-06T07:08:09.123Z");
  ASSERT_TRUE(a);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Clock::to_time_t(*a), 1714979289);
  EXPECT_FALSE(parse_iso8601("yesterday"));
  EXPECT_FALSE(parse_iso8601("2024-05-06T07:08:09+02:00"));
}

}  // namespace
}  // namespace slipway::aws
