#include "telemetry/xray_segment.hpp"

#include <algorithm>
#include <charconv>

#include "core/json_escape.hpp"

namespace slipway::telemetry {
namespace {

void append_seconds(std::string& out, double seconds) {
  // Microseconds are enough (X-Ray keeps milliseconds); fixed notation keeps it readable.
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), seconds,
                                    std::chars_format::fixed, 6);
  out.append(buffer.data(), result.ptr);
}

void append_string_field(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  core::append_json_escaped(out, value);
  out += '"';
}

void append_ids(std::string& out, std::string_view trace_id, std::string_view id) {
  out += "\"trace_id\":\"";
  out += xray_trace_id(trace_id);
  out += "\",\"id\":\"";
  out += id;
  out += '"';
}

void append_times(std::string& out, double start, double end) {
  out += ",\"start_time\":";
  append_seconds(out, start);
  out += ",\"end_time\":";
  append_seconds(out, std::max(start, end));
}

void append_subsegment(std::string& out, const SubsegmentRecord& sub) {
  out += "{\"id\":\"";
  out.append(sub.id.data(), sub.id.size());
  out += "\",";
  append_string_field(out, "name", sub.name);
  out += ",\"namespace\":\"aws\"";
  append_times(out, sub.start, sub.end);
  out += ",\"aws\":{";
  append_string_field(out, "operation", sub.operation);
  out += '}';
  if (sub.error) out += ",\"error\":true";
  if (sub.fault) out += ",\"fault\":true";
  out += '}';
}

}  // namespace

SegmentRecord segment_for(const TraceContext& context, double start, double end) {
  SegmentRecord record;
  const auto trace = context.trace_id();
  std::copy(trace.begin(), trace.end(), record.trace_id.begin());
  const auto span = context.span_id();
  std::copy(span.begin(), span.end(), record.id.begin());
  const auto parent = context.parent_id();
  record.has_parent = !parent.empty();
  std::copy(parent.begin(), parent.end(), record.parent_id.begin());
  record.start = start;
  record.end = end;
  return record;
}

std::string xray_trace_id(std::string_view trace_id) {
  std::string out = "1-";
  out += trace_id.substr(0, 8);
  out += '-';
  out += trace_id.substr(8);
  return out;
}

void append_segment_document(std::string& out, const SegmentRecord& record,
                             std::string_view service_name) {
  out += '{';
  append_string_field(out, "name", service_name);
  out += ',';
  append_ids(out, {record.trace_id.data(), record.trace_id.size()},
             {record.id.data(), record.id.size()});
  if (record.has_parent) {
    out += ",\"parent_id\":\"";
    out.append(record.parent_id.data(), record.parent_id.size());
    out += '"';
  }
  append_times(out, record.start, record.end);
  if (!record.method.empty()) {
    out += ",\"http\":{\"request\":{";
    append_string_field(out, "method", record.method);
    out += ',';
    append_string_field(out, "url", record.path);
    out += "},\"response\":{\"status\":";
    out += std::to_string(record.status);
    out += "}}";
    if (record.status == 429) out += ",\"throttle\":true";
    if (record.status >= 400 && record.status < 500) out += ",\"error\":true";
    if (record.status >= 500) out += ",\"fault\":true";
  }
  if (!record.route.empty() || !record.operation.empty()) {
    out += ",\"annotations\":{";
    if (!record.route.empty()) append_string_field(out, "route", record.route);
    if (!record.route.empty() && !record.operation.empty()) out += ',';
    if (!record.operation.empty()) append_string_field(out, "operation", record.operation);
    out += '}';
  }
  if (std::any_of(record.subsegments.begin(), record.subsegments.end(),
                  [](const SubsegmentRecord& sub) { return sub.fault; })) {
    out += ",\"fault\":true";
  }
  if (!record.subsegments.empty()) {
    out += ",\"subsegments\":[";
    for (std::size_t i = 0; i < record.subsegments.size(); ++i) {
      if (i > 0) out += ',';
      append_subsegment(out, record.subsegments[i]);
    }
    out += ']';
  }
  out += '}';
}

}  // namespace slipway::telemetry
