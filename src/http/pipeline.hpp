#pragma once
// The request-handling path between the socket and the router: request id, trace context,
// routing (404/405), handler errors, response headers, then metrics and the access log once the
// response is sent. No I/O: the session feeds it parsed requests, the fuzzer feeds it bytes.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/handler_context.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/trace.hpp"

namespace slipway::http {

class ExchangeObserver;

struct PipelineOptions {
  bool access_log = true;
  ExchangeObserver* observer = nullptr;  // e.g. the tracer; must outlive the pipeline
};

// One request's journey: the response to send, and what finish() needs to record it.
struct Exchange {
  Response response;
  std::chrono::milliseconds delay{0};
  bool close_after = false;  // the request could not be parsed: close after the response
  // For metrics and the access log.
  std::size_t route_index = 0;
  std::string_view method;
  std::string path;
  std::string request_id;
  telemetry::TraceContext trace;
  std::chrono::steady_clock::time_point started;
};

// Sees every request beside the metrics and the access log (the service's tracer): decides
// sampling before the response headers carry it, and records the finished exchange. Called on
// the worker threads: both must be quick and must not block.
class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  // Called as a request starts; may change `trace`'s sampling decision.
  virtual void started(telemetry::TraceContext& trace) = 0;
  // Called once the response is sent, `elapsed` after exchange.started.
  virtual void finished(const Exchange& exchange, std::string_view route,
                        std::chrono::steady_clock::duration elapsed) = 0;
};

class Pipeline {
 public:
  // Takes the finished router (so no route can be added behind the metrics' back) and
  // registers http_requests_total, http_request_duration_seconds and http_requests_in_flight
  // in `registry`, which must outlive the pipeline.
  Pipeline(Router router, telemetry::Registry& registry, PipelineOptions options);

  // Routes and answers `request`; never throws (handler failures become 500).
  Exchange handle(Request& request);

  // Answers a request that could not be parsed (400, 413, 431, 408, 503) with a JSON error.
  Exchange reject(Status status, std::string_view code, std::string_view message);

  // Records metrics and the access log line for a sent response of `bytes` body bytes.
  void finish(const Exchange& exchange, std::uint64_t bytes);

  const telemetry::Family<telemetry::Counter>& requests() const { return requests_; }
  const telemetry::Family<telemetry::Histogram>& durations() const { return durations_; }

 private:
  Exchange start(std::string_view request_id, std::string_view traceparent, std::string_view xray);
  telemetry::Counter& request_counter(std::size_t route_index, std::string_view method,
                                      unsigned status);

  const std::uint64_t id_;  // keys this pipeline's entries in the per-thread counter cache
  const Router router_;
  PipelineOptions options_;
  telemetry::Family<telemetry::Counter>& requests_;
  telemetry::Family<telemetry::Histogram>& durations_;
  telemetry::Gauge& in_flight_;
  // Route labels by index: the router's paths, then "unmatched" (404) and "invalid" (parse).
  std::vector<std::string> route_labels_;
  std::map<std::string, std::size_t, std::less<>> label_index_;  // by path (405s)
  std::unordered_map<const Route*, std::size_t> route_index_;    // by route (the hot path)
  std::vector<telemetry::Histogram*> route_durations_;
  std::size_t unmatched_index_ = 0;
  std::size_t invalid_index_ = 0;
};

// The method as a bounded metric label: standard verbs by name, anything else "OTHER".
std::string_view method_label(Verb method);

// The current time as an HTTP Date header value (cached per second and thread).
std::string_view http_date_now();

}  // namespace slipway::http
