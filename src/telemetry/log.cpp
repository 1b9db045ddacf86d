#include "telemetry/log.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <utility>

#include "core/json_escape.hpp"
#include "core/redaction.hpp"

namespace slipway::telemetry {
namespace {

thread_local const LogContext* current_context = nullptr;

// "2026-11-27T02:40:00.123Z". gmtime_r is slow enough to matter at one line per request, so
// the date-and-second prefix is cached per thread and only the milliseconds change.
void append_timestamp(std::string& out) {
  thread_local std::time_t cached_second = -1;
  thread_local std::array<char, 24> cached_prefix{};
  const auto now = std::chrono::system_clock::now();
  const auto ms_total =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto seconds = static_cast<std::time_t>(ms_total / 1000);
  if (seconds != cached_second) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::strftime(cached_prefix.data(), cached_prefix.size(), "%Y-%m-%dT%H:%M:%S.", &tm);
    cached_second = seconds;
  }
  out.append(cached_prefix.data());
  const auto ms = static_cast<int>(ms_total % 1000);
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
}

template <typename Number>
void append_number(std::string& out, Number value) {
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), end);
}

// Doubles in log lines are durations and ratios: three decimals are plenty, and printing them
// by hand is several times cheaper than the shortest round-trip form.
void append_decimal(std::string& out, double value) {
  if (!std::isfinite(value) || std::fabs(value) >= 9e12) {
    out += std::isfinite(value) ? std::to_string(value) : "null";
    return;
  }
  auto thousandths = std::llround(value * 1000);
  if (thousandths < 0) {
    out += '-';
    thousandths = -thousandths;
  }
  append_number(out, thousandths / 1000);
  const auto fraction = static_cast<int>(thousandths % 1000);
  out += '.';
  out += static_cast<char>('0' + fraction / 100);
  out += static_cast<char>('0' + fraction / 10 % 10);
  out += static_cast<char>('0' + fraction % 10);
}

void append_string_field(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":\"";
  core::append_json_escaped(out, value);
  out += '"';
}

constexpr std::size_t kEarlyFlushBytes = 64 * 1024;

class AsyncFdWriter final : public LineWriter {
 public:
  AsyncFdWriter(int fd, std::size_t max_pending, int flush_interval_ms)
      : fd_(fd),
        max_pending_(max_pending),
        interval_(flush_interval_ms),
        thread_([this] { run(); }) {}

  ~AsyncFdWriter() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  void write(std::string_view lines) override {
    std::lock_guard lock(mutex_);
    if (pending_.size() + lines.size() > max_pending_) {
      ++dropped_;
      return;
    }
    pending_.append(lines);
    // Wake the writer early under load: a small batch keeps memory flat (a 50 ms batch at
    // 100k lines/s would be megabytes) and costs one futex wake per batch.
    if (pending_.size() >= kEarlyFlushBytes) wake_.notify_one();
  }

  void flush() override {
    std::unique_lock lock(mutex_);
    const auto target = ++flush_requests_;
    wake_.notify_one();
    flushed_.wait(lock, [&] { return flushes_done_ >= target || stopping_; });
  }

 private:
  void run() {
    std::string batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, interval_, [&] {
        return stopping_ || flush_requests_ > flushes_done_ || pending_.size() >= kEarlyFlushBytes;
      });
      const auto requests = flush_requests_;
      const bool stop = stopping_;
      batch.swap(pending_);
      const auto dropped = std::exchange(dropped_, 0);
      lock.unlock();
      if (dropped > 0) {
        batch += "{\"level\":\"warn\",\"msg\":\"log lines dropped: output too slow\",\"dropped\":";
        append_number(batch, dropped);
        batch += "}\n";
      }
      write_all(batch);
      batch.clear();
      lock.lock();
      flushes_done_ = requests;
      flushed_.notify_all();
      if (stop && pending_.empty()) return;
    }
  }

  void write_all(std::string_view data) const {
    while (!data.empty()) {
      const auto n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // stdout closed: nothing better to do with a log line
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  const int fd_;
  const std::size_t max_pending_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::string pending_;
  std::uint64_t dropped_ = 0;
  std::uint64_t flush_requests_ = 0;
  std::uint64_t flushes_done_ = 0;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after every member above is ready
};

std::unique_ptr<Logger>& global_logger() {
  static std::unique_ptr<Logger> instance =
      std::make_unique<Logger>(make_async_fd_writer(STDOUT_FILENO), Level::info);
  return instance;
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::error;
  return std::nullopt;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

ScopedLogContext::ScopedLogContext(const LogContext& context) : previous_(current_context) {
  current_context = &context;
}

ScopedLogContext::~ScopedLogContext() {
  current_context = previous_;
}

std::unique_ptr<LineWriter> make_async_fd_writer(int fd, std::size_t max_pending_bytes,
                                                 int flush_interval_ms) {
  return std::make_unique<AsyncFdWriter>(fd, max_pending_bytes, flush_interval_ms);
}

void format_line(std::string& out, Level level, std::string_view msg,
                 std::initializer_list<Field> fields, const LogContext* context) {
  out += "{\"time\":\"";
  append_timestamp(out);
  out += "\",\"level\":\"";
  out += to_string(level);
  out += '"';
  append_string_field(out, "msg", msg);
  if (context != nullptr) {
    if (!context->request_id.empty()) append_string_field(out, "request_id", context->request_id);
    if (!context->trace_id.empty()) append_string_field(out, "trace_id", context->trace_id);
    if (!context->span_id.empty()) append_string_field(out, "span_id", context->span_id);
  }
  for (const auto& field : fields) {
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            append_string_field(out, field.key(), value);
          } else {
            out += ",\"";
            out += field.key();
            out += "\":";
            if constexpr (std::is_same_v<T, bool>) {
              out += value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
              append_decimal(out, value);
            } else {
              append_number(out, value);
            }
          }
        },
        field.value());
  }
  out += "}\n";
}

Logger::Logger(std::unique_ptr<LineWriter> writer, Level min_level)
    : writer_(std::move(writer)), min_level_(min_level) {}

Logger::~Logger() = default;

void Logger::log(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  thread_local std::string line;  // reused: one allocation per thread, not per line
  line.clear();
  format_line(line, level, msg, fields, current_context);
  if (core::has_registered_secrets()) {
    writer_->write(core::redact(line));
  } else {
    writer_->write(line);
  }
}

void Logger::write_raw(std::string_view lines) {
  if (core::has_registered_secrets()) {
    writer_->write(core::redact(lines));
  } else {
    writer_->write(lines);
  }
}

void Logger::flush() {
  writer_->flush();
}

Logger& logger() {
  return *global_logger();
}

void set_logger(std::unique_ptr<Logger> replacement) {
  global_logger() = std::move(replacement);
}

}  // namespace slipway::telemetry
