#include "http/message.hpp"

#include "core/json_escape.hpp"

namespace slipway::http {

Response make_response(Status status, std::string body, std::string_view content_type) {
  Response response{status, 11};
  response.set(beast_http::field::content_type, content_type);
  response.body() = std::move(body);
  return response;
}

Response make_error_response(Status status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":\"";
  core::append_json_escaped(body, code);
  body += "\",\"message\":\"";
  core::append_json_escaped(body, message);
  body += "\"}\n";
  return make_response(status, std::move(body), "application/json");
}

}  // namespace slipway::http
