#pragma once
// X-Ray segment documents (the JSON PutTraceSegments takes): one per traced request, with the
// trace id, this hop's span as the segment id and the caller's span as parent_id, so X-Ray
// links it to the caller's trace; an outbound AWS call is a subsegment inside it.

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/trace.hpp"

namespace slipway::telemetry {

// An outbound call made while the segment was open (namespace "aws": X-Ray draws the service).
struct SubsegmentRecord {
  std::array<char, 16> id{};
  std::string name;       // the AWS service, e.g. "SecretsManager"
  std::string operation;  // e.g. "GetSecretValue"
  double start = 0;       // Unix seconds
  double end = 0;
  bool error = false;  // AWS refused it (4xx)
  bool fault = false;  // it failed otherwise (5xx, network, credentials)
};

// What a finished request leaves for its segment: fixed-size ids and a few short strings, so
// recording it on the request path is a copy, and rendering happens on the sender's thread.
struct SegmentRecord {
  std::array<char, 32> trace_id{};
  std::array<char, 16> id{};
  std::array<char, 16> parent_id{};
  bool has_parent = false;
  double start = 0;  // Unix seconds
  double end = 0;
  std::string_view method;  // a static label (http::method_label); empty: not an HTTP request
  std::string path;
  std::string route;  // the route label (an annotation, searchable in X-Ray)
  unsigned status = 0;
  std::string operation;  // background work (no HTTP request): what it was, an annotation
  std::vector<SubsegmentRecord> subsegments;
};

// A record for `context` (trace, span and parent ids) spanning [start, end].
SegmentRecord segment_for(const TraceContext& context, double start, double end);

// Appends the segment document for `record` as a service named `service_name`: HTTP method,
// URL path and status; "error" for 4xx, "fault" for 5xx (X-Ray's meaning, which drives its
// error and fault rates); "throttle" for 429. Text that is not valid UTF-8 (a path is the
// client's bytes) has each bad byte replaced by U+FFFD: one such byte would make the whole
// PutTraceSegments body invalid JSON, and the batch would be lost. Each text is cut to its first
// 1 024 bytes, which keeps a document far below X-Ray's 64 KB per document.
void append_segment_document(std::string& out, const SegmentRecord& record,
                             std::string_view service_name);

// The PutTraceSegments request body for `records`: {"TraceSegmentDocuments":["<doc>",...]}, each
// document rendered as by append_segment_document straight into its JSON string form (no
// intermediate document, no JSON tree), appended to `out`.
void append_put_trace_segments_body(std::string& out, std::span<const SegmentRecord> records,
                                    std::string_view service_name);

// "1-<8 hex>-<24 hex>", the X-Ray spelling of a 32-digit trace id.
std::string xray_trace_id(std::string_view trace_id);

}  // namespace slipway::telemetry
