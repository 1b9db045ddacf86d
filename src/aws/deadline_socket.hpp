#pragma once
// A connected TCP socket whose reads and writes wait, by poll(2), until a deadline at most: the
// stream aws::HttpClient runs Beast's HTTP and Asio's TLS over, synchronously. Synchronous because
// the caller waits for its answer anyway, and because an exchange is then its sendmsg, its recvmsg
// and a poll: through an io_context it also cost six epoll_wait and two timerfd_settime, and a
// system call costs over a microsecond on the virtual machines this runs on
// (docs/platform-notes.md), at up to a thousand X-Ray calls a second. Written here because Asio's
// own synchronous calls wait without a limit. Internal to the aws module.

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>

namespace slipway::aws {

class DeadlineSocket {
 public:
  // What asio::ssl::stream asks of the stream below it. The executor only constructs the TLS
  // stream's timers, which its synchronous calls never start.
  using executor_type = boost::asio::io_context::executor_type;
  using lowest_layer_type = DeadlineSocket;

  // Takes `fd`, a connected (or connecting) non-blocking TCP socket, and closes it.
  DeadlineSocket(int fd, executor_type executor) noexcept;
  DeadlineSocket(DeadlineSocket&& other) noexcept;
  DeadlineSocket& operator=(DeadlineSocket&&) = delete;
  DeadlineSocket(const DeadlineSocket&) = delete;
  DeadlineSocket& operator=(const DeadlineSocket&) = delete;
  ~DeadlineSocket();

  int fd() const noexcept { return fd_; }
  executor_type get_executor() const noexcept { return executor_; }
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  // Every later read, write and wait gives up at `deadline` with beast::error::timeout.
  void expires_at(std::chrono::steady_clock::time_point deadline) noexcept { deadline_ = deadline; }

  // Waits until `events` (POLLIN, POLLOUT) or the deadline; false, with `ec` set, at the deadline
  // or on a poll error.
  bool wait(short events, boost::system::error_code& ec) const;

  // Beast's SyncReadStream and SyncWriteStream: at least one byte, or an error (the peer's end of
  // the stream is boost::asio::error::eof); an empty buffer sequence moves nothing.
  template <typename MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    Gather gather(buffers);
    return transfer(gather, POLLIN, ec,
                    [&] { return ::recvmsg(fd_, &gather.message, MSG_DONTWAIT); });
  }
  template <typename ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, boost::system::error_code& ec) {
    Gather gather(buffers);
    return transfer(gather, POLLOUT, ec,
                    [&] { return ::sendmsg(fd_, &gather.message, MSG_DONTWAIT | MSG_NOSIGNAL); });
  }
  template <typename MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    return or_throw(read_some(buffers, ec), ec);
  }
  template <typename ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    boost::system::error_code ec;
    return or_throw(write_some(buffers, ec), ec);
  }

 private:
  // A buffer sequence as one sendmsg's or recvmsg's iovec array: its first 64 buffers (the
  // callers loop over what is left).
  struct Gather {
    std::array<iovec, 64> parts;  // only the first msg_iovlen are set: no 1 KB fill per call
    msghdr message{};
    template <typename Buffers>
    explicit Gather(const Buffers& buffers) {
      std::size_t count = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers) && count < parts.size(); ++it) {
        const auto buffer = *it;
        if (buffer.size() == 0) continue;
        parts[count++] = {.iov_base = const_cast<void*>(static_cast<const void*>(buffer.data())),
                          .iov_len = buffer.size()};
      }
      message.msg_iov = parts.data();
      message.msg_iovlen = count;
    }
  };

  static std::size_t or_throw(std::size_t done, const boost::system::error_code& ec) {
    if (ec) throw boost::system::system_error(ec);
    return done;
  }

  // Makes `call` (a non-blocking recvmsg or sendmsg of `gather`) until it moves bytes, waiting
  // for `events` in between. Nothing asked is nothing done, as in Asio.
  template <typename Call>
  std::size_t transfer(const Gather& gather, short events, boost::system::error_code& ec,
                       Call call) {
    ec = {};
    if (gather.message.msg_iovlen == 0) return 0;
    for (;;) {
      const auto done = call();
      if (done > 0) return static_cast<std::size_t>(done);
      if (done == 0) {
        // Only a read returns 0 for a non-empty buffer: the peer's end of the stream.
        ec = boost::asio::error::eof;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec.assign(errno, boost::system::system_category());
        return 0;
      }
      if (!wait(events, ec)) return 0;
    }
  }

  int fd_;
  executor_type executor_;
  std::chrono::steady_clock::time_point deadline_{};
};

}  // namespace slipway::aws
