#include "aws/deadline_socket.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <cstdint>
#include <utility>

namespace slipway::aws {

DeadlineSocket::DeadlineSocket(int fd, executor_type executor) noexcept
    : fd_(fd), executor_(std::move(executor)) {}

DeadlineSocket::DeadlineSocket(DeadlineSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), executor_(other.executor_), deadline_(other.deadline_) {}

DeadlineSocket::~DeadlineSocket() {
  if (fd_ >= 0) ::close(fd_);
}

bool DeadlineSocket::wait(short events, boost::system::error_code& ec) const {
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ec = boost::beast::error::timeout;
      return false;
    }
    pollfd ready{.fd = fd_, .events = events, .revents = 0};
    // In slices of at most a minute: poll takes an int of milliseconds.
    const int count =
        ::poll(&ready, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (count > 0) return true;  // ready, or an error the next call reports
    if (count < 0 && errno != EINTR) {
      ec.assign(errno, boost::system::system_category());
      return false;
    }
  }
}

}  // namespace slipway::aws
