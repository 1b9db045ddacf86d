#include "service/routes.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <ctime>

#include "http/pipeline.hpp"
#include "telemetry/process_metrics.hpp"

namespace slipway::service {
namespace {

using http::Request;
using http::Response;
using http::Status;

std::string iso8601(std::int64_t epoch_seconds) {
  const auto seconds = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

bool is_healthy(const ServiceState& state, std::chrono::steady_clock::time_point now) {
  if (state.faults.unready) return false;
  if (state.faults.unhealthy_after && now - state.started >= *state.faults.unhealthy_after) {
    return false;
  }
  return true;
}

std::string greeting(std::string_view release) {
  return "hello from slipway, release " + std::string(release) + "\n";
}

std::string version_json(const BuildInfo& build, std::string_view release, std::string_view image) {
  boost::json::object doc;
  doc["commit"] = release;
  doc["built_commit"] = build.commit;
  doc["version"] = build.version;
  doc["build_time"] = iso8601(build.time);
  doc["dirty"] = build.dirty;
  if (image.empty()) {
    doc["image"] = nullptr;
  } else {
    doc["image"] = image;
  }
  return boost::json::serialize(doc) + "\n";
}

std::optional<long> parse_slow_ms(std::string_view target) {
  const auto key = target.find("ms=");
  if (key == std::string_view::npos) return std::nullopt;
  auto digits = target.substr(key + 3);
  digits = digits.substr(0, digits.find('&'));
  long value = -1;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value < 0 || value > 60'000) {
    return std::nullopt;
  }
  return value;
}

void add_routes(http::Router& router, ServiceState& state) {
  using http::Verb;
  router.add(Verb::get, "/", [&state](const Request&, http::HandlerContext& ctx) {
    auto delay = state.faults.latency;
    if (state.faults.tail_percent > 0 &&
        fails_request(state.greetings_timed.fetch_add(1), state.faults.tail_percent)) {
      delay += state.faults.tail_latency;
    }
    if (delay.count() > 0) ctx.delay_response(delay);
    if (state.faults.errors_percent > 0 &&
        fails_request(state.greetings.fetch_add(1), state.faults.errors_percent)) {
      return http::make_error_response(Status::internal_server_error, "injected_fault",
                                       "FAULT_INJECT=errors_percent is set");
    }
    if (state.faults.errors) {
      return http::make_error_response(Status::internal_server_error, "injected_fault",
                                       "FAULT_INJECT=errors is set");
    }
    return http::make_response(Status::ok, greeting(state.release), "text/plain; charset=utf-8");
  });

  router.add(Verb::get, "/healthz", [&state](const Request&, http::HandlerContext&) {
    if (!is_healthy(state, std::chrono::steady_clock::now())) {
      return http::make_error_response(Status::service_unavailable, "unhealthy",
                                       "the process reports itself unhealthy");
    }
    return http::make_response(Status::ok, "ok\n", "text/plain; charset=utf-8");
  });

  router.add(Verb::get, "/readyz", [&state](const Request&, http::HandlerContext&) {
    if (state.draining.load()) {
      return http::make_error_response(Status::service_unavailable, "draining",
                                       "shutting down: send new requests elsewhere");
    }
    if (!is_healthy(state, std::chrono::steady_clock::now())) {
      return http::make_error_response(Status::service_unavailable, "unhealthy",
                                       "the process reports itself unhealthy");
    }
    return http::make_response(Status::ok, "ready\n", "text/plain; charset=utf-8");
  });

  router.add(Verb::get, "/version", [&state](const Request&, http::HandlerContext&) {
    return http::make_response(Status::ok, version_json(build_info(), state.release, state.image),
                               "application/json");
  });

  router.add(Verb::get, "/metrics", [&state](const Request&, http::HandlerContext&) {
    return http::make_response(Status::ok, state.registry->render_prometheus(),
                               "text/plain; version=0.0.4; charset=utf-8");
  });

  if (state.faults.slow_route) {
    router.add(Verb::get, "/debug/slow", [](const Request& request, http::HandlerContext& ctx) {
      const auto ms = parse_slow_ms(request.target());
      if (!ms) {
        return http::make_error_response(Status::bad_request, "bad_request",
                                         "give ms=N with N from 0 to 60000");
      }
      ctx.delay_response(std::chrono::milliseconds(*ms));
      return http::make_response(Status::ok, "slow " + std::to_string(*ms) + "ms\n",
                                 "text/plain; charset=utf-8");
    });
  }
}

}  // namespace slipway::service
