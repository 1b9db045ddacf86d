#pragma once
// Incremental request parsing with limits, independent of sockets: the session feeds it the
// bytes it reads, the fuzzer feeds it arbitrary bytes. Wraps Beast's parser.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

#include "http/message.hpp"

namespace slipway::http {

struct RequestLimits {
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
  // failed: see failure(); need_more: read more bytes and call again.
  State feed(boost::beast::flat_buffer& buffer);

  // True once any byte of this request has been consumed (the header deadline starts then).
  bool started() const { return started_; }
  bool header_done() const { return parser_->is_header_done(); }
  // True when the client sent "Expect: 100-continue" and waits before sending the body.
  bool expects_continue() const;

  const ReadFailure& failure() const { return *failure_; }
  Request release() { return parser_->release(); }

 private:
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::optional<ReadFailure> failure_;
  bool started_ = false;
};

}  // namespace slipway::http
