// SigV4 against the published aws-sig-v4 test suite (data/sigv4_testsuite.json, transcribed and
// self-checked: see its _source), plus the canonicalization rules case by case.
#include "aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "aws/credentials.hpp"

namespace slipway::aws {
namespace {

struct SuiteCase {
  std::string name;
  SignableRequest request;
  std::string session_token;
  std::string creq, sts, authz;
};

// Parses the suite's raw request text: "METHOD TARGET HTTP/1.1", header lines, blank, body.
SuiteCase parse_case(const boost::json::object& object) {
  SuiteCase out;
  out.name = std::string(object.at("name").as_string());
  out.creq = std::string(object.at("creq").as_string());
  out.sts = std::string(object.at("sts").as_string());
  out.authz = std::string(object.at("authz").as_string());
  const std::string raw(object.at("req").as_string());
  const auto head_end = raw.find("\n\n");
  const auto head = raw.substr(0, head_end);
  if (head_end != std::string::npos) out.request.payload = raw.substr(head_end + 2);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  out.request.method = line.substr(0, line.find(' '));
  auto target = line.substr(line.find(' ') + 1);
  target = target.substr(0, target.rfind(" HTTP/1.1"));
  const auto question = target.find('?');
  out.request.path = target.substr(0, question);
  if (question != std::string::npos) {
    std::istringstream query(target.substr(question + 1));
    std::string pair;
    while (std::getline(query, pair, '&')) {
      const auto equals = pair.find('=');
      out.request.query.emplace_back(
          uri_decode(pair.substr(0, equals)),
          equals == std::string::npos ? "" : uri_decode(pair.substr(equals + 1)));
    }
  }
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    auto name = line.substr(0, colon);
    auto value = line.substr(colon + 1);
    if (name == "X-Amz-Security-Token") {
      out.session_token = value;
      continue;  // sign() adds it from the credentials
    }
    out.request.headers.emplace_back(name, value);
  }
  return out;
}

std::vector<SuiteCase> load_suite() {
  std::ifstream in(std::string(SLIPWAY_TEST_DATA_DIR) + "/sigv4_testsuite.json");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto document = boost::json::parse(buffer.str()).as_object();
  std::vector<SuiteCase> cases;
  for (const auto& item : document.at("cases").as_array())
    cases.push_back(parse_case(item.as_object()));
  return cases;
}

const SigningScope kSuiteScope{.region = "us-east-1",
                               .service = "service",
                               .time = std::chrono::system_clock::time_point(
                                   std::chrono::seconds(1440938160)),  // 2015-08-30T12:36:00Z
                               .s3_path_rules = false};

TEST(SigV4Suite, HasTheTranscribedCases) {
  EXPECT_GE(load_suite().size(), 25u);
}

TEST(SigV4Suite, CanonicalRequestStringToSignAndAuthorizationMatchEveryCase) {
  for (auto& c : load_suite()) {
    SCOPED_TRACE(c.name);
    Credentials credentials{.access_key_id = "AKIDEXAMPLE",
                            .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            .session_token = c.session_token,
                            .expiration = std::nullopt,
                            .source = "test"};
    auto signed_request = c.request;
    sign(signed_request, credentials, kSuiteScope);
    const auto canonical = canonical_request(signed_request, false);
    EXPECT_EQ(canonical, c.creq);
    EXPECT_EQ(string_to_sign(canonical, kSuiteScope), c.sts);
    std::string authorization;
    for (const auto& [name, value] : signed_request.headers) {
      if (name == "Authorization") authorization = value;
    }
    EXPECT_EQ(authorization, c.authz);
  }
}

TEST(SigV4, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(amz_date(kSuiteScope.time), "20150830T123600Z");
}

TEST(SigV4, UriEncodeKeepsOnlyUnreservedAndOptionallySlash) {
  EXPECT_EQ(uri_encode("a b/c~d*e+f=g"), "a%20b%2Fc~d%2Ae%2Bf%3Dg");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(uri_encode("\xE1\x88\xB4"), "%E1%88%B4");
}

TEST(SigV4, UriDecodeLeavesPlusAndBadEscapes) {
  EXPECT_EQ(uri_decode("a%20b+c%2"), "a b+c%2");
  EXPECT_EQ(uri_decode("%zz%41"), "%zzA");
}

TEST(SigV4, CanonicalUriEncodesAgainForNonS3AndNotForS3) {
  EXPECT_EQ(canonical_uri("/a%20b", false), "/a%2520b");
  EXPECT_EQ(canonical_uri("/a%20b", true), "/a%20b");
  EXPECT_EQ(canonical_uri("", false), "/");
  EXPECT_EQ(canonical_uri("/a/b/../c/./d/", false), "/a/c/d/");
}

TEST(SigV4, UnsignedHeadersAreLeftOut) {
  HeaderList headers{{"User-Agent", "x"},
                     {"Host", "h"},
                     {"X-Amzn-Trace-Id", "t"},
                     {"x-amz-target", "T"},
                     {"Content-Type", "c"}};
  EXPECT_EQ(signed_header_names(headers),
            (std::vector<std::string>{"content-type", "host", "x-amz-target"}));
}

TEST(SigV4, SigningTwiceReplacesTheAuthHeaders) {
  SignableRequest request{.method = "POST",
                          .path = "/",
                          .query = {},
                          .headers = {{"Host", "example.amazonaws.com"}},
                          .payload = "{}"};
  Credentials credentials{.access_key_id = "AK",
                          .secret_access_key = "SK",
                          .session_token = "TOK",
                          .expiration = std::nullopt,
                          .source = "test"};
  sign(request, credentials, kSuiteScope);
  sign(request, credentials, kSuiteScope);
  int authorizations = 0, tokens = 0;
  for (const auto& [name, value] : request.headers) {
    authorizations += name == "Authorization";
    tokens += name == "X-Amz-Security-Token";
  }
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(tokens, 1);
}

TEST(SigV4, ADifferentSecretGivesADifferentSignature) {
  SignableRequest request{.method = "GET",
                          .path = "/",
                          .query = {},
                          .headers = {{"Host", "example.amazonaws.com"}},
                          .payload = ""};
  const auto to_sign = string_to_sign(canonical_request(request, false), kSuiteScope);
  EXPECT_NE(signature("secret-a", kSuiteScope, to_sign),
            signature("secret-b", kSuiteScope, to_sign));
}

// The derived key is kept per thread between signatures: a change of secret, day, region or
// service must derive a new one. Each signature is compared with one from a fresh thread (which
// has derived nothing yet) after the other scopes were signed on this one.
TEST(SigV4, TheDerivedKeyFollowsTheSecretDayRegionAndService) {
  auto fresh = [](std::string secret, SigningScope scope) {
    std::string out;
    std::thread([&] { out = signature(secret, scope, "to sign"); }).join();
    return out;
  };
  SigningScope other_day = kSuiteScope;
  other_day.time += std::chrono::hours(24);
  SigningScope other_region = kSuiteScope;
  other_region.region = "eu-west-1";
  SigningScope other_service = kSuiteScope;
  other_service.service = "xray";
  const std::vector<std::pair<std::string, SigningScope>> cases{
      {"secret-a", kSuiteScope},  {"secret-b", kSuiteScope},   {"secret-a", other_day},
      {"secret-a", other_region}, {"secret-a", other_service}, {"secret-a", kSuiteScope}};
  std::set<std::string> distinct;
  for (const auto& [secret, scope] : cases) {
    const auto signed_here = signature(secret, scope, "to sign");
    EXPECT_EQ(signed_here, fresh(secret, scope));
    distinct.insert(signed_here);
  }
  EXPECT_EQ(distinct.size(), 5u);
}

}  // namespace
}  // namespace slipway::aws
