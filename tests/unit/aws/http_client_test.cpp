// The transport against a loopback socket that never answers: the deadline must fire.
#include "aws/http_client.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/errors.hpp"

namespace slipway::aws {
namespace {

// A listening socket that accepts (via the backlog) but never reads or writes.
struct SilentListener {
  int fd = -1;
  std::uint16_t port = 0;
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd, 8);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd); }
};

TEST(HttpClient, ASilentPeerTimesOutAsANetworkError) {
  SilentListener listener;
  HttpClient client;
  HttpRequest request{.method = "GET",
                      .url = parse_url("http://127.0.0.1:" + std::to_string(listener.port), "t"),
                      .target = "/",
                      .headers = {},
                      .body = {}};
  try {
    client.send(request, {.connect = std::chrono::milliseconds(500),
                          .request = std::chrono::milliseconds(200)});
    FAIL() << "expected a timeout";
  } catch (const NetworkError& error) {
    EXPECT_NE(std::string(error.what()).find("timed out"), std::string::npos) << error.what();
  }
}

// A loopback port nothing listens on: taken, then freed.
int refused_port() {
  SilentListener listener;
  return listener.port;
}

// A request to 127.0.0.1:`port`.
HttpRequest loopback_request(std::string method, int port, std::string body = {}) {
  return {.method = std::move(method),
          .url = parse_url("http://127.0.0.1:" + std::to_string(port), "t"),
          .target = "/",
          .headers = {},
          .body = std::move(body)};
}

TEST(HttpClient, ARefusedConnectionIsANetworkErrorNamingTheEndpoint) {
  const int port = refused_port();
  HttpClient client;
  const auto request = loopback_request("GET", port);
  try {
    client.send(request);
    FAIL();
  } catch (const NetworkError& error) {
    EXPECT_NE(std::string(error.what()).find("127.0.0.1:" + std::to_string(port)),
              std::string::npos);
  }
}

// start only writes; the deadline (timeouts.request, counted from start) also covers the read
// that finish makes, so a peer that takes the request and never answers fails there.
TEST(HttpClient, FinishTimesOutOnAPeerThatNeverAnswers) {
  SilentListener listener;
  HttpClient client;
  auto in_flight = client.start(
      {.method = "POST",
       .url = parse_url("http://127.0.0.1:" + std::to_string(listener.port), "t"),
       .target = "/",
       .headers = {},
       .body = "{}"},
      {.connect = std::chrono::milliseconds(500), .request = std::chrono::milliseconds(200)});
  EXPECT_EQ(in_flight.request().body, "{}");  // kept, to send again
  try {
    client.finish(in_flight);
    FAIL() << "expected a timeout";
  } catch (const NetworkError& error) {
    EXPECT_NE(std::string(error.what()).find("read: timed out"), std::string::npos) << error.what();
  }
}

// A peer that accepts but never reads: once the socket buffers are full the write waits, and
// the deadline must end that wait too (a request larger than both buffers).
TEST(HttpClient, AWriteToAPeerThatNeverReadsTimesOut) {
  SilentListener listener;
  HttpClient client;
  auto request = loopback_request("POST", listener.port, std::string(64 * 1024 * 1024, 'x'));
  try {
    client.start(std::move(request), {.connect = std::chrono::milliseconds(500),
                                      .request = std::chrono::milliseconds(300)});
    FAIL() << "expected a timeout";
  } catch (const NetworkError& error) {
    EXPECT_NE(std::string(error.what()).find("write: timed out"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(request.body.size(), 64U * 1024 * 1024);  // NOLINT(bugprone-use-after-move)
}

// A start that fails leaves the caller its request, body included, to send again.
TEST(HttpClient, AStartThatCannotConnectLeavesTheCallerItsRequest) {
  HttpClient client;
  auto request = loopback_request("POST", refused_port(), std::string(20000, 'x'));
  EXPECT_THROW(client.start(std::move(request)), NetworkError);
  EXPECT_EQ(request.body, std::string(20000, 'x'));  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace slipway::aws
