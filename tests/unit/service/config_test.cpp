#include "service/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::core::InputError;
using slipway::service::load_config;

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name :
         {"PORT", "BIND_ADDRESS", "SLIPWAY_RELEASE", "SHUTDOWN_DELAY", "SHUTDOWN_TIMEOUT",
          "ACCESS_LOG", "FAULT_INJECT", "WORKERS", "XRAY_TRACING", "XRAY_SAMPLING_RATE",
          "XRAY_SAMPLING_RESERVOIR", "XRAY_QUEUE_CAPACITY", "XRAY_FLUSH_INTERVAL"}) {
      ::unsetenv(name);
    }
  }
};

TEST_F(ConfigTest, DefaultsFollowTheRuntimeContract) {
  const auto config = load_config();
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.server.bind_address, "0.0.0.0");
  EXPECT_EQ(config.shutdown_delay, 5s);
  EXPECT_EQ(config.shutdown_timeout, 25s);
  EXPECT_TRUE(config.access_log);
  EXPECT_GE(config.server.workers, 1u);
}

TEST_F(ConfigTest, ReadsOverrides) {
  ::setenv("PORT", "9000", 1);
  ::setenv("BIND_ADDRESS", "127.0.0.1", 1);
  ::setenv("SLIPWAY_RELEASE", "abcdef1", 1);
  ::setenv("FAULT_INJECT", "slow,unhealthy_after=2s", 1);
  const auto config = load_config();
  EXPECT_EQ(config.server.port, 9000);
  EXPECT_EQ(config.server.bind_address, "127.0.0.1");
  EXPECT_EQ(config.release, "abcdef1");
  EXPECT_TRUE(config.faults.slow_route);
  EXPECT_EQ(config.faults.unhealthy_after, 2s);
}

TEST_F(ConfigTest, RejectsBadValuesByName) {
  const std::pair<const char*, const char*> cases[] = {
      {"PORT", "0"},
      {"BIND_ADDRESS", "host"},
      {"SLIPWAY_RELEASE", "ABCDEF1"},
      {"ACCESS_LOG", "sure"},
      {"FAULT_INJECT", "boom"},
      {"WORKERS", "1000"},
      {"XRAY_TRACING", "maybe"},
      {"XRAY_SAMPLING_RATE", "1.5"},
      {"XRAY_SAMPLING_RATE", "5 %"},
      {"XRAY_SAMPLING_RESERVOIR", "-1"},
      {"XRAY_QUEUE_CAPACITY", "0"},
      {"XRAY_FLUSH_INTERVAL", "0"},
  };
  for (const auto& [name, value] : cases) {
    ::setenv(name, value, 1);
    try {
      load_config();
      ADD_FAILURE() << name << "=" << value << " accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
    ::unsetenv(name);
  }
}

TEST_F(ConfigTest, DelayMustBeShorterThanTimeout) {
  ::setenv("SHUTDOWN_DELAY", "10s", 1);
  ::setenv("SHUTDOWN_TIMEOUT", "10s", 1);
  EXPECT_THROW(load_config(), InputError);
}

}  // namespace

namespace {

TEST_F(ConfigTest, TracingIsOffByDefaultWithXrayDefaultSampling) {
  const auto config = load_config();
  EXPECT_FALSE(config.xray_tracing);
  EXPECT_EQ(config.xray_sampling.reservoir_per_second, 1u);
  EXPECT_DOUBLE_EQ(config.xray_sampling.fixed_rate, 0.05);
}

TEST_F(ConfigTest, ReadsTracingSettings) {
  ::setenv("XRAY_TRACING", "1", 1);
  ::setenv("XRAY_SAMPLING_RATE", "100%", 1);
  ::setenv("XRAY_SAMPLING_RESERVOIR", "0", 1);
  ::setenv("XRAY_QUEUE_CAPACITY", "50", 1);
  ::setenv("XRAY_FLUSH_INTERVAL", "200ms", 1);
  const auto config = load_config();
  EXPECT_TRUE(config.xray_tracing);
  EXPECT_DOUBLE_EQ(config.xray_sampling.fixed_rate, 1.0);
  EXPECT_EQ(config.xray_sampling.reservoir_per_second, 0u);
  EXPECT_EQ(config.xray_queue_capacity, 50u);
  EXPECT_EQ(config.xray_flush_interval, 200ms);
}

TEST(SamplingRate, FractionsAndPercentagesFromZeroToOne) {
  using slipway::service::parse_sampling_rate;
  EXPECT_EQ(parse_sampling_rate("0.05"), 0.05);
  EXPECT_EQ(parse_sampling_rate("5%"), 0.05);
  EXPECT_EQ(parse_sampling_rate("0"), 0.0);
  EXPECT_EQ(parse_sampling_rate("1"), 1.0);
  for (const char* bad : {"", "%", "-0.1", "1.01", "101%", "nan", "0.05x", " 0.05"}) {
    EXPECT_FALSE(parse_sampling_rate(bad)) << bad;
  }
}

}  // namespace
