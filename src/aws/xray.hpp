#pragma once
// AWS X-Ray (REST-JSON): PutTraceSegments, how the service's trace segments reach X-Ray.

#include <cstddef>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kXRay{
    .endpoint_prefix = "xray", .signing_name = "xray", .env_name = "XRAY"};

// At most this many documents per PutTraceSegments call. The API reference
// (https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html) gives no count, but
// X-Ray's daemon sends batches of 50 and exporters built on the API cap theirs at 50 as X-Ray's
// limit; each document is also limited to 64 KB ("Segment document size",
// https://docs.aws.amazon.com/general/latest/gr/xray.html), which ours stay far below (a path of
// at most the request line's limit, a few subsegments).
inline constexpr std::size_t kMaxSegmentsPerCall = 50;

class XRayClient {
 public:
  explicit XRayClient(Session& session) : session_(session) {}

  // PutTraceSegments (POST /TraceSegments) with up to kMaxSegmentsPerCall segment documents;
  // returns how many X-Ray refused (UnprocessedTraceSegments). Throws ServiceError,
  // NetworkError, CredentialsError, AwsError (too many documents).
  std::size_t put_trace_segments(const std::vector<std::string>& documents);
  // The same with the request body already rendered ({"TraceSegmentDocuments":[...]}, at most
  // kMaxSegmentsPerCall documents: the caller keeps to it, as telemetry::SegmentSender does).
  std::size_t put_trace_segments_body(std::string body);
  // put_trace_segments_body in two halves, so that one thread can have several calls in flight:
  // start writes the call, finish waits for its answer and returns what the whole call would.
  Session::PendingCall start_put_trace_segments_body(std::string body);
  std::size_t finish_put_trace_segments(Session::PendingCall& call);

 private:
  Session& session_;
};

}  // namespace slipway::aws
