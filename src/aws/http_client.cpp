#include "aws/http_client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "aws/deadline_socket.hpp"
#include "aws/errors.hpp"

namespace slipway::aws {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The body moves into the Beast message (a PutTraceSegments batch is tens of KB, sent many times a
// second); write_request moves it back once written.
http::request<http::string_body> to_beast(HttpRequest& request) {
  http::request<http::string_body> out;
  out.method_string(request.method);
  out.target(request.target);
  out.version(11);
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    out.insert(name, value);
    if (iequals(name, "host")) has_host = true;
  }
  if (!has_host) out.set(http::field::host, request.url.host_header());
  out.body() = std::move(request.body);
  out.prepare_payload();
  return out;
}

HttpResponse from_beast(http::response<http::string_body>&& response) {
  HttpResponse out;
  out.status = response.result_int();
  for (const auto& field : response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(response.body());
  return out;
}

// Names the step that failed so an unreachable endpoint reads as one clear line.
[[noreturn]] void fail(const Url& url, std::string_view step, const boost::system::error_code& ec) {
  const auto what = ec == beast::error::timeout ? std::string("timed out") : ec.message();
  throw NetworkError("cannot reach " + url.scheme + "://" + url.host_header() + " (" +
                     std::string(step) + ": " + what +
                     "): check the endpoint URL and that the service is running");
}

}  // namespace

std::string Url::host_header() const {
  const bool default_port = (tls() && port == 443) || (!tls() && port == 80);
  const auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? shown : shown + ":" + std::to_string(port);
}

bool Url::is_loopback() const noexcept {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

Url parse_url(std::string_view text, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return ConfigError(std::string(what) + " \"" + std::string(text) + "\" is invalid (" +
                       std::string(why) + "): write it as http(s)://HOST[:PORT]");
  };
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) throw bad("no scheme");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") throw bad("scheme must be http or https");
  auto rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  auto authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) url.path = std::string(rest.substr(path_start));
  if (url.path == "/") url.path.clear();
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '['");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad("junk after ']'");
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw bad("no host");
  url.port = url.tls() ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      throw bad("port must be 1-65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return "";
}

namespace {

// The executor TLS streams are made with (see DeadlineSocket). Never run and never destroyed:
// a connection may be closed as late as the static destructors run.
asio::io_context::executor_type unused_executor() {
  static auto* context = new asio::io_context(1);  // NOLINT(cppcoreguidelines-owning-memory)
  return context->get_executor();
}

// One kept-alive connection.
struct Connection {
  std::string key;  // scheme://host:port
  std::optional<DeadlineSocket> plain;
  std::optional<beast::ssl_stream<DeadlineSocket>> tls;
  std::chrono::steady_clock::time_point idle_since;

  ~Connection() {
    // Closed without a close_notify (nothing would wait for the peer's), which OpenSSL takes
    // for a broken connection and marks its session not resumable, for every connection
    // sharing it. Recording the shutdown as done keeps the session usable.
    if (tls) SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  DeadlineSocket& socket() { return tls ? tls->next_layer() : *plain; }

  // False when the peer closed (or reset) the connection, or sent something unasked while it was
  // idle: either way it cannot carry the next exchange. A zero-timeout poll, no read.
  bool looks_open() {
    pollfd check{.fd = socket().fd(), .events = POLLIN, .revents = 0};
    return ::poll(&check, 1, 0) == 0;
  }
};

std::string endpoint_key(const Url& url) {
  return url.scheme + "://" + url.host + ":" + std::to_string(url.port);
}

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

struct SessionFree {
  void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
};
using TlsSession = std::unique_ptr<SSL_SESSION, SessionFree>;

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  std::once_flag tls_once;
  std::unique_ptr<asio::ssl::context> tls;  // before the pool: connections refer to it
  std::mutex mutex;
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;  // newest at the back
  std::map<std::string, TlsSession> sessions;                           // last one per endpoint
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> resumed{0};

  asio::ssl::context& tls_context() {
    // Loading the CA bundle costs milliseconds: do it once, on the first https request.
    std::call_once(tls_once, [this] {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      tls->set_default_verify_paths();
      tls->set_verify_mode(asio::ssl::verify_peer);
    });
    return *tls;
  }

  // The newest idle connection to `key` that is still usable; closes the ones that are not.
  std::unique_ptr<Connection> take_idle(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> stale;  // closed outside the lock
    std::unique_ptr<Connection> found;
    {
      std::lock_guard lock(mutex);
      auto it = idle.find(key);
      if (it == idle.end()) return nullptr;
      auto& queue = it->second;
      const auto now = std::chrono::steady_clock::now();
      while (!queue.empty() && !found) {
        auto candidate = std::move(queue.back());
        queue.pop_back();
        if (now - candidate->idle_since < options.idle_timeout && candidate->looks_open()) {
          found = std::move(candidate);
        } else {
          stale.push_back(std::move(candidate));
        }
      }
    }
    return found;
  }

  void give_back(std::unique_ptr<Connection> connection) {
    std::unique_ptr<Connection> evicted;
    connection->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto& queue = idle[connection->key];
    queue.push_back(std::move(connection));
    if (queue.size() > options.max_idle_per_endpoint) {
      evicted = std::move(queue.front());  // the oldest: the likeliest to be closed by the peer
      queue.pop_front();
    }
  }

  // A reference of its own: another thread may replace the endpoint's session meanwhile.
  TlsSession session_for(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = sessions.find(key);
    if (it == sessions.end()) return nullptr;
    SSL_SESSION_up_ref(it->second.get());
    return TlsSession(it->second.get());
  }

  void remember_session(const std::string& key, SSL* ssl) {
    TlsSession session(SSL_get1_session(ssl));
    if (!session || !SSL_SESSION_is_resumable(session.get())) return;
    std::lock_guard lock(mutex);
    sessions[key] = std::move(session);
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}
HttpClient::~HttpClient() = default;

std::uint64_t HttpClient::connections_opened() const noexcept {
  return impl_->opened.load();
}
std::uint64_t HttpClient::tls_sessions_resumed() const noexcept {
  return impl_->resumed.load();
}

namespace {

// A socket connected to one of `endpoints` (tried in turn) before `deadline`, or throws.
DeadlineSocket connect_socket(const Url& url, const std::vector<tcp::endpoint>& endpoints,
                              std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code ec = asio::error::host_not_found;
  for (const auto& endpoint : endpoints) {
    // Non-blocking, to wait for the connect with a deadline. Kept open between calls: not for
    // the programs this process starts.
    const int fd = ::socket(endpoint.protocol().family(),
                            SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      ec.assign(errno, boost::system::system_category());
      continue;
    }
    DeadlineSocket socket(fd, unused_executor());
    socket.expires_at(deadline);
    ec = {};
    if (::connect(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0) {
      if (errno != EINPROGRESS) {
        ec.assign(errno, boost::system::system_category());
      } else if (socket.wait(POLLOUT, ec)) {
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0) ec.assign(error, boost::system::system_category());
      }
    }
    if (!ec) {
      // Requests are small and go out in more than one write under TLS; Nagle's delay would
      // hold the last one back.
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      return socket;
    }
    if (ec == beast::error::timeout) break;
  }
  fail(url, "connect", ec);
}

void open_connection(Connection& connection, const Url& url, const HttpTimeouts& timeouts,
                     asio::ssl::context* tls, SSL_SESSION* session, bool& resumed) {
  const auto deadline = std::chrono::steady_clock::now() + timeouts.connect;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, url.port);
  } else {
    // getaddrinfo, bounded by the resolver's own timeouts (resolv.conf), not by the deadline.
    tcp::resolver resolver(unused_executor());
    const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) fail(url, "resolve", ec);
    for (const auto& result : results) endpoints.push_back(result.endpoint());
  }
  auto socket = connect_socket(url, endpoints, deadline);
  if (!tls) {
    connection.plain.emplace(std::move(socket));
    return;
  }
  auto& tls_stream = connection.tls.emplace(std::move(socket), *tls);
  // SNI, and the name the certificate must carry.
  // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
  if (SSL_ctrl(tls_stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str())) != 1) {
    throw NetworkError("cannot set TLS server name for " + url.host);
  }
  tls_stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  // Resuming the endpoint's last session skips the certificate exchange and its verification.
  if (session != nullptr) SSL_set_session(tls_stream.native_handle(), session);
  tls_stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) fail(url, "TLS handshake", ec);
  resumed = SSL_session_reused(tls_stream.native_handle()) == 1;
}

// What one half of an exchange (writing the request, or reading the response) came to.
struct Exchange {
  boost::system::error_code error;
  std::string_view step;          // "write" or "read" when `error`
  bool response_started = false;  // some of a response arrived
  bool reusable = false;          // the connection may carry another exchange
  HttpResponse response;
};

// Writes `request` before the socket's deadline (set by the caller; it also covers reading the
// response).
template <typename Stream>
void write_request(Stream& stream, HttpRequest& request, Exchange& out) {
  auto beast_request = to_beast(request);
  boost::system::error_code ec;
  http::write(stream, beast_request, ec);
  request.body = std::move(beast_request.body());
  if (ec) {
    out.error = ec;
    out.step = "write";
  }
}

template <typename Stream>
void read_response(Stream& stream, Exchange& out) {
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::system::error_code ec;
  http::read(stream, buffer, parser, ec);
  if (ec) {
    out.error = ec;
    out.step = "read";
    out.response_started = parser.got_some() || buffer.size() > 0;
    return;
  }
  // Bytes beyond the response would be read as the next one's start.
  out.reusable = parser.keep_alive() && buffer.size() == 0;
  out.response = from_beast(parser.release());
}

}  // namespace

struct InFlightRequest::State {
  std::unique_ptr<Connection> connection;  // written on; read from by finish
  HttpRequest request;
  HttpTimeouts timeouts;
  bool reused = false;  // the connection carried an exchange before
};

InFlightRequest::InFlightRequest(std::unique_ptr<State> state) : state_(std::move(state)) {}
InFlightRequest::InFlightRequest(InFlightRequest&&) noexcept = default;
InFlightRequest& InFlightRequest::operator=(InFlightRequest&&) noexcept = default;
InFlightRequest::~InFlightRequest() = default;
HttpRequest& InFlightRequest::request() noexcept {
  return state_->request;
}

HttpResponse HttpClient::send(const HttpRequest& request, const HttpTimeouts& timeouts) {
  auto copy = request;
  auto in_flight = start(std::move(copy), timeouts);
  return finish(in_flight);
}

InFlightRequest HttpClient::start(HttpRequest&& request, const HttpTimeouts& timeouts) {
  return start(std::move(request), timeouts, true);
}

InFlightRequest HttpClient::start(HttpRequest&& request, const HttpTimeouts& timeouts,
                                  bool may_reuse) {
  const auto key = endpoint_key(request.url);
  asio::ssl::context* tls = request.url.tls() ? &impl_->tls_context() : nullptr;
  for (;;) {
    auto connection = may_reuse ? impl_->take_idle(key) : nullptr;
    const bool reused = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<Connection>();
      connection->key = key;
      bool resumed = false;
      const auto session = tls ? impl_->session_for(key) : nullptr;
      open_connection(*connection, request.url, timeouts, tls, session.get(), resumed);
      ++impl_->opened;
      if (resumed) ++impl_->resumed;
    }
    Exchange result;
    connection->socket().expires_at(std::chrono::steady_clock::now() + timeouts.request);
    if (connection->tls) {
      write_request(*connection->tls, request, result);
    } else {
      write_request(*connection->plain, request, result);
    }
    if (result.error) {
      // The server closed a kept-alive connection as we wrote to it: nothing was answered, so
      // the request goes again on a new connection. A timeout is a slow server, not a stale
      // connection: no second wait.
      if (reused && result.error != beast::error::timeout) {
        may_reuse = false;
        continue;
      }
      fail(request.url, result.step, result.error);  // the connection is dropped with it
    }
    return InFlightRequest(std::make_unique<InFlightRequest::State>(
        InFlightRequest::State{.connection = std::move(connection),
                               .request = std::move(request),
                               .timeouts = timeouts,
                               .reused = reused}));
  }
}

HttpResponse HttpClient::finish(InFlightRequest& in_flight) {
  auto& state = *in_flight.state_;
  auto& connection = *state.connection;
  Exchange result;
  if (connection.tls) {
    read_response(*connection.tls, result);
  } else {
    read_response(*connection.plain, result);
  }
  if (result.error) {
    state.connection.reset();  // a connection that failed is never reused
    // The server closed a kept-alive connection as we used it: nothing was answered, so an
    // idempotent request is sent again on a new connection.
    const bool stale = state.reused && !result.response_started &&
                       result.error != beast::error::timeout && idempotent(state.request.method);
    if (!stale) fail(state.request.url, result.step, result.error);
    in_flight = start(std::move(state.request), state.timeouts, false);
    return finish(in_flight);
  }
  if (connection.tls && !state.reused) {
    impl_->remember_session(connection.key, connection.tls->native_handle());
  }
  if (result.reusable) {
    impl_->give_back(std::move(state.connection));
  } else {
    state.connection.reset();
  }
  return std::move(result.response);
}

}  // namespace slipway::aws
