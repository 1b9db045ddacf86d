#include "service/request_tracer.hpp"

namespace slipway::service {

RequestTracer::RequestTracer(std::string service_name, telemetry::SamplingRule rule,
                             telemetry::SenderOptions sender_options,
                             telemetry::SegmentBatchSink sink, telemetry::Registry& registry)
    : sampler_(rule), sender_(std::move(service_name), sender_options, std::move(sink), registry) {}

void RequestTracer::started(telemetry::TraceContext& trace) {
  // An upstream decision (Sampled=1/0, traceparent flags) is the trace's: every hop agrees.
  if (!trace.sampling_decided()) trace.set_sampled(sampler_.sample());
}

void RequestTracer::finished(const http::Exchange& exchange, std::string_view route,
                             std::chrono::steady_clock::duration elapsed) {
  if (!exchange.trace.sampled()) return;
  const auto end =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto start = end - std::chrono::duration<double>(elapsed).count();
  auto record = telemetry::segment_for(exchange.trace, start, end);
  record.method = exchange.method;
  record.path = exchange.path;
  record.route = route;
  record.status = exchange.response.result_int();
  sender_.submit(std::move(record));
}

void RequestTracer::record_background(std::string operation, double start, double end,
                                      std::vector<telemetry::SubsegmentRecord> calls) {
  auto record = telemetry::segment_for(telemetry::continue_or_start_trace({}, {}), start, end);
  record.operation = std::move(operation);
  record.subsegments = std::move(calls);
  sender_.submit(std::move(record));
}

}  // namespace slipway::service
