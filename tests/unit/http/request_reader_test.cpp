#include "http/request_reader.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

namespace {

using namespace slipway::http;
using State = RequestReader::State;

void append(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  boost::asio::buffer_copy(space, boost::asio::buffer(bytes.data(), bytes.size()));
  buffer.commit(bytes.size());
}

TEST(RequestReader, ParsesARequestFedInPieces) {
  RequestReader reader({});
  boost::beast::flat_buffer buffer;
  EXPECT_FALSE(reader.started());
  append(buffer, "GET /x HT");
  EXPECT_EQ(reader.feed(buffer), State::need_more);
  EXPECT_TRUE(reader.started());
  append(buffer, "TP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab");
  EXPECT_EQ(reader.feed(buffer), State::need_more);
  EXPECT_TRUE(reader.header_done());
  append(buffer, "c");
  ASSERT_EQ(reader.feed(buffer), State::complete);
  const auto request = reader.release();
  EXPECT_EQ(request.target(), "/x");
  EXPECT_EQ(request.body(), "abc");
}

TEST(RequestReader, LeavesThePipelinedNextRequestInTheBuffer) {
  RequestReader reader({});
  boost::beast::flat_buffer buffer;
  append(buffer, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n");
  ASSERT_EQ(reader.feed(buffer), State::complete);
  EXPECT_EQ(boost::beast::buffers_to_string(buffer.data()), "GET /2 HTTP/1.1\r\n");
}

TEST(RequestReader, MapsFailuresToStatuses) {
  const struct {
    const char* name;
    std::string bytes;
    Status status;
  } cases[] = {
      {"garbage", "GARBAGE\r\n\r\n", Status::bad_request},
      {"bad header", "GET / HTTP/1.1\r\nNo colon\r\n\r\n", Status::bad_request},
      {"big header", "GET / HTTP/1.1\r\nX: " + std::string(4096, 'a') + "\r\n\r\n",
       Status::request_header_fields_too_large},
      {"big body", "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", Status::payload_too_large},
      {"bad length", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", Status::bad_request},
  };
  for (const auto& c : cases) {
    RequestReader reader({.max_header_bytes = 1024, .max_body_bytes = 1024});
    boost::beast::flat_buffer buffer;
    append(buffer, c.bytes);
    ASSERT_EQ(reader.feed(buffer), State::failed) << c.name;
    EXPECT_EQ(reader.failure().status, c.status) << c.name;
  }
}

TEST(RequestReader, SeesExpectContinue) {
  RequestReader reader({});
  boost::beast::flat_buffer buffer;
  append(buffer, "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(reader.feed(buffer), State::need_more);
  EXPECT_TRUE(reader.expects_continue());
}

}  // namespace
