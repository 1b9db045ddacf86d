#include "telemetry/trace.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <random>

namespace slipway::telemetry {
namespace {

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_all_zero(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '0'; });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// splitmix64: cheap, well distributed, seeded per thread from the OS.
std::uint64_t next_random() {
  thread_local std::uint64_t state = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

void fill_random_hex(std::span<char> out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i % 16 == 0) bits = next_random();
    out[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  if (!out.empty() && is_all_zero({out.data(), out.size()})) out.back() = '1';
}

std::string random_hex(std::size_t hex_digits) {
  std::string out(hex_digits, '0');
  fill_random_hex(out);
  return out;
}

std::optional<TraceContext> parse_traceparent(std::string_view header) {
  header = trim(header);
  // version(2) - trace(32) - parent(16) - flags(2) = 55 characters; later versions may append.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const auto version = header.substr(0, 2);
  const auto trace_id = header.substr(3, 32);
  const auto parent_id = header.substr(36, 16);
  const auto flags = header.substr(53, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  if (version != "00" && header.size() > 55 && header[55] != '-') return std::nullopt;
  if (!is_lower_hex(trace_id) || is_all_zero(trace_id)) return std::nullopt;
  if (!is_lower_hex(parent_id) || is_all_zero(parent_id)) return std::nullopt;
  if (!is_lower_hex(flags)) return std::nullopt;
  TraceContext context;
  std::copy(trace_id.begin(), trace_id.end(), context.trace_.begin());
  std::copy(parent_id.begin(), parent_id.end(), context.parent_.begin());
  context.has_parent_ = true;
  const int low_digit = flags[1] <= '9' ? flags[1] - '0' : flags[1] - 'a' + 10;
  context.sampled_ = (low_digit & 1) != 0;
  context.sampling_decided_ = true;
  return context;
}

std::optional<TraceContext> parse_xray_trace_id(std::string_view header) {
  TraceContext context;
  bool have_root = false;
  context.sampled_ = true;  // "?" or absent: the caller has not decided; we sample
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    auto part = trim(header.substr(0, semicolon));
    header =
        semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    const auto equals = part.find('=');
    if (equals == std::string_view::npos) continue;
    const auto key = part.substr(0, equals);
    const auto value = part.substr(equals + 1);
    if (key == "Root") {
      // 1-<8 hex epoch>-<24 hex>
      if (value.size() != 35 || value.substr(0, 2) != "1-" || value[10] != '-') {
        return std::nullopt;
      }
      const auto epoch = value.substr(2, 8);
      const auto unique = value.substr(11, 24);
      if (!is_lower_hex(epoch) || !is_lower_hex(unique)) return std::nullopt;
      std::copy(epoch.begin(), epoch.end(), context.trace_.begin());
      std::copy(unique.begin(), unique.end(), context.trace_.begin() + 8);
      if (is_all_zero(context.trace_id())) return std::nullopt;
      have_root = true;
    } else if (key == "Parent") {
      if (value.size() != 16 || !is_lower_hex(value) || is_all_zero(value)) return std::nullopt;
      std::copy(value.begin(), value.end(), context.parent_.begin());
      context.has_parent_ = true;
    } else if (key == "Sampled") {
      context.sampled_ = value != "0";
      context.sampling_decided_ = value == "0" || value == "1";
    }
  }
  if (!have_root) return std::nullopt;
  return context;
}

TraceContext continue_or_start_trace(std::string_view traceparent, std::string_view xray) {
  std::optional<TraceContext> context;
  if (!traceparent.empty()) context = parse_traceparent(traceparent);
  if (!context && !xray.empty()) context = parse_xray_trace_id(xray);
  if (!context) {
    context.emplace();
    fill_random_hex(context->trace_);
    // X-Ray reads the first 8 digits as the trace's start (Unix seconds) and refuses old ones.
    static constexpr char kHex[] = "0123456789abcdef";
    auto seconds = static_cast<std::uint32_t>(std::time(nullptr));
    for (int i = 7; i >= 0; --i, seconds >>= 4)
      context->trace_[static_cast<std::size_t>(i)] = kHex[seconds & 0xf];
    context->sampled_ = true;
  }
  fill_random_hex(context->span_);
  context->has_span_ = true;
  return *context;
}

namespace {

template <std::size_t N>
void append(HeaderText<N>& text, std::string_view part) {
  // The formats have fixed lengths; overflowing would be a bug here, never input's fault.
  if (text.size + part.size() > N) std::abort();
  std::copy(part.begin(), part.end(), text.bytes.begin() + static_cast<std::ptrdiff_t>(text.size));
  text.size += part.size();
}

}  // namespace

HeaderText<55> format_traceparent(const TraceContext& context) {
  HeaderText<55> text;
  append(text, "00-");
  append(text, context.trace_id());
  append(text, "-");
  append(text, context.span_id());
  append(text, context.sampled() ? "-01" : "-00");
  return text;
}

HeaderText<74> format_xray_trace_id(const TraceContext& context) {
  HeaderText<74> text;
  append(text, "Root=1-");
  append(text, context.trace_id().substr(0, 8));
  append(text, "-");
  append(text, context.trace_id().substr(8));
  append(text, ";Parent=");
  append(text, context.span_id());
  append(text, context.sampled() ? ";Sampled=1" : ";Sampled=0");
  return text;
}

}  // namespace slipway::telemetry
