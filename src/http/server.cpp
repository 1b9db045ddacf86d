#include "http/server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "telemetry/log.hpp"

namespace slipway::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kAwaitTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr auto kWatchdogTick = std::chrono::milliseconds(200);
// After an error response, how long and how much of what the client still sends is read and
// discarded before closing (see linger()).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1024 * 1024;
// Accept failures are logged at most this often, with the count of those not logged.
constexpr auto kAcceptLogInterval = std::chrono::seconds(10);

// What a connection is waiting for decides which deadline applies.
enum class Phase { idle, header, body, handling, writing };

struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  Phase phase = Phase::idle;
  Clock::time_point deadline = Clock::time_point::max();
  std::list<Connection*>::iterator position;
};

struct Worker {
  asio::io_context context{1};  // one thread per context: no locking inside
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::steady_timer watchdog{context};
  std::list<Connection*> connections;  // touched only by this worker's thread
  bool draining = false;
  std::thread thread;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, Pipeline& p) : options(std::move(o)), pipeline(p) {}

  ServerOptions options;
  Pipeline& pipeline;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;  // runs on workers[0]
  std::uint16_t bound_port = 0;
  std::size_t next_worker = 0;
  std::atomic<std::size_t> open_connections{0};
  // A descriptor held in reserve: when accept fails for lack of descriptors it is closed to
  // take the waiting client, answer it 503, and opened again. -1 while none is held.
  int spare_fd = -1;
  Clock::time_point accept_failure_logged{};
  std::size_t accept_failures_unlogged = 0;
  mutable std::mutex idle_mutex;
  mutable std::condition_variable idle_changed;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(Worker& worker, tcp::socket socket);
  asio::awaitable<void> linger(Connection& conn, boost::beast::flat_buffer& buffer);
  asio::awaitable<void> watchdog(Worker& worker);
  bool shed_with_spare_descriptor();
  void note_accept_failure(const boost::system::error_code& ec);
  void connection_closed();
};

namespace {

void close_quietly(tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

// Over the connection limit: one best-effort non-blocking write of a canned 503, then close.
// Not worth a coroutine or a deadline: it either fits in the socket buffer at once or is lost.
void refuse_connection(tcp::socket& socket) {
  static constexpr std::string_view kBody =
      "{\"error\":\"too_many_connections\",\"message\":\"connection limit reached; retry\"}\n";
  static const std::string kResponse =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(kResponse), ignored);
  close_quietly(socket);
}

}  // namespace

bool Server::Impl::shed_with_spare_descriptor() {
  if (spare_fd < 0) return false;
  ::close(spare_fd);
  spare_fd = -1;
  tcp::socket socket(acceptor->get_executor());
  boost::system::error_code ec;
  acceptor->accept(socket, ec);  // the acceptor is non-blocking: would_block when none waits
  if (!ec) refuse_connection(socket);
  spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return !ec;
}

void Server::Impl::note_accept_failure(const boost::system::error_code& ec) {
  const auto now = Clock::now();
  if (now - accept_failure_logged < kAcceptLogInterval) {
    ++accept_failures_unlogged;
    return;
  }
  telemetry::logger().warn("accept failed", {{"error", ec.message()},
                                             {"max_connections", options.max_connections},
                                             {"not_logged_since_last", accept_failures_unlogged}});
  accept_failure_logged = now;
  accept_failures_unlogged = 0;
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    Worker& target = *workers[next_worker++ % workers.size()];
    auto [ec, accepted] = co_await acceptor->async_accept(target.context, kAwaitTuple);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      note_accept_failure(ec);
      // Out of descriptors (EMFILE, ENFILE): the client would wait in the backlog unanswered
      // until it gives up. Answer it 503 with the spare descriptor instead.
      const bool out_of_descriptors = ec == asio::error::no_descriptors ||
                                      ec == boost::system::errc::too_many_files_open_in_system;
      if (out_of_descriptors && shed_with_spare_descriptor()) continue;
      // Otherwise (a client gone before accept, no spare): pause briefly so a persistent
      // failure does not spin, and carry on.
      asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kAwaitTuple);
      continue;
    }
    tcp::socket socket(std::move(accepted));  // to the type-erased executor sessions use
    if (open_connections.load() >= options.max_connections) {
      refuse_connection(socket);
      continue;
    }
    ++open_connections;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(target.context, session(target, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::session(Worker& worker, tcp::socket socket) {
  Connection conn(std::move(socket));
  worker.connections.push_front(&conn);
  conn.position = worker.connections.begin();
  // Must persist between requests: it may hold the start of the next pipelined request.
  boost::beast::flat_buffer buffer(options.limits.max_header_bytes + kReadChunk);
  std::string wire;  // the response being written; reused so its capacity is kept

  for (bool first_request = true;; first_request = false) {
    if (worker.draining && buffer.size() == 0) break;  // idle while draining: close now
    RequestReader reader(options.limits);
    conn.phase = Phase::idle;
    // A new connection owes us a request, not a keep-alive wait: one that never sends a byte
    // is held for the header deadline only (it still counts as idle for a drain).
    conn.deadline = Clock::now() + (first_request ? options.header_timeout : options.idle_timeout);
    bool continue_sent = false;
    auto state = reader.feed(buffer);
    bool peer_gone = false;
    while (state == RequestReader::State::need_more) {
      if (!reader.header_done()) {
        if (conn.phase == Phase::idle && reader.started()) {
          conn.phase = Phase::header;
          conn.deadline = Clock::now() + options.header_timeout;
        }
      } else if (conn.phase != Phase::body) {
        conn.phase = Phase::body;
        conn.deadline = Clock::now() + options.body_timeout;
        if (reader.expects_continue() && !continue_sent) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, n] =
              co_await asio::async_write(conn.socket, asio::buffer(kContinue), kAwaitTuple);
          if (wec) {
            peer_gone = true;
            break;
          }
          continue_sent = true;
        }
      }
      // The reader never asks for more with the buffer full (it fails first), so room > 0;
      // were it 0, the read would complete at once with nothing and this loop would spin.
      const auto room = std::min(kReadChunk, buffer.max_size() - buffer.size());
      if (room == 0) {
        peer_gone = true;
        break;
      }
      auto [ec, n] = co_await conn.socket.async_read_some(buffer.prepare(room), kAwaitTuple);
      if (ec) {
        // End of stream between requests is the normal end of keep-alive; a reset, or the
        // watchdog closing the socket at a deadline, ends the connection without an answer.
        peer_gone = true;
        break;
      }
      buffer.commit(n);
      if (conn.phase == Phase::idle) {
        conn.phase = Phase::header;
        conn.deadline = Clock::now() + options.header_timeout;
      }
      state = reader.feed(buffer);
    }
    if (peer_gone) break;

    conn.phase = Phase::handling;
    conn.deadline = Clock::time_point::max();
    Exchange exchange = [&] {
      if (state == RequestReader::State::complete) {
        Request request = reader.release();
        return pipeline.handle(request);
      }
      const auto& failure = reader.failure();
      return pipeline.reject(failure.status, failure.code, failure.message);
    }();
    if (exchange.delay.count() > 0) {
      asio::steady_timer delay(worker.context, exchange.delay);
      co_await delay.async_wait(kAwaitTuple);
    }
    // Checked right before writing: a drain may have begun while the request was handled.
    if (worker.draining) exchange.response.keep_alive(false);

    conn.phase = Phase::writing;
    conn.deadline = Clock::now() + options.write_timeout;
    wire.clear();
    append_wire_format(exchange.response, wire);
    auto [wec, written] = co_await asio::async_write(conn.socket, asio::buffer(wire), kAwaitTuple);
    pipeline.finish(exchange, exchange.response.body().size());
    if (!wec && exchange.close_after) co_await linger(conn, buffer);
    if (wec || !exchange.response.keep_alive() || exchange.close_after) break;
  }

  close_quietly(conn.socket);
  worker.connections.erase(conn.position);
  connection_closed();
}

// A request we refused may still be arriving (a body, the rest of an overlong line). Closing
// with unread bytes makes the kernel reset the connection, and a reset can destroy the error
// response before the client reads it. So: stop sending, read and discard until the client
// closes, for a short and bounded while, then close.
asio::awaitable<void> Server::Impl::linger(Connection& conn, boost::beast::flat_buffer& buffer) {
  boost::system::error_code ignored;
  conn.socket.shutdown(tcp::socket::shutdown_send, ignored);
  conn.phase = Phase::writing;
  conn.deadline = Clock::now() + kLingerTime;
  for (std::size_t discarded = 0; discarded < kLingerBytes;) {
    buffer.consume(buffer.size());
    auto [ec, n] = co_await conn.socket.async_read_some(buffer.prepare(kReadChunk), kAwaitTuple);
    if (ec) break;  // the client closed, or the watchdog did at the deadline
    discarded += n;
  }
  buffer.consume(buffer.size());
}

asio::awaitable<void> Server::Impl::watchdog(Worker& worker) {
  for (;;) {
    worker.watchdog.expires_after(kWatchdogTick);
    auto [ec] = co_await worker.watchdog.async_wait(kAwaitTuple);
    if (ec) co_return;
    const auto now = Clock::now();
    for (auto* conn : worker.connections) {
      // Closing makes the pending read or write complete with an error: the session ends.
      if (now > conn->deadline) {
        conn->deadline = Clock::time_point::max();
        boost::system::error_code ignored;
        conn->socket.close(ignored);
      }
    }
  }
}

void Server::Impl::connection_closed() {
  if (--open_connections == 0) {
    std::lock_guard lock(idle_mutex);
    idle_changed.notify_all();
  }
}

Server::Server(ServerOptions options, Pipeline& pipeline)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  const auto workers = std::max(1u, impl_->options.workers);
  for (unsigned i = 0; i < workers; ++i) impl_->workers.push_back(std::make_unique<Worker>());
  auto& first = *impl_->workers.front();

  const auto where = impl_->options.bind_address + ":" + std::to_string(impl_->options.port);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.bind_address, ec);
  if (ec) throw core::InputError("cannot listen on " + where + ": not an IP address");
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor.emplace(first.context);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  // Non-blocking for the synchronous accept of shed_with_spare_descriptor() only.
  if (!ec) acceptor.non_blocking(true, ec);
  if (ec) {
    throw core::SystemError("cannot listen on " + where + ": " + ec.message() +
                            (ec == asio::error::address_in_use
                                 ? "; stop the process using it or choose another PORT"
                                 : ""));
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  impl_->spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  asio::co_spawn(first.context, impl_->accept_loop(), asio::detached);
  for (auto& worker : impl_->workers) {
    worker->work.emplace(worker->context.get_executor());
    asio::co_spawn(worker->context, impl_->watchdog(*worker), asio::detached);
    worker->thread = std::thread([w = worker.get()] { w->context.run(); });
  }
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

void Server::stop_accepting() {
  if (impl_->workers.empty()) return;
  asio::post(impl_->workers.front()->context, [impl = impl_.get()] {
    boost::system::error_code ignored;
    if (impl->acceptor) impl->acceptor->close(ignored);
  });
  for (auto& worker : impl_->workers) {
    asio::post(worker->context, [w = worker.get()] {
      w->draining = true;
      for (auto* conn : w->connections) {
        if (conn->phase == Phase::idle) {
          boost::system::error_code ignored;
          conn->socket.close(ignored);
        }
      }
    });
  }
}

std::size_t Server::connections() const {
  return impl_->open_connections.load();
}

bool Server::wait_until_idle(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(impl_->idle_mutex);
  return impl_->idle_changed.wait_until(lock, deadline,
                                        [&] { return impl_->open_connections.load() == 0; });
}

void Server::stop() {
  for (auto& worker : impl_->workers) {
    worker->work.reset();
    worker->context.stop();
  }
  for (auto& worker : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
  if (impl_->spare_fd >= 0) {
    ::close(impl_->spare_fd);
    impl_->spare_fd = -1;
  }
}

}  // namespace slipway::http
