#include "http/message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

namespace {

using namespace slipway::http;

TEST(Message, WireFormatIsWhatBeastParses) {
  auto response = make_response(Status::created, "body!", "text/plain");
  response.set("X-Request-Id", "abc");
  response.keep_alive(false);
  response.prepare_payload();
  std::string wire;
  append_wire_format(response, wire);
  EXPECT_EQ(wire,
            "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Request-Id: abc\r\n"
            "Connection: close\r\nContent-Length: 5\r\n\r\nbody!");

  beast_http::response_parser<beast_http::string_body> parser;
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get()["X-Request-Id"], "abc");
}

TEST(Message, Http10StatusLine) {
  auto response = make_response(Status::ok, "", "text/plain");
  response.version(10);
  std::string wire;
  append_wire_format(response, wire);
  EXPECT_TRUE(wire.starts_with("HTTP/1.0 200 OK\r\n")) << wire;
}

TEST(Message, ErrorBodyIsJson) {
  const auto response = make_error_response(Status::not_found, "not_found", "no \"x\"");
  EXPECT_EQ(response.body(), "{\"error\":\"not_found\",\"message\":\"no \\\"x\\\"\"}\n");
  EXPECT_EQ(response[beast_http::field::content_type], "application/json");
}

}  // namespace
