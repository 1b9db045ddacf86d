#include "telemetry/xray_segment.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/json_escape.hpp"

namespace slipway::telemetry {
namespace {

// The layout's fixed JSON text in both forms the renderer writes: as is, and escaped as the
// inside of a JSON string (PutTraceSegments takes each document as a string inside its own JSON
// body). Both are made at compile time from the plain form, so the layout below reads as the
// JSON it writes and the sender's thread only copies bytes.
struct Piece {
  std::string_view plain;
  std::string_view nested;
};

template <std::size_t N>
struct PieceText {
  std::array<char, N> plain{};
  std::array<char, 2 * N> nested{};
  std::size_t nested_size = 0;
  consteval PieceText(const char (&text)[N]) {  // NOLINT: implicit, for the literal operator
    for (std::size_t i = 0; i + 1 < N; ++i) {
      plain[i] = text[i];
      if (text[i] == '"' || text[i] == '\\') nested[nested_size++] = '\\';
      nested[nested_size++] = text[i];
    }
  }
};

template <PieceText T>
constexpr Piece operator""_piece() {
  return {{T.plain.data(), T.plain.size() - 1}, {T.nested.data(), T.nested_size}};
}

// Replaces each byte that is not part of a valid UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF) by U+FFFD.
std::string valid_utf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80;  // the second byte's range, tighter for some lead bytes
    unsigned char high = 0xBF;
    if (byte < 0x80) {
      length = 1;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;   // overlong
      if (byte == 0xED) high = 0x9F;  // surrogates
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;   // overlong
      if (byte == 0xF4) high = 0x8F;  // above U+10FFFF
    }
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = k == 1 ? (next >= low && next <= high) : (next >= 0x80 && next <= 0xBF);
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(kReplacement);
      ++i;
    }
  }
  return out;
}

// True when `text` goes into a document unchanged in both forms: ASCII, nothing JSON escapes.
bool is_plain(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\';
  });
}

// X-Ray refuses a segment document over 64 KB ("Segment document size",
// https://docs.aws.amazon.com/general/latest/gr/xray.html). A path is the client's, as long as
// MAX_HEADER_BYTES lets it be (up to 1 MiB): each string value is cut to its first kMaxValueBytes,
// so a document stays far below the limit whatever a request carries.
constexpr std::size_t kMaxValueBytes = 1024;
// The most one input byte of a string value can become: "\u00XX" escaped once more is 7 bytes.
constexpr std::size_t kMostPerByte = 7;

std::size_t value_bound(std::string_view value) {
  return kMostPerByte * std::min(value.size(), kMaxValueBytes);
}
// Generous bounds for the fixed text and the numbers of a document and of a subsegment.
constexpr std::size_t kDocumentFixedBound = 640;
constexpr std::size_t kSubsegmentFixedBound = 256;

// Writes one document, either as JSON or (Nested) as the body of a JSON string, through a
// pointer into storage sized once per document (std::string::append per piece cost more than
// the bytes it copied). A template, so that each piece's size is a constant and its copy a few
// moves.
template <bool Nested>
class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}

  char* at() const { return at_; }

  void put(const Piece& piece) { copy(Nested ? piece.nested : piece.plain); }

  // Text with nothing to escape in either form: hex ids.
  void put_safe(std::string_view text) { copy(text); }

  // A string value's characters (the quotes are the layout's).
  void put_string(std::string_view value) {
    value = value.substr(0, kMaxValueBytes);
    if (is_plain(value)) {
      copy(value);
      return;
    }
    // Rare (a hostile or unusual path): valid UTF-8 first, then escaped once, or twice nested.
    std::string once;
    core::append_json_escaped(once, valid_utf8(value));
    if (!Nested) {
      copy(once);
      return;
    }
    std::string twice;
    core::append_json_escaped(twice, once);
    copy(twice);
  }

  // Seconds since the epoch with microseconds (X-Ray keeps milliseconds), fixed notation, by
  // integer arithmetic (std::to_chars of a double costs several times this). A time outside
  // [0, 1e11) is a clock bug; it is written clamped so that the document stays bounded.
  void put_seconds(double seconds) {
    if (!(seconds >= 0)) seconds = 0;  // also NaN
    seconds = std::min(seconds, 99'999'999'999.0);
    const auto micros = static_cast<std::uint64_t>(seconds * 1e6 + 0.5);
    at_ = std::to_chars(at_, at_ + 20, micros / 1'000'000).ptr;
    *at_++ = '.';
    auto fraction = micros % 1'000'000;
    for (int digit = 5; digit >= 0; --digit, fraction /= 10) {
      at_[digit] = static_cast<char>('0' + fraction % 10);
    }
    at_ += 6;
  }

  void put_unsigned(unsigned value) { at_ = std::to_chars(at_, at_ + 16, value).ptr; }

 private:
  void copy(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }

  char* at_;
};

// The most bytes put_document can write for `record`.
std::size_t document_bound(const SegmentRecord& record, std::string_view service_name) {
  std::size_t bound = kDocumentFixedBound + value_bound(service_name) + value_bound(record.method) +
                      value_bound(record.path) + value_bound(record.route) +
                      value_bound(record.operation);
  for (const auto& sub : record.subsegments) {
    bound += kSubsegmentFixedBound + value_bound(sub.name) + value_bound(sub.operation);
  }
  return bound;
}

template <bool Nested>
void put_times(Writer<Nested>& w, double start, double end) {
  w.put(R"(,"start_time":)"_piece);
  w.put_seconds(start);
  w.put(R"(,"end_time":)"_piece);
  w.put_seconds(std::max(start, end));
}

template <bool Nested>
void put_subsegment(Writer<Nested>& w, const SubsegmentRecord& sub) {
  w.put(R"({"id":")"_piece);
  w.put_safe({sub.id.data(), sub.id.size()});
  w.put(R"(","name":")"_piece);
  w.put_string(sub.name);
  w.put(R"(","namespace":"aws")"_piece);
  put_times<Nested>(w, sub.start, sub.end);
  w.put(R"(,"aws":{"operation":")"_piece);
  w.put_string(sub.operation);
  w.put(R"("})"_piece);
  if (sub.error) w.put(R"(,"error":true)"_piece);
  if (sub.fault) w.put(R"(,"fault":true)"_piece);
  w.put("}"_piece);
}

template <bool Nested>
void put_document(Writer<Nested>& w, const SegmentRecord& record, std::string_view service_name) {
  w.put(R"({"name":")"_piece);
  w.put_string(service_name);
  w.put(R"(","trace_id":"1-)"_piece);
  w.put_safe({record.trace_id.data(), 8});
  w.put("-"_piece);
  w.put_safe({record.trace_id.data() + 8, record.trace_id.size() - 8});
  w.put(R"(","id":")"_piece);
  w.put_safe({record.id.data(), record.id.size()});
  if (record.has_parent) {
    w.put(R"(","parent_id":")"_piece);
    w.put_safe({record.parent_id.data(), record.parent_id.size()});
  }
  w.put(R"(")"_piece);
  put_times<Nested>(w, record.start, record.end);
  bool fault = std::any_of(record.subsegments.begin(), record.subsegments.end(),
                           [](const SubsegmentRecord& sub) { return sub.fault; });
  if (!record.method.empty()) {
    w.put(R"(,"http":{"request":{"method":")"_piece);
    w.put_string(record.method);
    w.put(R"(","url":")"_piece);
    w.put_string(record.path);
    w.put(R"("},"response":{"status":)"_piece);
    w.put_unsigned(record.status);
    w.put("}}"_piece);
    if (record.status == 429) w.put(R"(,"throttle":true)"_piece);
    if (record.status >= 400 && record.status < 500) w.put(R"(,"error":true)"_piece);
    fault = fault || record.status >= 500;
  }
  if (fault) w.put(R"(,"fault":true)"_piece);
  if (!record.route.empty() || !record.operation.empty()) {
    w.put(R"(,"annotations":{)"_piece);
    if (!record.route.empty()) {
      w.put(R"("route":")"_piece);
      w.put_string(record.route);
      w.put(R"(")"_piece);
    }
    if (!record.route.empty() && !record.operation.empty()) w.put(","_piece);
    if (!record.operation.empty()) {
      w.put(R"("operation":")"_piece);
      w.put_string(record.operation);
      w.put(R"(")"_piece);
    }
    w.put("}"_piece);
  }
  if (!record.subsegments.empty()) {
    w.put(R"(,"subsegments":[)"_piece);
    for (std::size_t i = 0; i < record.subsegments.size(); ++i) {
      if (i > 0) w.put(","_piece);
      put_subsegment<Nested>(w, record.subsegments[i]);
    }
    w.put("]"_piece);
  }
  w.put("}"_piece);
}

// Appends `record`'s document to `out`, in quotes as a JSON string when Nested.
template <bool Nested>
void append_document(std::string& out, const SegmentRecord& record, std::string_view service_name) {
  const auto size = out.size();
  out.resize_and_overwrite(size + document_bound(record, service_name) + 2,
                           [&](char* data, std::size_t bound) {
                             Writer<Nested> writer(data + size);
                             if (Nested) writer.put_safe("\"");
                             put_document(writer, record, service_name);
                             if (Nested) writer.put_safe("\"");
                             const auto written = static_cast<std::size_t>(writer.at() - data);
                             // A bound that is too small is a bug here, never the input's fault.
                             if (written > bound) std::abort();
                             return written;
                           });
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
  append_document<false>(out, record, service_name);
}

void append_put_trace_segments_body(std::string& out, std::span<const SegmentRecord> records,
                                    std::string_view service_name) {
  out += R"({"TraceSegmentDocuments":[)";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    append_document<true>(out, records[i], service_name);
  }
  out += "]}";
}

}  // namespace slipway::telemetry
