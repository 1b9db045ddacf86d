#include "core/redaction.hpp"

#include <gtest/gtest.h>

namespace {

namespace core = slipway::core;

class RedactionTest : public ::testing::Test {
 protected:
  void SetUp() override { core::clear_registered_secrets_for_testing(); }
  void TearDown() override { core::clear_registered_secrets_for_testing(); }
};

TEST_F(RedactionTest, NothingRegisteredLeavesTextAlone) {
  EXPECT_FALSE(core::has_registered_secrets());
  EXPECT_EQ(core::redact("password=hunter22"), "password=hunter22");
}

TEST_F(RedactionTest, ReplacesEveryOccurrence) {
  core::register_secret("hunter22");
  EXPECT_EQ(core::redact("a=hunter22 b=hunter22hunter22"), "a=[REDACTED] b=[REDACTED][REDACTED]");
}

TEST_F(RedactionTest, LongerValueWinsOverItsPrefix) {
  core::register_secret("abcd");
  core::register_secret("abcdefgh");
  EXPECT_EQ(core::redact("x abcdefgh y abcd"), "x [REDACTED] y [REDACTED]");
}

TEST_F(RedactionTest, TooShortValuesAreNotRegistered) {
  core::register_secret("abc");
  EXPECT_FALSE(core::has_registered_secrets());
  EXPECT_EQ(core::redact("abc"), "abc");
}

}  // namespace
