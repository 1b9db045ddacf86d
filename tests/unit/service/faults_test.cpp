#include "service/faults.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::service::parse_faults;

TEST(Faults, ParsesEveryItem) {
  const auto faults = parse_faults("unready,crash,errors,slow,unhealthy_after=1500ms");
  EXPECT_TRUE(faults.unready);
  EXPECT_TRUE(faults.crash);
  EXPECT_TRUE(faults.errors);
  EXPECT_TRUE(faults.slow_route);
  EXPECT_EQ(faults.unhealthy_after, 1500ms);
}

TEST(Faults, SomeErrorsAndLatency) {
  const auto faults = parse_faults("errors_percent=5,latency=30ms");
  EXPECT_EQ(faults.errors_percent, 5);
  EXPECT_EQ(faults.latency, 30ms);
  // 5 % of requests fail, one in every 20 in a row: any 20 consecutive requests hold one.
  int failed = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) failed += slipway::service::fails_request(i, 5) ? 1 : 0;
  EXPECT_EQ(failed, 50);
  for (std::uint64_t start = 0; start < 100; ++start) {
    int in_window = 0;
    for (std::uint64_t i = start; i < start + 20; ++i)
      in_window += slipway::service::fails_request(i, 5) ? 1 : 0;
    EXPECT_EQ(in_window, 1) << start;
  }
  EXPECT_FALSE(slipway::service::fails_request(7, 0));
  EXPECT_TRUE(slipway::service::fails_request(7, 100));
}

TEST(Faults, SlowOnlyInTheTail) {
  const auto faults = parse_faults("latency=10ms,tail_latency=2%:20ms");
  EXPECT_EQ(faults.latency, 10ms);
  EXPECT_EQ(faults.tail_percent, 2);
  EXPECT_EQ(faults.tail_latency, 20ms);
  EXPECT_EQ(parse_faults("").tail_percent, 0);
  EXPECT_THROW(parse_faults("tail_latency=2:20ms"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("tail_latency=101%:20ms"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("tail_latency=2%:soon"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("tail_latency=2%"), slipway::core::InputError);
}

TEST(Faults, EmptyMeansNone) {
  const auto faults = parse_faults("");
  EXPECT_FALSE(faults.unready || faults.crash || faults.errors || faults.slow_route);
  EXPECT_FALSE(faults.unhealthy_after);
}

TEST(Faults, RejectsUnknownItemsAndBadDurations) {
  EXPECT_THROW(parse_faults("slow,explode"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("unhealthy_after=soon"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("errors_percent=101"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("errors_percent=5%"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("latency=slow"), slipway::core::InputError);
}

}  // namespace
