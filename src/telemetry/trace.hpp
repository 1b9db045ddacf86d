#pragma once
// Trace context: W3C `traceparent` and AWS X-Ray `X-Amzn-Trace-Id`. An incoming valid context
// is continued (same trace id, the caller's span as parent, a new span for this hop); an absent
// or invalid one starts a new trace.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slipway::telemetry {

// Ids are kept in fixed arrays: a trace context is made for every request, and 16- and
// 32-character strings would each cost a heap allocation.
class TraceContext {
 public:
  std::string_view trace_id() const { return {trace_.data(), trace_.size()}; }
  // The caller's span; empty for a new trace.
  std::string_view parent_id() const { return {parent_.data(), has_parent_ ? parent_.size() : 0}; }
  // This hop's span; empty until continue_or_start_trace() assigns one.
  std::string_view span_id() const { return {span_.data(), has_span_ ? span_.size() : 0}; }
  bool sampled() const { return sampled_; }
  // True when the caller decided (traceparent flags, X-Ray Sampled=1/0); false for a new trace
  // or Sampled=? , which leave the decision to this hop's sampler.
  bool sampling_decided() const { return sampling_decided_; }
  // This hop's sampling decision (propagated in the response and downstream headers).
  void set_sampled(bool sampled) { sampled_ = sampled; }

 private:
  friend std::optional<TraceContext> parse_traceparent(std::string_view header);
  friend std::optional<TraceContext> parse_xray_trace_id(std::string_view header);
  friend TraceContext continue_or_start_trace(std::string_view traceparent, std::string_view xray);

  std::array<char, 32> trace_{};  // 32 lowercase hex digits, not all zero
  std::array<char, 16> parent_{};
  std::array<char, 16> span_{};
  bool has_parent_ = false;
  bool has_span_ = false;
  bool sampled_ = false;
  bool sampling_decided_ = false;
};

// A formatted header value in a fixed buffer (no allocation).
template <std::size_t N>
struct HeaderText {
  std::array<char, N> bytes{};
  std::size_t size = 0;
  std::string_view view() const { return {bytes.data(), size}; }
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>" (other versions: the same first four fields, per the
// spec's forward-compatibility rule). Returns nullopt when malformed or an id is all zeros.
std::optional<TraceContext> parse_traceparent(std::string_view header);

// Parses "Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1|0|?" (fields in any order, others
// ignored). Returns nullopt when Root is missing or malformed.
std::optional<TraceContext> parse_xray_trace_id(std::string_view header);

// Continues the first valid context (traceparent wins over X-Ray) or starts a new sampled
// trace whose first 8 digits are the current Unix time (as X-Ray trace ids require); always
// assigns a fresh span_id.
TraceContext continue_or_start_trace(std::string_view traceparent, std::string_view xray);

// "00-<trace>-<span>-<flags>"
HeaderText<55> format_traceparent(const TraceContext& context);
// "Root=1-<8>-<24>;Parent=<span>;Sampled=1|0"
HeaderText<74> format_xray_trace_id(const TraceContext& context);

// Fills `out` with random lowercase hex digits, never all zeros (fast, not cryptographic: for
// ids, not secrets).
void fill_random_hex(std::span<char> out);
// The same as a string.
std::string random_hex(std::size_t hex_digits);

}  // namespace slipway::telemetry
