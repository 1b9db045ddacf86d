#include "http/router.hpp"

#include <gtest/gtest.h>

namespace {

using namespace slipway::http;

Handler answer(std::string text) {
  return [text](const Request&, HandlerContext&) { return make_response(Status::ok, text, "t"); };
}

TEST(Router, MatchesExactPathAndMethod) {
  Router router;
  router.add(Verb::get, "/a", answer("a"));
  router.add(Verb::post, "/a", answer("post a"));
  const auto get = router.match(Verb::get, "/a");
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->method, Verb::get);
  EXPECT_EQ(router.match(Verb::post, "/a").route->method, Verb::post);
  EXPECT_EQ(router.match(Verb::get, "/a/").route, nullptr);
  EXPECT_FALSE(router.match(Verb::get, "/b").path_exists);
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.add(Verb::get, "/a", answer("a"));
  const auto head = router.match(Verb::head, "/a");
  ASSERT_NE(head.route, nullptr);
  EXPECT_EQ(head.route->method, Verb::get);
}

TEST(Router, WrongMethodListsAllowed) {
  Router router;
  router.add(Verb::get, "/a", answer("a"));
  router.add(Verb::post, "/a", answer("a"));
  const auto match = router.match(Verb::delete_, "/a");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_exists);
  EXPECT_EQ(match.allow, "GET, HEAD, POST");
}

TEST(Router, RejectsDuplicatesAndRelativePaths) {
  Router router;
  router.add(Verb::get, "/a", answer("a"));
  EXPECT_THROW(router.add(Verb::get, "/a", answer("b")), std::invalid_argument);
  EXPECT_THROW(router.add(Verb::get, "a", answer("b")), std::invalid_argument);
}

TEST(Router, TargetPathDropsQueryAndFragment) {
  EXPECT_EQ(target_path("/a?x=1"), "/a");
  EXPECT_EQ(target_path("/a#f"), "/a");
  EXPECT_EQ(target_path("/a"), "/a");
}

}  // namespace
