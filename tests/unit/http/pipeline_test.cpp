#include "http/pipeline.hpp"

#include <gtest/gtest.h>

#include "http/errors.hpp"
#include "telemetry/log.hpp"

namespace {

using namespace slipway::http;
namespace telemetry = slipway::telemetry;

Router test_router() {
  Router router;
  router.add(Verb::get, "/ok", [](const Request&, HandlerContext&) {
    return make_response(Status::ok, "fine", "text/plain");
  });
  router.add(Verb::get, "/throws", [](const Request&, HandlerContext&) -> Response {
    throw std::runtime_error("database password=hunter2 rejected");
  });
  router.add(Verb::get, "/teapot", [](const Request&, HandlerContext&) -> Response {
    throw HttpError(Status::conflict, "conflict", "try later", "internal detail");
  });
  return router;
}

class PipelineTest : public ::testing::Test {
 protected:
  Exchange run(Verb method, std::string target) {
    Request request{method, target, 11};
    auto exchange = pipeline.handle(request);
    pipeline.finish(exchange, exchange.response.body().size());
    return exchange;
  }

  std::string metrics() const { return registry.render_prometheus(); }

  telemetry::Registry registry;
  Pipeline pipeline{test_router(), registry, {.access_log = false}};
};

TEST_F(PipelineTest, AnswersAndCountsByRouteMethodStatus) {
  run(Verb::get, "/ok?x=1");
  run(Verb::get, "/ok");
  run(Verb::get, "/missing");
  const auto text = metrics();
  EXPECT_NE(text.find("http_requests_total{route=\"/ok\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("http_request_duration_seconds_count{route=\"/ok\"} 2"), std::string::npos);
  EXPECT_NE(text.find("http_requests_in_flight 0"), std::string::npos);
}

TEST_F(PipelineTest, HandlerExceptionsBecome500WithoutDetails) {
  const auto exchange = run(Verb::get, "/throws");
  EXPECT_EQ(exchange.response.result(), Status::internal_server_error);
  EXPECT_EQ(exchange.response.body().find("hunter2"), std::string::npos);
}

TEST_F(PipelineTest, HttpErrorsKeepTheirStatusAndPublicMessage) {
  const auto exchange = run(Verb::get, "/teapot");
  EXPECT_EQ(exchange.response.result(), Status::conflict);
  EXPECT_NE(exchange.response.body().find("try later"), std::string::npos);
  EXPECT_EQ(exchange.response.body().find("internal detail"), std::string::npos);
}

TEST_F(PipelineTest, UnknownMethodsGetABoundedLabel) {
  run(Verb::propfind, "/ok");
  EXPECT_NE(metrics().find("route=\"/ok\",method=\"OTHER\",status=\"405\""), std::string::npos);
}

// RFC 9112 §3.2.2: a server must accept the absolute form, and route by its path.
TEST_F(PipelineTest, AbsoluteFormTargetsAreRoutedByTheirPath) {
  for (const auto* target : {"http://example/ok", "HTTPS://example:8443/ok?x=1"}) {
    const auto exchange = run(Verb::get, target);
    EXPECT_EQ(exchange.response.result(), Status::ok) << target;
    EXPECT_EQ(exchange.path, "/ok") << target;
    EXPECT_FALSE(exchange.close_after) << target;
  }
}

TEST_F(PipelineTest, OtherTargetFormsAre400AndClose) {
  for (const auto* target :
       {"*", "example/ok", "example:80", "ftp://example/ok", "http://user@example/ok", "http:///ok",
        "/../ok", "/%zz", "http://example/a/../../ok"}) {
    const auto exchange = run(Verb::get, target);
    EXPECT_EQ(exchange.response.result(), Status::bad_request) << target;
    EXPECT_TRUE(exchange.close_after) << target;
  }
}

TEST_F(PipelineTest, ResponsesCarryIdsAndDate) {
  const auto exchange = run(Verb::get, "/ok");
  EXPECT_EQ(exchange.response["X-Request-Id"].size(), 16u);
  EXPECT_TRUE(
      exchange.response["traceparent"].starts_with("00-" + std::string(exchange.trace.trace_id())));
  EXPECT_TRUE(exchange.response[beast_http::field::date].ends_with(" GMT"));
  EXPECT_EQ(exchange.response[beast_http::field::content_length], "4");
}

TEST_F(PipelineTest, RejectAnswersJsonAndCloses) {
  auto exchange = pipeline.reject(Status::payload_too_large, "body_too_large", "too big");
  pipeline.finish(exchange, 0);
  EXPECT_FALSE(exchange.response.keep_alive());
  EXPECT_NE(exchange.response.body().find("\"error\":\"body_too_large\""), std::string::npos);
  EXPECT_NE(metrics().find("route=\"invalid\",method=\"OTHER\",status=\"413\""), std::string::npos);
}

}  // namespace

namespace {

// Records what the pipeline shows an observer; samples nothing the caller left undecided.
class RecordingObserver final : public ExchangeObserver {
 public:
  void started(telemetry::TraceContext& trace) override {
    if (!trace.sampling_decided()) trace.set_sampled(false);
  }
  void finished(const Exchange& exchange, std::string_view route,
                std::chrono::steady_clock::duration) override {
    seen.emplace_back(std::string(route), exchange.response.result_int());
  }
  std::vector<std::pair<std::string, unsigned>> seen;
};

TEST(PipelineObserver, DecidesSamplingBeforeTheHeadersAndSeesEveryFinishedExchange) {
  telemetry::Registry registry;
  RecordingObserver observer;
  Pipeline pipeline{test_router(), registry, {.access_log = false, .observer = &observer}};

  Request undecided{Verb::get, "/ok", 11};
  auto first = pipeline.handle(undecided);
  pipeline.finish(first, 0);
  EXPECT_TRUE(first.response["traceparent"].ends_with("-00")) << first.response["traceparent"];

  Request decided{Verb::get, "/missing", 11};
  decided.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto second = pipeline.handle(decided);
  pipeline.finish(second, 0);
  EXPECT_TRUE(second.response["traceparent"].ends_with("-01")) << "the caller's decision stands";

  EXPECT_EQ(observer.seen,
            (std::vector<std::pair<std::string, unsigned>>{{"/ok", 200}, {"unmatched", 404}}));
}

}  // namespace
