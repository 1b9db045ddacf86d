#include "core/env.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/errors.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::core::InputError;

class EnvTest : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("SLIPWAY_TEST_VAR"); }
  static void set(const char* value) { ::setenv("SLIPWAY_TEST_VAR", value, 1); }
};

TEST_F(EnvTest, IntegerFallsBackWhenUnset) {
  EXPECT_EQ(slipway::core::env_integer("SLIPWAY_TEST_VAR", 8080, 1, 65535), 8080);
}

TEST_F(EnvTest, IntegerAcceptsValuesInRange) {
  set("443");
  EXPECT_EQ(slipway::core::env_integer("SLIPWAY_TEST_VAR", 8080, 1, 65535), 443);
}

TEST_F(EnvTest, IntegerRejectsGarbageOutOfRangeAndEmpty) {
  for (const char* bad : {"abc", "80x", "0", "65536", "-1", "", " 80"}) {
    set(bad);
    EXPECT_THROW(slipway::core::env_integer("SLIPWAY_TEST_VAR", 1, 1, 65535), InputError) << bad;
  }
}

TEST_F(EnvTest, ErrorNamesTheVariableAndTheFix) {
  set("http");
  try {
    slipway::core::env_integer("SLIPWAY_TEST_VAR", 1, 1, 65535);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "SLIPWAY_TEST_VAR=\"http\" is invalid: set SLIPWAY_TEST_VAR to a whole number "
                 "from 1 to 65535");
  }
}

TEST_F(EnvTest, DurationUnits) {
  const struct {
    const char* text;
    std::chrono::milliseconds expected;
  } cases[] = {{"250ms", 250ms}, {"5s", 5s}, {"7", 7s}, {"2m", 120s}, {"0", 0ms}};
  for (const auto& c : cases) {
    set(c.text);
    EXPECT_EQ(slipway::core::env_duration("SLIPWAY_TEST_VAR", 1s, 1h), c.expected) << c.text;
  }
}

TEST_F(EnvTest, DurationRejectsMalformedAndTooLong) {
  for (const char* bad : {"5h", "s", "-5s", "1.5s", "", "2m", "99999999999999"}) {
    set(bad);
    EXPECT_THROW(slipway::core::env_duration("SLIPWAY_TEST_VAR", 1s, 60s), InputError) << bad;
  }
}

TEST_F(EnvTest, Flags) {
  set("ON");
  EXPECT_TRUE(slipway::core::env_flag("SLIPWAY_TEST_VAR", false));
  set("0");
  EXPECT_FALSE(slipway::core::env_flag("SLIPWAY_TEST_VAR", true));
  set("maybe");
  EXPECT_THROW(slipway::core::env_flag("SLIPWAY_TEST_VAR", true), InputError);
}

}  // namespace

TEST(Assignment, SplitsAtTheFirstEqualsSign) {
  using slipway::core::parse_assignment;
  EXPECT_EQ(parse_assignment("IMAGE=app:1", "--var"),
            (std::pair<std::string, std::string>{"IMAGE", "app:1"}));
  EXPECT_EQ(parse_assignment("URL=a=b", "--var").second, "a=b");
  EXPECT_EQ(parse_assignment("EMPTY=", "--var").second, "");
  for (const char* bad : {"NOEQUALS", "=value", ""}) {
    try {
      parse_assignment(bad, "--env");
      FAIL() << bad;
    } catch (const slipway::core::InputError& error) {
      EXPECT_EQ(std::string(error.what()),
                "--env " + std::string(bad) + " is malformed: write --env NAME=VALUE");
    }
  }
}
