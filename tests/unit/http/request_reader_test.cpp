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
      {"big body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n",
       Status::payload_too_large},
      {"bad length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
       Status::bad_request},
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
  append(buffer, "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(reader.feed(buffer), State::need_more);
  EXPECT_TRUE(reader.expects_continue());
}

// What one request's bytes come to, fed at once with 1 KiB limits.
struct Outcome {
  State state;
  unsigned status = 0;  // when failed
  std::string body;     // when complete
  std::string rest;     // bytes left for the next request
};

Outcome read_once(std::string_view bytes) {
  RequestReader reader({.max_header_bytes = 1024, .max_body_bytes = 64 * 1024});
  boost::beast::flat_buffer buffer;
  append(buffer, bytes);
  Outcome outcome{reader.feed(buffer), 0, {}, {}};
  if (outcome.state == State::failed)
    outcome.status = static_cast<unsigned>(reader.failure().status);
  if (outcome.state == State::complete) outcome.body = reader.release().body();
  outcome.rest = boost::beast::buffers_to_string(buffer.data());
  return outcome;
}

constexpr std::string_view kChunkedPost =
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

// A chunk-size line, chunk extension or trailer section longer than the buffer once made the
// session read zero bytes in a loop (a CPU spin): the reader must fail it instead of waiting.
TEST(RequestReader, RejectsFramingLinesOverTheHeaderLimit) {
  const std::string filler(2000, 'a');
  for (const auto& body : {"1;" + filler, "1;x=" + filler + "\r\n", std::string(2000, '0'),
                           "0\r\nX-Trailer: " + filler, "3\r\nabc\r\n0\r\nX: " + filler}) {
    const auto outcome = read_once(std::string(kChunkedPost) + body);
    EXPECT_EQ(outcome.state, State::failed) << body.substr(0, 20);
    EXPECT_EQ(outcome.status, 431u) << body.substr(0, 20);
  }
}

TEST(RequestReader, ReadsChunksWithExtensionsAndTrailersUnderTheLimit) {
  const auto outcome =
      read_once(std::string(kChunkedPost) + "3;name=value\r\nabc\r\n0\r\nX-T: 1\r\n\r\n");
  ASSERT_EQ(outcome.state, State::complete);
  EXPECT_EQ(outcome.body, "abc");
}

// RFC 9112 §6.3: Transfer-Encoding without chunked last must be 400 and close; before, the
// body was taken as the next request (request smuggling).
TEST(RequestReader, RejectsTransferEncodingNotEndingInChunked) {
  const struct {
    std::string_view encoding;
    unsigned status;
  } cases[] = {
      {"gzip", 400},       {"chunked, gzip", 400}, {"chunked\r\nTransfer-Encoding: x", 400},
      {"", 400},           {"gzip, chunked", 501}, {"chunked, chunked", 501},
      {"chunked;q=1", 501}};
  for (const auto& c : cases) {
    const auto outcome =
        read_once("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + std::string(c.encoding) +
                  "\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(outcome.state, State::failed) << c.encoding;
    EXPECT_EQ(outcome.status, c.status) << c.encoding;
  }
}

TEST(RequestReader, RejectsTransferEncodingBesideContentLengthOrInHttp10) {
  for (const auto* bytes :
       {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}) {
    const auto outcome = read_once(bytes);
    EXPECT_EQ(outcome.state, State::failed) << bytes;
    EXPECT_EQ(outcome.status, 400u) << bytes;
  }
}

TEST(RequestReader, AcceptsChunkedInAnyCase) {
  const auto outcome = read_once(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ChUnKeD\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(outcome.state, State::complete);
  EXPECT_EQ(outcome.body, "abc");
}

// RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host or with more than one; the values
// nginx refuses are refused too.
TEST(RequestReader, RequiresOneValidHostInHttp11) {
  const struct {
    std::string_view bytes;
    State state;
  } cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", State::failed},
      {"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost:\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost: :80\r\n\r\n", State::failed},
      {"GET / HTTP/1.1\r\nHost: .\r\n\r\n", State::failed},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nHost: b\r\n\r\n",
       State::failed},
      {"GET / HTTP/1.0\r\n\r\n", State::complete},
      {"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", State::complete},
      {"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", State::complete},
      {"GET / HTTP/1.1\r\nHost: example.com.\r\n\r\n", State::complete},
  };
  for (const auto& c : cases) {
    const auto outcome = read_once(c.bytes);
    EXPECT_EQ(outcome.state, c.state) << c.bytes;
    if (c.state == State::failed) {
      EXPECT_EQ(outcome.status, 400u) << c.bytes;
    }
  }
}

// What nginx refuses is refused too (tests/corpus/http: te-value-*, cl-value-*, cl-combo-*,
// request-line-*, header-size-many-1000).
TEST(RequestReader, RejectsWhatNginxRefuses) {
  const struct {
    std::string bytes;
    unsigned status;
  } cases[] = {
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,5\r\n\r\nhello", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t5\r\n\r\nhello", 400},
      {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
      {"get / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"llo", 400},  // stray bytes after a body: refused before a header could follow
      {"GET / HTTP/1.1\r\nHost:\ta\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    const auto outcome = read_once(c.bytes);
    EXPECT_EQ(outcome.state, State::failed) << c.bytes;
    EXPECT_EQ(outcome.status, c.status) << c.bytes;
  }
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 1000; ++i) many += "X:\r\n";
  RequestReader reader({.max_header_bytes = 16 * 1024, .max_body_bytes = 0});
  boost::beast::flat_buffer buffer;
  append(buffer, many + "\r\n");
  ASSERT_EQ(reader.feed(buffer), State::failed);
  EXPECT_EQ(reader.failure().status, Status::request_header_fields_too_large);
}

TEST(RequestReader, RejectsObsoleteLineFolding) {
  for (const auto* bytes : {"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
                            "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n"}) {
    const auto outcome = read_once(bytes);
    EXPECT_EQ(outcome.state, State::failed) << bytes;
    EXPECT_EQ(outcome.status, 400u) << bytes;
  }
}

// RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
TEST(RequestReader, IgnoresEmptyLinesBeforeTheRequestLine) {
  for (const auto* bytes :
       {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"}) {
    EXPECT_EQ(read_once(bytes).state, State::complete) << bytes;
  }
  RequestReader reader({});
  boost::beast::flat_buffer buffer;
  append(buffer, "\r");
  EXPECT_EQ(reader.feed(buffer), State::need_more);
  append(buffer, "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(reader.feed(buffer), State::complete);
  EXPECT_EQ(read_once(std::string(2000, '\n')).state, State::failed) << "bounded";
}

}  // namespace
