#pragma once
// The request and response types handlers see: Beast's, with string bodies.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace slipway::http {

namespace beast_http = boost::beast::http;

using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Status = beast_http::status;
using Verb = beast_http::verb;

// A response with `body` and Content-Type; Content-Length is set when it is sent.
Response make_response(Status status, std::string body, std::string_view content_type);

// A JSON error body: {"error":"<code>","message":"<message>"} — what every 4xx/5xx carries.
Response make_error_response(Status status, std::string_view code, std::string_view message);

// Appends `response` as HTTP/1.x wire bytes (status line, fields in order, blank line, body)
// to `out`. Fields are sent as set, so Content-Length must already be (prepare_payload).
void append_wire_format(const Response& response, std::string& out);

}  // namespace slipway::http
