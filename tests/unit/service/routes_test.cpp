#include "service/routes.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/pipeline.hpp"

namespace {

using namespace slipway;
using namespace std::chrono_literals;

TEST(Routes, GreetingNamesTheRelease) {
  EXPECT_EQ(service::greeting("abc1234"), "hello from slipway, release abc1234\n");
}

TEST(Routes, VersionJson) {
  const service::BuildInfo build{"f00dfeed", false, 0, "1.2.3"};
  const auto doc = boost::json::parse(service::version_json(build, "abc1234", "")).as_object();
  EXPECT_EQ(doc.at("commit"), "abc1234");
  EXPECT_EQ(doc.at("built_commit"), "f00dfeed");
  EXPECT_EQ(doc.at("build_time"), "1970-01-01T00:00:00Z");
  EXPECT_TRUE(doc.at("image").is_null());
}

TEST(Routes, SlowMsIsBounded) {
  EXPECT_EQ(service::parse_slow_ms("/debug/slow?ms=250"), 250);
  EXPECT_EQ(service::parse_slow_ms("/debug/slow?a=1&ms=0&b=2"), 0);
  EXPECT_FALSE(service::parse_slow_ms("/debug/slow?ms=60001"));
  EXPECT_FALSE(service::parse_slow_ms("/debug/slow?ms=-1"));
  EXPECT_FALSE(service::parse_slow_ms("/debug/slow"));
}

TEST(Routes, HealthFollowsFaults) {
  service::ServiceState state;
  const auto now = state.started;
  EXPECT_TRUE(service::is_healthy(state, now));
  state.faults.unhealthy_after = 10s;
  EXPECT_TRUE(service::is_healthy(state, now + 9s));
  EXPECT_FALSE(service::is_healthy(state, now + 10s));
  state.faults = {};
  state.faults.unready = true;
  EXPECT_FALSE(service::is_healthy(state, now));
}

TEST(Routes, ReadinessTurns503WhenDraining) {
  service::ServiceState state;
  telemetry::Registry registry;
  state.registry = &registry;
  http::Router router;
  service::add_routes(router, state);
  http::Pipeline pipeline(std::move(router), registry, {.access_log = false});
  http::Request request{http::Verb::get, "/readyz", 11};
  EXPECT_EQ(pipeline.handle(request).response.result(), http::Status::ok);
  state.draining = true;
  EXPECT_EQ(pipeline.handle(request).response.result(), http::Status::service_unavailable);
  http::Request health{http::Verb::get, "/healthz", 11};
  EXPECT_EQ(pipeline.handle(health).response.result(), http::Status::ok)
      << "draining is not dying: liveness stays 200";
}

TEST(Routes, SlowRouteExistsOnlyWhenAskedFor) {
  service::ServiceState state;
  telemetry::Registry registry;
  state.registry = &registry;
  http::Router router;
  service::add_routes(router, state);
  EXPECT_FALSE(router.match(http::Verb::get, "/debug/slow").path_exists);
}

}  // namespace
