#pragma once
// AWS X-Ray (REST-JSON): PutTraceSegments, how the service's trace segments reach X-Ray.

#include <cstddef>
#include <string>
#include <vector>

#include "aws/session.hpp"

namespace slipway::aws {

inline constexpr ServiceInfo kXRay{
    .endpoint_prefix = "xray", .signing_name = "xray", .env_name = "XRAY"};

// At most this many documents per PutTraceSegments call (what the X-Ray daemon sends).
inline constexpr std::size_t kMaxSegmentsPerCall = 50;

class XRayClient {
 public:
  explicit XRayClient(Session& session) : session_(session) {}

  // PutTraceSegments (POST /TraceSegments) with up to kMaxSegmentsPerCall segment documents;
  // returns how many X-Ray refused (UnprocessedTraceSegments). Throws ServiceError,
  // NetworkError, CredentialsError, AwsError (too many documents).
  std::size_t put_trace_segments(const std::vector<std::string>& documents);

 private:
  Session& session_;
};

}  // namespace slipway::aws
