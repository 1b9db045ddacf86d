#pragma once
// Trace context: W3C `traceparent` and AWS X-Ray `X-Amzn-Trace-Id`. An incoming valid context
// is continued (same trace id, the caller's span as parent, a new span for this hop); an absent
// or invalid one starts a new trace.

#include <optional>
#include <string>
#include <string_view>

namespace slipway::telemetry {

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 hex digits of the caller's span; empty for a new trace
  std::string span_id;    // 16 hex digits: this hop's span
  bool sampled = false;
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>" (other versions: the same first four fields, per the
// spec's forward-compatibility rule). Returns nullopt when malformed or an id is all zeros.
std::optional<TraceContext> parse_traceparent(std::string_view header);

// Parses "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1|0|?" (fields in any order, others
// ignored). Returns nullopt when Root is missing or malformed.
std::optional<TraceContext> parse_xray_trace_id(std::string_view header);

// Continues the first valid context (traceparent wins over X-Ray) or starts a new sampled
// trace; always assigns a fresh span_id.
TraceContext continue_or_start_trace(std::string_view traceparent, std::string_view xray);

std::string format_traceparent(const TraceContext& context);
std::string format_xray_trace_id(const TraceContext& context);

// `hex_digits` random lowercase hex digits (fast, not cryptographic: ids, not secrets).
std::string random_hex(std::size_t hex_digits);

}  // namespace slipway::telemetry
