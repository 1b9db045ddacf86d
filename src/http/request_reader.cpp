#include "http/request_reader.hpp"

#include <boost/beast/http/error.hpp>

namespace slipway::http {

RequestReader::RequestReader(const RequestLimits& limits) {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser_->body_limit(limits.max_body_bytes);
  parser_->eager(true);  // parse the body in the same feed as the header when it is there
}

bool RequestReader::expects_continue() const {
  if (!parser_->is_header_done() || parser_->is_done()) return false;
  const auto& fields = parser_->get();
  const auto it = fields.find(beast_http::field::expect);
  return it != fields.end() && boost::beast::iequals(it->value(), "100-continue");
}

RequestReader::State RequestReader::feed(boost::beast::flat_buffer& buffer) {
  if (failure_) return State::failed;
  // Beast consumes nothing until a whole header is there, so "started" means "has bytes".
  if (buffer.size() > 0) started_ = true;
  while (buffer.size() > 0 && !parser_->is_done()) {
    boost::beast::error_code ec;
    const auto used = parser_->put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == beast_http::error::need_more) {
      // Beast asks for more only once it has consumed what it could; a header over the limit
      // is reported as header_limit rather than need_more.
      return State::need_more;
    }
    if (ec == beast_http::error::header_limit) {
      failure_ = ReadFailure{Status::request_header_fields_too_large, "headers_too_large",
                             "request headers exceed the limit"};
      return State::failed;
    }
    if (ec == beast_http::error::body_limit) {
      failure_ = ReadFailure{Status::payload_too_large, "body_too_large",
                             "request body exceeds the limit"};
      return State::failed;
    }
    if (ec) {
      failure_ = ReadFailure{Status::bad_request, "bad_request", "malformed HTTP request"};
      return State::failed;
    }
  }
  return parser_->is_done() ? State::complete : State::need_more;
}

}  // namespace slipway::http
