#pragma once
// The outbound HTTP(S) transport: Boost.Beast and Asio's TLS stream (OpenSSL), used
// synchronously over a socket that waits by poll(2) until a deadline (docs/architecture.md says
// why the outbound client is Beast too, and why synchronous). Every step after name resolution
// has a deadline.
// TLS verifies the peer against the system CA bundle and the host name. Connections are kept
// alive and reused (a bounded idle pool per endpoint), and TLS sessions are resumed, because a
// caller like the X-Ray segment sender calls the same endpoint many times a second. No Asio or
// OpenSSL type in this header.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.hpp"

namespace slipway::aws {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  std::uint16_t port = 0;
  std::string path;  // "" or "/..."; the base path of an endpoint

  bool tls() const noexcept { return scheme == "https"; }
  // "host" or "host:port" when the port is not the scheme's default.
  std::string host_header() const;
  // True for 127.0.0.0/8, ::1 and "localhost".
  bool is_loopback() const noexcept;
};

// Parses "scheme://host[:port][/path]"; throws ConfigError naming `what` on anything else.
Url parse_url(std::string_view text, std::string_view what);

struct HttpRequest {
  std::string method = "GET";
  Url url;
  std::string target = "/";  // path and query as sent
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  HeaderList headers;
  std::string body;

  // Returns the first header named `name` (any case), or "".
  std::string header(std::string_view name) const;
};

struct HttpTimeouts {
  // TCP connect + TLS handshake. Name resolution (getaddrinfo) is bounded by the resolver's own
  // timeouts (resolv.conf) instead.
  std::chrono::milliseconds connect{3000};
  std::chrono::milliseconds request{15000};  // write request + read response
};

struct HttpClientOptions {
  // Idle connections kept per endpoint (scheme, host, port); more are closed when returned.
  std::size_t max_idle_per_endpoint = 4;
  // An idle connection older than this is closed instead of reused: servers close idle
  // connections themselves (AWS after about a minute), and a request on one that is being
  // closed fails. Shorter than any server's, so that race is rare.
  std::chrono::milliseconds idle_timeout{20000};
};

class HttpClient;

// A request written on a connection of its own whose response is not read yet: the first half of
// HttpClient::send, so that one thread can have several requests in flight (HttpClient::start).
class InFlightRequest {
 public:
  InFlightRequest(InFlightRequest&&) noexcept;
  InFlightRequest& operator=(InFlightRequest&&) noexcept;
  ~InFlightRequest();

  // The request as written (its body too), e.g. to send it again after a failure.
  HttpRequest& request() noexcept;

 private:
  friend class HttpClient;
  struct State;
  explicit InFlightRequest(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the whole response, on an idle kept-alive connection to the
  // endpoint when there is one, else on a new one. A reused connection the server closed
  // meanwhile is noticed before sending when it can be; when it is noticed only after (nothing
  // of a response arrived), the request is sent again on a new connection if it was not written
  // or its method is idempotent. A connection that failed or timed out is never reused.
  // Throws NetworkError (naming the host and the step) on DNS, connect, TLS, timeout or framing
  // failures; any HTTP status is a response, not an error. Thread-safe: concurrent callers use
  // different connections.
  HttpResponse send(const HttpRequest& request, const HttpTimeouts& timeouts = {});

  // send() in two halves. start writes `request` and returns without reading; it takes the
  // request (its body is not copied) only when it succeeds, so after a throw the caller still has
  // it. finish reads the response, within the same `timeouts.request` counted from start; between
  // them the connection is the caller's alone. Each throws as send does, and finish sends again
  // on a new connection in the cases send would.
  InFlightRequest start(HttpRequest&& request, const HttpTimeouts& timeouts = {});
  HttpResponse finish(InFlightRequest& in_flight);

  // Connections opened and TLS handshakes that resumed a session, so far (tests, benchmarks).
  std::uint64_t connections_opened() const noexcept;
  std::uint64_t tls_sessions_resumed() const noexcept;

 private:
  InFlightRequest start(HttpRequest&& request, const HttpTimeouts& timeouts, bool may_reuse);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::aws
