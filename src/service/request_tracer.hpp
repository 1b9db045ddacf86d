#pragma once
// X-Ray tracing for the service: decides sampling for requests whose caller did not (X-Ray's
// default rule, configurable), and hands a segment for each sampled request to the background
// sender, which delivers them with PutTraceSegments. See docs/service.md (Tracing).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "http/pipeline.hpp"
#include "telemetry/segment_sender.hpp"
#include "telemetry/trace_sampler.hpp"

namespace slipway::service {

class RequestTracer final : public http::ExchangeObserver {
 public:
  // `sink` delivers batches of segment documents (XRayClient::put_trace_segments in the app).
  RequestTracer(std::string service_name, telemetry::SamplingRule rule,
                telemetry::SenderOptions sender_options, telemetry::SegmentBatchSink sink,
                telemetry::Registry& registry);

  void started(telemetry::TraceContext& trace) override;
  void finished(const http::Exchange& exchange, std::string_view route,
                std::chrono::steady_clock::duration elapsed) override;

  // Records work done off any request (e.g. an API key refresh) as a segment of a new trace,
  // with its AWS calls as subsegments. Always recorded: such work is rare.
  void record_background(std::string operation, double start, double end,
                         std::vector<telemetry::SubsegmentRecord> calls);

  // Sends what is queued and waits for it (before exit, and for tests).
  void flush() { sender_.flush(); }

 private:
  telemetry::TraceSampler sampler_;
  telemetry::SegmentSender sender_;
};

}  // namespace slipway::service
