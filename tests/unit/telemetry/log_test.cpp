#include "telemetry/log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/redaction.hpp"

namespace {

namespace telemetry = slipway::telemetry;

class CapturingWriter : public telemetry::LineWriter {
 public:
  explicit CapturingWriter(std::string& sink) : sink_(sink) {}
  void write(std::string_view lines) override {
    std::lock_guard lock(mutex_);
    sink_.append(lines);
  }

 private:
  std::string& sink_;
  std::mutex mutex_;
};

boost::json::object parse_only_line(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "exactly one line";
  return boost::json::parse(text).as_object();
}

TEST(Log, WritesOneJsonObjectPerLineWithTypedFields) {
  std::string out;
  telemetry::Logger logger(std::make_unique<CapturingWriter>(out), telemetry::Level::info);
  logger.info("request done", {{"status", 200}, {"ok", true}, {"ratio", 0.5}, {"route", "/x\"y"}});
  const auto line = parse_only_line(out);
  EXPECT_EQ(line.at("level"), "info");
  EXPECT_EQ(line.at("msg"), "request done");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_EQ(line.at("ok").as_bool(), true);
  EXPECT_DOUBLE_EQ(line.at("ratio").as_double(), 0.5);
  EXPECT_EQ(line.at("route"), "/x\"y");
  const auto time = std::string(line.at("time").as_string());
  ASSERT_EQ(time.size(), 24u) << time;  // 2026-11-27T02:40:00.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Log, LevelsBelowTheMinimumAreDropped) {
  std::string out;
  telemetry::Logger logger(std::make_unique<CapturingWriter>(out), telemetry::Level::warn);
  logger.info("hidden");
  logger.debug("hidden");
  EXPECT_TRUE(out.empty());
  logger.error("shown");
  EXPECT_EQ(parse_only_line(out).at("level"), "error");
}

TEST(Log, RequestContextIsAddedToEveryLineInScope) {
  std::string out;
  telemetry::Logger logger(std::make_unique<CapturingWriter>(out), telemetry::Level::info);
  {
    telemetry::LogContext context{"req-1", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"};
    telemetry::ScopedLogContext scope(context);
    logger.info("inside");
  }
  const auto line = parse_only_line(out);
  EXPECT_EQ(line.at("request_id"), "req-1");
  EXPECT_EQ(line.at("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(line.at("span_id"), "00f067aa0ba902b7");
  out.clear();
  logger.info("outside");
  EXPECT_FALSE(parse_only_line(out).contains("request_id"));
}

TEST(Log, RegisteredSecretsNeverReachTheOutput) {
  std::string out;
  telemetry::Logger logger(std::make_unique<CapturingWriter>(out), telemetry::Level::info);
  slipway::core::register_secret("canary-s3cr3t-value");
  logger.error("failed with canary-s3cr3t-value", {{"detail", "x=canary-s3cr3t-value"}});
  slipway::core::clear_registered_secrets_for_testing();
  EXPECT_EQ(out.find("canary-s3cr3t-value"), std::string::npos) << out;
  EXPECT_EQ(parse_only_line(out).at("detail"), "x=[REDACTED]");
}

TEST(Log, AsyncFdWriterDeliversEveryLineInOrderFromManyThreads) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    telemetry::Logger logger(telemetry::make_async_fd_writer(::fileno(file)),
                             telemetry::Level::info);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&logger, t] {
        for (int i = 0; i < 2000; ++i) logger.info("line", {{"thread", t}, {"i", i}});
      });
    }
    for (auto& thread : threads) thread.join();
    logger.flush();
  }
  std::rewind(file);
  std::string content;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, file)) content.append(buffer, n);
  std::fclose(file);

  std::istringstream lines(content);
  std::string line;
  int count = 0;
  int last_i[4] = {-1, -1, -1, -1};
  while (std::getline(lines, line)) {
    const auto object = boost::json::parse(line).as_object();
    const auto t = object.at("thread").as_int64();
    const auto i = object.at("i").as_int64();
    EXPECT_EQ(i, last_i[t] + 1) << "lines of one thread stay in order";
    last_i[t] = static_cast<int>(i);
    ++count;
  }
  EXPECT_EQ(count, 8000);
}

TEST(Log, AsyncFdWriterDropsAndCountsWhenTheReaderIsStuck) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string received;
  {
    // 4 KiB of pending space, and nobody reads the pipe until the logger is gone.
    auto writer = telemetry::make_async_fd_writer(fds[1], 4096, 10);
    const std::string line(100, 'x');
    for (int i = 0; i < 100'000; ++i) writer->write(line + "\n");
    std::thread reader([&] {
      char buffer[65536];
      ssize_t n;
      while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) received.append(buffer, n);
    });
    writer.reset();  // drains what it kept, then stops
    ::close(fds[1]);
    reader.join();
  }
  ::close(fds[0]);
  EXPECT_LT(received.size(), 100'000u * 101) << "lines beyond the cap were dropped";
  EXPECT_NE(received.find("log lines dropped"), std::string::npos);
}

}  // namespace
