#include "http/request_target.hpp"

#include <gtest/gtest.h>

namespace {

using namespace slipway::http;

TEST(RequestTarget, PathOfOriginAndAbsoluteForms) {
  EXPECT_EQ(request_path("/a?x=1"), "/a");
  EXPECT_EQ(request_path("http://h/a?x=1"), "/a");
  EXPECT_EQ(request_path("HTTPS://h:443/a"), "/a");
  EXPECT_EQ(request_path("http://h:80"), "/");
  EXPECT_EQ(request_path("http://h?x"), "/");
  EXPECT_EQ(request_path("http://[::1]:80/a"), "/a");
}

TEST(RequestTarget, OtherFormsHaveNoPath) {
  for (const auto* target : {"*", "h:80", "a", "", "http://", "http:///", "http://u:p@h/a",
                             "ftp://h/a", "http:/h/a", "http://a..b/", "http://a_b/"}) {
    EXPECT_EQ(request_path(target), std::nullopt) << target;
  }
}

TEST(RequestTarget, PathsThatStayUnderTheRoot) {
  for (const auto* path : {"/", "/a", "/a/..", "/a/./b/../c", "//x", "/%41", "/a%2fb", "/.",
                           "/a/%2e%2e", "/%e2%82%ac"}) {
    EXPECT_TRUE(is_acceptable_path(path)) << path;
  }
}

// nginx answers 400 to each of these (tests/corpus/http: target-*).
TEST(RequestTarget, PathsRefused) {
  for (const auto* path : {"/..", "/../", "/a/../..", "/a/b/../../..", "/%2e%2e/", "/%2E%2E",
                           "/%00", "/a%00b", "/%zz", "/%", "/%4", "/a/%2e%2e%2f%2e%2e"}) {
    EXPECT_FALSE(is_acceptable_path(path)) << path;
  }
}

TEST(RequestTarget, HostsAsNginxJudgesThem) {
  for (const auto* host : {"localhost", "example.com.", "example.com:8080", "[::1]", "[::1]:80",
                           "127.0.0.1", "a_b", "a:abc", "example.com:"}) {
    EXPECT_TRUE(is_valid_host(host)) << host;
  }
  for (const auto* host : {"", ":80", ".", "..", "a..b", "a/b", "a\\b", "a b", "a\tb", "a\x7f"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

}  // namespace
