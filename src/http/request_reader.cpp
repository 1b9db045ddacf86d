#include "http/request_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <vector>

#include "http/request_target.hpp"

namespace slipway::http {
namespace {

// nginx's limit on header fields (max_headers): a bound on the work and memory of one header
// however short its lines.
constexpr std::size_t kMaxHeaderFields = 1000;

// Each field line of `header` (as received) named `name`: its value exactly as sent, from the
// colon to the line's end. Beast trims and joins values; framing is judged on what was sent.
// Only called once Beast has parsed the header, so every line after the first is a field.
std::vector<std::string_view> raw_values(std::string_view header, std::string_view name) {
  std::vector<std::string_view> values;
  for (auto start = header.find('\n'); start != std::string_view::npos;) {
    const auto end = header.find('\n', start + 1);
    auto line = header.substr(start + 1, end == std::string_view::npos ? end : end - start - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        boost::beast::iequals(line.substr(0, name.size()), name)) {
      values.push_back(line.substr(name.size() + 1));
    }
    start = end;
  }
  return values;
}

// `value` without the spaces around it (spaces only: nginx keeps a tab as part of the value).
std::string_view trim_spaces(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A method as nginx accepts one: upper-case letters, '-' and '_'. Checked on the bytes as they
// arrive, so "get / HTTP/1.1" or stray bytes after a body are refused at once instead of
// waiting for a header that is never coming.
bool is_method_char(char c) {
  return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

// Obsolete line folding (a field line continued on the next line after a space or tab): Beast
// unfolds it, but RFC 9112 §5.2 lets a server reject it, and intermediaries disagree on it, so
// we do. `header` is the whole header as received; nothing but folding puts SP/HTAB after a LF.
bool has_obsolete_folding(std::string_view header) {
  for (auto at = header.find('\n'); at != std::string_view::npos && at + 1 < header.size();
       at = header.find('\n', at + 1)) {
    if (header[at + 1] == ' ' || header[at + 1] == '\t') return true;
  }
  return false;
}

// The framing rules of RFC 9112 that Beast leaves to the server, checked once the header is
// parsed and before any body byte is read. Returns the failure, if any.
std::optional<ReadFailure> header_failure(const Request& header, std::string_view raw) {
  if (has_obsolete_folding(raw)) {
    return ReadFailure{Status::bad_request, "bad_request",
                       "obsolete line folding is not accepted: send each field on one line"};
  }

  const auto hosts = raw_values(raw, "host");
  if (hosts.size() > 1) {
    return ReadFailure{Status::bad_request, "bad_request", "more than one Host header field"};
  }
  if (hosts.empty() && header.version() >= 11) {
    return ReadFailure{Status::bad_request, "bad_request", "an HTTP/1.1 request needs a Host"};
  }
  if (hosts.size() == 1 && !is_valid_host(trim_spaces(hosts[0]))) {
    return ReadFailure{Status::bad_request, "bad_request", "invalid Host header field"};
  }

  if (std::distance(header.begin(), header.end()) > static_cast<std::ptrdiff_t>(kMaxHeaderFields)) {
    return ReadFailure{Status::request_header_fields_too_large, "headers_too_large",
                       "more than 1000 header fields"};
  }

  const auto lengths = raw_values(raw, "content-length");
  if (lengths.size() > 1 || (lengths.size() == 1 && !is_digits(trim_spaces(lengths[0])))) {
    return ReadFailure{Status::bad_request, "bad_request",
                       "Content-Length must be one field of digits only"};
  }

  const auto encodings = raw_values(raw, "transfer-encoding");
  if (encodings.empty()) return std::nullopt;
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
  if (header.version() < 11) {
    return ReadFailure{Status::bad_request, "bad_request",
                       "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  }
  if (!lengths.empty()) {
    return ReadFailure{Status::bad_request, "bad_request",
                       "Transfer-Encoding and Content-Length together"};
  }
  // The one framing we accept: a single field that says "chunked", as nginx.
  if (encodings.size() == 1 && boost::beast::iequals(trim_spaces(encodings[0]), "chunked")) {
    return std::nullopt;
  }
  // RFC 9112 §6.3: when chunked is not the final coding the body's length cannot be known:
  // 400 and close, or the body would be read as the next request. Otherwise: a coding (or a
  // spelling of the list) we do not implement.
  const beast_http::opt_token_list last{encodings.back()};
  std::string_view final_coding;
  for (const auto coding : last) final_coding = coding;
  if (!boost::beast::iequals(final_coding, "chunked")) {
    return ReadFailure{Status::bad_request, "bad_request",
                       "Transfer-Encoding must end with chunked"};
  }
  return ReadFailure{Status::not_implemented, "not_implemented",
                     "only Transfer-Encoding: chunked is supported"};
  return std::nullopt;
}

}  // namespace

RequestReader::RequestReader(const RequestLimits& limits) : limits_(limits) {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser_->body_limit(limits.max_body_bytes);
  // Not eager until the header is checked: the first put() stops right after the header.
}

bool RequestReader::expects_continue() const {
  if (!parser_->is_header_done() || parser_->is_done()) return false;
  const auto& fields = parser_->get();
  const auto it = fields.find(beast_http::field::expect);
  return it != fields.end() && boost::beast::iequals(it->value(), "100-continue");
}

RequestReader::State RequestReader::fail(Status status, std::string_view code,
                                         std::string_view message) {
  failure_ = ReadFailure{status, code, message};
  return State::failed;
}

bool RequestReader::skip_leading_empty_lines(boost::beast::flat_buffer& buffer) {
  while (buffer.size() > 0) {
    const auto* bytes = static_cast<const char*>(buffer.data().data());
    std::size_t line = 0;
    if (bytes[0] == '\n') {
      line = 1;
    } else if (bytes[0] == '\r') {
      if (buffer.size() < 2) return false;  // a CR alone: wait for what follows it
      if (bytes[1] != '\n') return true;    // not an empty line: Beast rejects it
      line = 2;
    } else {
      return true;
    }
    buffer.consume(line);
    skipped_ += line;
    if (skipped_ > limits_.max_header_bytes) {
      fail(Status::bad_request, "bad_request", "too many empty lines before the request line");
      return false;
    }
  }
  return false;
}

RequestReader::State RequestReader::feed(boost::beast::flat_buffer& buffer) {
  if (failure_) return State::failed;
  // Beast consumes nothing until a whole header is there, so "started" means "has bytes".
  if (buffer.size() > 0) started_ = true;
  if (!parser_->got_some()) {
    if (!skip_leading_empty_lines(buffer)) return failure_ ? State::failed : State::need_more;
    const std::string_view start(static_cast<const char*>(buffer.data().data()), buffer.size());
    const auto method = start.substr(0, start.find(' '));
    if ((method.empty() && !start.empty()) ||
        !std::all_of(method.begin(), method.end(), is_method_char)) {
      return fail(Status::bad_request, "bad_request",
                  "the method must be upper-case letters, '-' or '_'");
    }
  }
  while (buffer.size() > 0 && !parser_->is_done()) {
    // Beast bounds the header (header_limit) but not a chunk-size line with its extensions
    // nor the trailer section: it waits for their end however far away. Showing it at most
    // max_header_bytes at a time bounds them too, whatever the reads brought.
    const auto window = std::min(buffer.size(), limits_.max_header_bytes);
    boost::beast::error_code ec;
    const bool header_was_done = parser_->is_header_done();
    const auto used = parser_->put(boost::asio::buffer(buffer.data().data(), window), ec);
    if (!ec && !header_was_done && parser_->is_header_done()) {
      // This put consumed exactly the header: check it before any body byte is taken.
      const std::string_view raw(static_cast<const char*>(buffer.data().data()), used);
      if (auto failure = header_failure(parser_->get(), raw)) {
        failure_ = *failure;
        return State::failed;
      }
      parser_->eager(true);  // from here on, parse as much of the body as each feed brings
    }
    buffer.consume(used);
    if (ec == beast_http::error::need_more) {
      if (used > 0) continue;  // the window ended inside a line that may end further on
      // Nothing consumed from a full window: one unfinished line or section fills it.
      if (window == limits_.max_header_bytes) {
        return fail(Status::request_header_fields_too_large, "framing_line_too_long",
                    "a chunk-size line or the trailer section exceeds the header limit");
      }
      return State::need_more;
    }
    if (ec == beast_http::error::header_limit) {
      return fail(Status::request_header_fields_too_large, "headers_too_large",
                  "request headers exceed the limit");
    }
    if (ec == beast_http::error::body_limit) {
      return fail(Status::payload_too_large, "body_too_large", "request body exceeds the limit");
    }
    if (ec) return fail(Status::bad_request, "bad_request", "malformed HTTP request");
  }
  if (!parser_->is_done()) return State::need_more;
  // Trailer fields are merged into the header by Beast: a Host there must not make two.
  const auto& request = parser_->get();
  if (request.count(beast_http::field::host) > 1) {
    return fail(Status::bad_request, "bad_request", "more than one Host header field");
  }
  return State::complete;
}

}  // namespace slipway::http
