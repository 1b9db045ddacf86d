#include "targets/vm/response_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "targets/vm/errors.hpp"

namespace slipway::targets::vm {
namespace {

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

class HaproxyResponseStream final : public ResponseFeed {
 public:
  explicit HaproxyResponseStream(int fd) : fd_(fd) {}
  ~HaproxyResponseStream() override { ::close(fd_); }
  HaproxyResponseStream(const HaproxyResponseStream&) = delete;
  HaproxyResponseStream& operator=(const HaproxyResponseStream&) = delete;

  std::vector<ResponseRecord> take() override {
    if (closed_) throw HaproxyError("HAProxy closed its response event stream" + why_closed_);
    std::array<char, 65536> buffer{};
    while (!closed_) {
      auto n = ::read(fd_, buffer.data(), buffer.size());
      if (n > 0) {
        pending_.append(buffer.data(), static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // all read for now
      // EOF (or an error): HAProxy ended the stream; what it said explains why (e.g. an unknown
      // ring, from a HAProxy started before the ring was in its configuration). The records that
      // came before it still count; the next call throws.
      why_closed_ = explanation();
      closed_ = true;
    }
    auto records = take_response_records(pending_);
    if (records.empty() && closed_) {
      throw HaproxyError("HAProxy closed its response event stream" + why_closed_);
    }
    return records;
  }

 private:
  // ": LINE" for the first line HAProxy wrote that is no record (e.g. "No such event sink"), or "".
  std::string explanation() const {
    std::size_t start = 0;
    while (start < pending_.size()) {
      auto end = std::min(pending_.find('\n', start), pending_.size());
      auto line = pending_.substr(start, end - start);
      start = end + 1;
      auto probe = line + "\n";
      if (!line.empty() && take_response_records(probe).empty()) return ": " + line;
    }
    return "";
  }

  int fd_;
  std::string pending_;
  bool closed_ = false;
  std::string why_closed_;
};

}  // namespace

std::vector<ResponseRecord> take_response_records(std::string& pending) {
  std::vector<ResponseRecord> records;
  std::size_t start = 0;
  while (true) {
    const auto end = pending.find('\n', start);
    if (end == std::string::npos) break;
    const std::string_view line(pending.data() + start, end - start);
    start = end + 1;
    const auto first = line.find(' ');
    const auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos) continue;
    ResponseRecord record{std::string(line.substr(0, first)), 0, 0};
    if (record.server.empty() || record.server == "<NOSRV>" ||
        !parse_number(line.substr(first + 1, second - first - 1), record.response_ms) ||
        !parse_number(line.substr(second + 1), record.status) || record.response_ms < 0) {
      continue;
    }
    records.push_back(std::move(record));
  }
  pending.erase(0, start);
  return records;
}

std::unique_ptr<ResponseFeed> open_response_stream(const HaproxyApi& api) {
  // `-n`: only events from now on; `-w`: keep streaming. The CLI's own idle timeout (stats timeout)
  // would end a stream that waited longer than it for a request (HAProxy closes it at the next
  // event, which is lost), so this connection's timeout is a day.
  int fd = api.open_stream("set timeout cli 86400; show events " + std::string(kResponseRing) +
                           " -w -n");
  // Read without waiting: the judge drains what arrived at each sample.
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    int error = errno;
    ::close(fd);
    throw HaproxyError(std::string("cannot read HAProxy's response events: ") +
                       std::strerror(error));
  }
  return std::make_unique<HaproxyResponseStream>(fd);
}

}  // namespace slipway::targets::vm
