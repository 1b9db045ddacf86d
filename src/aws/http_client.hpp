#pragma once
// The outbound HTTP(S) transport: Boost.Beast over Asio, OpenSSL for TLS (docs/architecture.md
// says why the outbound client is Beast too). Synchronous for callers; every step has a deadline. TLS verifies the
// peer against the system CA bundle and the host name. No Asio or OpenSSL type in this header.

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
  std::chrono::milliseconds connect{3000};   // DNS + TCP + TLS handshake
  std::chrono::milliseconds request{15000};  // write request + read response
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on a new connection and reads the whole response. Throws NetworkError
  // (naming the host and the step) on DNS, connect, TLS, timeout or framing failures; any HTTP
  // status is a response, not an error. Thread-safe.
  HttpResponse send(const HttpRequest& request, const HttpTimeouts& timeouts = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::aws
