#include "http/pipeline.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <ctime>

#include "http/errors.hpp"
#include "http/request_target.hpp"
#include "telemetry/log.hpp"

namespace slipway::http {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::uint64_t> next_pipeline_id{1};

// An incoming X-Request-Id is kept only when it is short and plain, so a client cannot inject
// text into our logs through it.
bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string_view method_label(Verb method) {
  switch (method) {
    case Verb::get:
    case Verb::head:
    case Verb::post:
    case Verb::put:
    case Verb::delete_:
    case Verb::patch:
    case Verb::options:
      return beast_http::to_string(method);
    default:
      return "OTHER";
  }
}

std::string_view http_date_now() {
  thread_local std::time_t cached_second = -1;
  thread_local std::array<char, 40> cached{};
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(cached.data(), cached.size(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return cached.data();
}

Pipeline::Pipeline(Router router, telemetry::Registry& registry, PipelineOptions options)
    : id_(next_pipeline_id.fetch_add(1)),
      router_(std::move(router)),
      options_(options),
      requests_(registry.counter("http_requests_total", "HTTP requests answered.",
                                 {"route", "method", "status"})),
      durations_(registry.histogram("http_request_duration_seconds",
                                    "Time from a complete request to its response sent.",
                                    {"route"})),
      in_flight_(
          registry.gauge("http_requests_in_flight", "Requests being handled now.").with({})) {
  for (const auto& route : router_.routes()) {
    if (label_index_.emplace(route->path, route_labels_.size()).second) {
      route_labels_.push_back(route->path);
    }
    route_index_.emplace(route.get(), label_index_.at(route->path));
  }
  unmatched_index_ = route_labels_.size();
  route_labels_.emplace_back("unmatched");
  invalid_index_ = route_labels_.size();
  route_labels_.emplace_back("invalid");
  // Children created up front: every route shows in /metrics from the first scrape.
  for (const auto& label : route_labels_) route_durations_.push_back(&durations_.with({label}));
}

Exchange Pipeline::start(std::string_view request_id, std::string_view traceparent,
                         std::string_view xray) {
  Exchange exchange;
  exchange.started = Clock::now();
  exchange.request_id =
      is_acceptable_request_id(request_id) ? std::string(request_id) : telemetry::random_hex(16);
  exchange.trace = telemetry::continue_or_start_trace(traceparent, xray);
  if (options_.observer != nullptr) options_.observer->started(exchange.trace);
  in_flight_.add(1);
  return exchange;
}

Exchange Pipeline::handle(Request& request) {
  Exchange exchange =
      start(request["X-Request-Id"], request["traceparent"], request["X-Amzn-Trace-Id"]);
  exchange.method = method_label(request.method());
  const auto target = request.target();
  const auto path = request_path(target);
  exchange.path = std::string(path ? *path : target_path(target));
  telemetry::LogContext log_context{exchange.request_id, exchange.trace.trace_id(),
                                    exchange.trace.span_id()};
  telemetry::ScopedLogContext scope(log_context);

  if (!path || !is_acceptable_path(*path)) {
    exchange.response = make_error_response(
        Status::bad_request, "bad_request",
        "request target must be an absolute path (valid escapes, not above the root) or an "
        "absolute http(s) URI");
    exchange.route_index = invalid_index_;
    exchange.close_after = true;
  } else if (const auto match = router_.match(request.method(), exchange.path); match.route) {
    exchange.route_index = route_index_.at(match.route);
    HandlerContext context;
    try {
      exchange.response = match.route->handler(request, context);
    } catch (const HttpError& e) {
      telemetry::logger().warn(e.what(), {{"status", static_cast<unsigned>(e.status())}});
      exchange.response = make_error_response(e.status(), e.code(), e.public_message());
    } catch (const std::exception& e) {
      telemetry::logger().error("handler failed", {{"error", e.what()}});
      exchange.response = make_error_response(Status::internal_server_error, "internal_error",
                                              "the server failed to answer; see its logs");
    }
    exchange.delay = context.delay();
  } else if (match.path_exists) {
    exchange.route_index = label_index_.find(exchange.path)->second;
    exchange.response = make_error_response(Status::method_not_allowed, "method_not_allowed",
                                            std::string(beast_http::to_string(request.method())) +
                                                " is not allowed on " + exchange.path +
                                                "; allowed: " + match.allow);
    exchange.response.set(beast_http::field::allow, match.allow);
  } else {
    exchange.route_index = unmatched_index_;
    exchange.response =
        make_error_response(Status::not_found, "not_found", "no route for " + exchange.path);
  }

  auto& response = exchange.response;
  response.version(request.version());
  response.set("X-Request-Id", exchange.request_id);
  response.set("traceparent", telemetry::format_traceparent(exchange.trace).view());
  if (request.find("X-Amzn-Trace-Id") != request.end()) {
    response.set("X-Amzn-Trace-Id", telemetry::format_xray_trace_id(exchange.trace).view());
  }
  response.set(beast_http::field::date, http_date_now());
  response.keep_alive(request.keep_alive() && !exchange.close_after);
  response.prepare_payload();
  if (request.method() == Verb::head) {
    // HEAD: the headers GET would send (Content-Length included), no body.
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return exchange;
}

Exchange Pipeline::reject(Status status, std::string_view code, std::string_view message) {
  Exchange exchange = start({}, {}, {});
  exchange.route_index = invalid_index_;
  exchange.method = "OTHER";
  exchange.close_after = true;
  exchange.response = make_error_response(status, code, message);
  exchange.response.set("X-Request-Id", exchange.request_id);
  exchange.response.set(beast_http::field::date, http_date_now());
  exchange.response.keep_alive(false);
  exchange.response.prepare_payload();
  return exchange;
}

telemetry::Counter& Pipeline::request_counter(std::size_t route_index, std::string_view method,
                                              unsigned status) {
  // The labelled lookup allocates and locks; a request should not. Each thread remembers the
  // few (route, method, status) children it has used.
  struct CacheEntry {
    std::uint64_t pipeline_id;  // not `this`: a later pipeline may reuse the address
    std::size_t route_index;
    std::string_view method;  // points at a static string from method_label()
    unsigned status;
    telemetry::Counter* counter;
  };
  thread_local std::vector<CacheEntry> cache;
  for (const auto& entry : cache) {
    if (entry.pipeline_id == id_ && entry.route_index == route_index && entry.status == status &&
        entry.method.data() == method.data()) {
      return *entry.counter;
    }
  }
  auto& counter = requests_.with({route_labels_[route_index], method, std::to_string(status)});
  if (cache.size() < 256) cache.push_back({id_, route_index, method, status, &counter});
  return counter;
}

void Pipeline::finish(const Exchange& exchange, std::uint64_t bytes) {
  const auto elapsed_time = Clock::now() - exchange.started;
  const auto elapsed = std::chrono::duration<double>(elapsed_time).count();
  const auto status = exchange.response.result_int();
  in_flight_.add(-1);
  request_counter(exchange.route_index, exchange.method, status).inc();
  route_durations_[exchange.route_index]->observe(elapsed);
  if (options_.observer != nullptr) {
    options_.observer->finished(exchange, route_labels_[exchange.route_index], elapsed_time);
  }
  if (!options_.access_log) return;
  auto& log = telemetry::logger();
  if (!log.enabled(telemetry::Level::info)) return;
  telemetry::LogContext log_context{exchange.request_id, exchange.trace.trace_id(),
                                    exchange.trace.span_id()};
  telemetry::ScopedLogContext scope(log_context);
  log.info("request", {{"method", exchange.method},
                       {"path", exchange.path},
                       {"route", route_labels_[exchange.route_index]},
                       {"status", status},
                       {"duration_ms", elapsed * 1000},
                       {"bytes", bytes}});
}

}  // namespace slipway::http
