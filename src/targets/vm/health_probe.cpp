#include "targets/vm/health_probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "targets/vm/errors.hpp"

// Hand-written on POSIX sockets: the probe needs a hard deadline over connect, write and read,
// which Beast gives only through an io_context per probe; this is a status line, nothing more.
namespace slipway::targets::vm {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in loopback_address(const std::string& address, int port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &in.sin_addr) != 1) {
    throw core::InputError("\"" + address + "\" is not an IPv4 address: give e.g. 127.0.0.1");
  }
  return in;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

}  // namespace

std::optional<int> probe_http(const std::string& address, int port, const std::string& path,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Socket socket;
  if (socket.fd() < 0) return std::nullopt;
  ::fcntl(socket.fd(), F_SETFL, O_NONBLOCK);
  auto target = loopback_address(address, port);
  if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    if (errno != EINPROGRESS || !wait_for(socket.fd(), POLLOUT, deadline)) return std::nullopt;
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return std::nullopt;
  }
  auto request =
      "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\nUser-Agent: slipway-probe\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(socket.fd(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      if (!wait_for(socket.fd(), POLLOUT, deadline)) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  std::string head;
  std::array<char, 512> buffer{};
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    if (!wait_for(socket.fd(), POLLIN, deadline)) return std::nullopt;
    auto n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      if (n < 0 && errno == EAGAIN) continue;
      break;
    }
    head.append(buffer.data(), static_cast<std::size_t>(n));
  }
  // "HTTP/1.x NNN reason"
  if (head.size() < 12 || !head.starts_with("HTTP/1.")) return std::nullopt;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return std::nullopt;
    status = status * 10 + (head[i] - '0');
  }
  return status;
}

bool port_accepting(const std::string& address, int port) {
  Socket socket;
  auto target = loopback_address(address, port);
  return ::connect(socket.fd(), reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
}

bool port_free(const std::string& address, int port) {
  Socket socket;
  int yes = 1;
  // SO_REUSEADDR as HAProxy and the app set it: TIME_WAIT leftovers do not make a port busy.
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  auto target = loopback_address(address, port);
  return ::bind(socket.fd(), reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
}

}  // namespace slipway::targets::vm
