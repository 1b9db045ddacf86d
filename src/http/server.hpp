#pragma once
// The HTTP/1.1 server: one listening socket, one event loop per worker thread (accepted
// connections are handed out round-robin), keep-alive, per-phase deadlines (idle, header, body,
// write) enforced by a per-worker watchdog instead of a timer per operation, a connection limit,
// and a graceful drain. Asio stays behind the pimpl.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/pipeline.hpp"
#include "http/request_reader.hpp"

namespace slipway::http {

struct ServerOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: the kernel picks one (see Server::port())
  unsigned workers = 1;
  RequestLimits limits;
  // Open connections; beyond it a new client gets a 503 and is closed. Each takes one file
  // descriptor: keep it below RLIMIT_NOFILE (the service sizes it so at start).
  std::size_t max_connections = 10'000;
  // From the first byte of a request to its complete header: what stops a slowloris. A new
  // connection that sends nothing is closed after this too.
  std::chrono::milliseconds header_timeout{10'000};
  // From the header to the complete body.
  std::chrono::milliseconds body_timeout{30'000};
  // Waiting for the next request on a keep-alive connection. Longer than a load balancer's
  // idle timeout (ALB: 60 s), so the balancer, not us, closes idle connections: no race.
  std::chrono::milliseconds idle_timeout{75'000};
  std::chrono::milliseconds write_timeout{30'000};
};

class Server {
 public:
  Server(ServerOptions options, Pipeline& pipeline);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens, then starts the worker threads. Throws core::SystemError naming the
  // address when it cannot bind (e.g. the port is in use).
  void start();

  // The bound port (useful after port 0).
  std::uint16_t port() const;

  // Stops accepting (new connections are refused), closes idle keep-alive connections, and
  // makes every busy connection close after its current response.
  void stop_accepting();

  // Open connections right now.
  std::size_t connections() const;

  // Waits until no connection is open or `deadline` passes; true when none is left.
  bool wait_until_idle(std::chrono::steady_clock::time_point deadline) const;

  // Stops the event loops (closing whatever is still open) and joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slipway::http
