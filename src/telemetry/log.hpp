#pragma once
// Structured logging: one JSON object per line (time, level, msg, the request's ids, then the
// caller's fields). Lines are built on the calling thread and handed to a LineWriter; the
// default writer batches them to stdout from a background thread, so a request never waits on
// the log pipe. Every line passes through core::redact() when secrets are registered.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace slipway::telemetry {

enum class Level { debug, info, warn, error };

// Returns the level named `text` (debug, info, warn, error), nullopt otherwise.
std::optional<Level> parse_level(std::string_view text);
std::string_view to_string(Level level);

// One key/value of a log line. Keys are written as given (they are code, not input).
class Field {
 public:
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  Field(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  Field(std::string_view key, const char* value) : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, const std::string& value)
      : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}
  Field(std::string_view key, double value) : key_(key), value_(value) {}
  template <typename Integer>
  requires std::is_integral_v<Integer> &&
      (!std::is_same_v<Integer, bool>)Field(std::string_view key, Integer value)
      : key_(key), value_(widen(value)) {}

  std::string_view key() const { return key_; }
  const Value& value() const { return value_; }

 private:
  template <typename Integer>
  static Value widen(Integer value) {
    if constexpr (std::is_signed_v<Integer>)
      return static_cast<std::int64_t>(value);
    else
      return static_cast<std::uint64_t>(value);
  }
  std::string_view key_;
  Value value_;
};

// The ids of the request being handled on this thread; added to every line logged meanwhile.
struct LogContext {
  std::string_view request_id;
  std::string_view trace_id;
  std::string_view span_id;
};

// Sets the thread's LogContext for its lifetime. Handlers run synchronously between two
// suspensions, so a thread-local is exact here.
class ScopedLogContext {
 public:
  explicit ScopedLogContext(const LogContext& context);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  const LogContext* previous_;
};

// Where finished lines go. write() receives one or more whole lines, each ending in '\n'.
class LineWriter {
 public:
  virtual ~LineWriter() = default;
  virtual void write(std::string_view lines) = 0;
  virtual void flush() {}
};

// Batches lines in memory and writes them to `fd` from a background thread at least every
// `flush_interval_ms`. When the reader falls behind by more than `max_pending_bytes`, new lines
// are dropped and counted (a stuck log pipe must not take the service down with it).
std::unique_ptr<LineWriter> make_async_fd_writer(int fd, std::size_t max_pending_bytes = 8 << 20,
                                                 int flush_interval_ms = 50);

class Logger {
 public:
  Logger(std::unique_ptr<LineWriter> writer, Level min_level);
  ~Logger();

  // Both are called from any thread. Relaxed: the level guards no other data, and a line
  // logged while the level changes may go either way.
  bool enabled(Level level) const { return level >= min_level_.load(std::memory_order_relaxed); }
  void set_level(Level level) { min_level_.store(level, std::memory_order_relaxed); }

  // Writes one line if `level` is enabled.
  void log(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
  void debug(std::string_view msg, std::initializer_list<Field> f = {}) {
    log(Level::debug, msg, f);
  }
  void info(std::string_view msg, std::initializer_list<Field> f = {}) { log(Level::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<Field> f = {}) { log(Level::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<Field> f = {}) {
    log(Level::error, msg, f);
  }

  // Writes pre-formatted lines (e.g. EMF objects) through the same ordered, batched output.
  void write_raw(std::string_view lines);

  // Blocks until every line logged so far has been written.
  void flush();

 private:
  std::unique_ptr<LineWriter> writer_;
  std::atomic<Level> min_level_;  // read by every logging thread, set by any
};

// The process-wide logger (stdout, async, level info) unless replaced with set_logger().
Logger& logger();
void set_logger(std::unique_ptr<Logger> replacement);

// Formats a log line into `out` (exposed for tests and benchmarks).
void format_line(std::string& out, Level level, std::string_view msg,
                 std::initializer_list<Field> fields, const LogContext* context);

}  // namespace slipway::telemetry
