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

TEST(Faults, EmptyMeansNone) {
  const auto faults = parse_faults("");
  EXPECT_FALSE(faults.unready || faults.crash || faults.errors || faults.slow_route);
  EXPECT_FALSE(faults.unhealthy_after);
}

TEST(Faults, RejectsUnknownItemsAndBadDurations) {
  EXPECT_THROW(parse_faults("slow,explode"), slipway::core::InputError);
  EXPECT_THROW(parse_faults("unhealthy_after=soon"), slipway::core::InputError);
}

}  // namespace
