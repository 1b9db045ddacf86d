#include "service/fd_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace {

using namespace slipway::service;

TEST(FdLimit, ConnectionsFitUnderTheSoftLimit) {
  const FdLimit plenty{.soft_before = 1024, .soft = 1'048'576, .hard = 1'048'576, .open = 10};
  EXPECT_EQ(connections_that_fit(10'000, plenty), 10'000u);
  const FdLimit low{.soft_before = 256, .soft = 256, .hard = 256, .open = 12};
  EXPECT_EQ(connections_that_fit(10'000, low), 256u - 12u - kReservedFds);
  const FdLimit none{.soft_before = 16, .soft = 16, .hard = 16, .open = 12};
  EXPECT_EQ(connections_that_fit(10'000, none), 1u) << "at least one";
}

TEST(FdLimit, RaisesTheSoftLimitToTheHardOne) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max < 128) GTEST_SKIP() << "hard limit too low to lower the soft one";
  const rlimit lowered{64, limit.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const auto result = raise_fd_limit();
  EXPECT_EQ(result.soft_before, 64u);
  EXPECT_GT(result.soft, 64u);
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, result.soft);
  EXPECT_GT(result.open, 2u) << "stdin, stdout and stderr at least";
}

}  // namespace
