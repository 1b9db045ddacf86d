#include "aws/xray.hpp"

#include <boost/json.hpp>

#include "aws/errors.hpp"

namespace slipway::aws {

std::size_t XRayClient::put_trace_segments(const std::vector<std::string>& documents) {
  if (documents.empty()) return 0;
  if (documents.size() > kMaxSegmentsPerCall) {
    throw AwsError("PutTraceSegments takes at most " + std::to_string(kMaxSegmentsPerCall) +
                   " segment documents, got " + std::to_string(documents.size()));
  }
  boost::json::array list;
  list.reserve(documents.size());
  for (const auto& document : documents) list.emplace_back(document);
  return put_trace_segments_body(
      boost::json::serialize(boost::json::object{{"TraceSegmentDocuments", std::move(list)}}));
}

std::size_t XRayClient::put_trace_segments_body(std::string body) {
  auto call = start_put_trace_segments_body(std::move(body));
  return finish_put_trace_segments(call);
}

Session::PendingCall XRayClient::start_put_trace_segments_body(std::string body) {
  return session_.start_rest_json_text(kXRay, "PutTraceSegments", "/TraceSegments",
                                       std::move(body));
}

std::size_t XRayClient::finish_put_trace_segments(Session::PendingCall& call) {
  const auto response = session_.finish_rest_json(call);
  const auto* unprocessed = response.as_object().if_contains("UnprocessedTraceSegments");
  return unprocessed != nullptr && unprocessed->is_array() ? unprocessed->as_array().size() : 0;
}

}  // namespace slipway::aws
