#include "aws/http_client.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <mutex>

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

http::request<http::string_body> to_beast(const HttpRequest& request) {
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
  out.set(http::field::connection, "close");
  out.body() = request.body;
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

struct HttpClient::Impl {
  std::once_flag tls_once;
  std::unique_ptr<asio::ssl::context> tls;

  asio::ssl::context& tls_context() {
    // Loading the CA bundle costs milliseconds: do it once, on the first https request.
    std::call_once(tls_once, [this] {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      tls->set_default_verify_paths();
      tls->set_verify_mode(asio::ssl::verify_peer);
    });
    return *tls;
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;

namespace {

template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, beast::tcp_stream& lowest,
                               const HttpRequest& request, const HttpTimeouts& timeouts,
                               HttpResponse& out) {
  auto beast_request = to_beast(request);
  lowest.expires_after(timeouts.request);
  auto [write_ec, written] =
      co_await http::async_write(stream, beast_request, asio::as_tuple(asio::use_awaitable));
  if (write_ec) fail(request.url, "write", write_ec);
  beast::flat_buffer buffer;  // must persist between reads
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  auto [read_ec, read] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (read_ec) fail(request.url, "read", read_ec);
  out = from_beast(parser.release());
}

asio::awaitable<void> run_request(asio::ssl::context* tls, const HttpRequest& request,
                                  const HttpTimeouts& timeouts, HttpResponse& out) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  beast::tcp_stream tcp_stream(executor);
  const auto& url = request.url;
  tcp_stream.expires_after(timeouts.connect);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
      url.host, std::to_string(url.port), asio::as_tuple(asio::use_awaitable));
  if (resolve_ec) fail(url, "resolve", resolve_ec);
  auto [connect_ec, endpoint] =
      co_await tcp_stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (connect_ec) fail(url, "connect", connect_ec);
  if (!url.tls()) {
    co_await exchange(tcp_stream, tcp_stream, request, timeouts, out);
    beast::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), *tls);
  // SNI, and the name the certificate must carry.
  // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
  if (SSL_ctrl(tls_stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str())) != 1) {
    throw NetworkError("cannot set TLS server name for " + url.host);
  }
  tls_stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  auto& lowest = beast::get_lowest_layer(tls_stream);
  lowest.expires_after(timeouts.connect);
  auto [handshake_ec] = co_await tls_stream.async_handshake(asio::ssl::stream_base::client,
                                                            asio::as_tuple(asio::use_awaitable));
  if (handshake_ec) fail(url, "TLS handshake", handshake_ec);
  co_await exchange(tls_stream, lowest, request, timeouts, out);
  // No TLS close_notify exchange: the response is complete and framed by Content-Length, and a
  // peer that never answers the shutdown would only cost us a timeout.
  beast::error_code ignored;
  lowest.socket().close(ignored);
}

}  // namespace

HttpResponse HttpClient::send(const HttpRequest& request, const HttpTimeouts& timeouts) {
  asio::io_context context;
  HttpResponse response;
  std::exception_ptr error;
  asio::ssl::context* tls = request.url.tls() ? &impl_->tls_context() : nullptr;
  asio::co_spawn(context, run_request(tls, request, timeouts, response),
                 [&](std::exception_ptr e) { error = e; });
  context.run();
  if (error) std::rethrow_exception(error);
  return response;
}

}  // namespace slipway::aws
