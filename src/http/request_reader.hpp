#pragma once
// Incremental request parsing with limits, independent of sockets: the session feeds it the
// bytes it reads, the fuzzer feeds it arbitrary bytes. Wraps Beast's parser and adds the
// framing rules Beast leaves to the server (RFC 9112): one Host, Transfer-Encoding only as
// "chunked", no obsolete line folding, empty lines before the request line ignored, and a bound
// on chunk-size lines and trailers.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace slipway::http {

struct RequestLimits {
  // The request line and header fields together; also the most a chunk-size line (with its
  // extensions) or the trailer section may take, and the most empty lines before a request.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

// Why a request could not be read, as the status to answer with.
struct ReadFailure {
  Status status;
  std::string_view code;
  std::string_view message;
};

class RequestReader {
 public:
  enum class State { need_more, complete, failed };

  explicit RequestReader(const RequestLimits& limits);

  // Consumes what it can from `buffer`. complete: take the request with release();
  // failed: see failure(); need_more: read more bytes and call again. need_more is only
  // returned while fewer than max_header_bytes unconsumed bytes are left in `buffer`, so a
  // buffer of max_header_bytes plus one read always has room for the next read.
  State feed(boost::beast::flat_buffer& buffer);

  // True once any byte of this request has been consumed (the header deadline starts then).
  bool started() const { return started_; }
  bool header_done() const { return parser_->is_header_done(); }
  // True when the client sent "Expect: 100-continue" and waits before sending the body.
  bool expects_continue() const;

  const ReadFailure& failure() const { return *failure_; }
  Request release() { return parser_->release(); }

 private:
  State fail(Status status, std::string_view code, std::string_view message);
  // Skips CRLF or LF before the request line (RFC 9112 §2.2); false when more bytes are needed
  // to tell, or the skipped lines exceed the limit (then failure_ is set).
  bool skip_leading_empty_lines(boost::beast::flat_buffer& buffer);

  RequestLimits limits_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::optional<ReadFailure> failure_;
  std::size_t skipped_ = 0;
  bool started_ = false;
};

}  // namespace slipway::http
