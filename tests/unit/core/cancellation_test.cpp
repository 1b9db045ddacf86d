#include "core/cancellation.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

namespace slipway::core {
namespace {

using namespace std::chrono_literals;

class CancellationTest : public ::testing::Test {
 protected:
  void SetUp() override { reset_cancellation(); }
  void TearDown() override { reset_cancellation(); }
};

TEST_F(CancellationTest, SleepWithoutRequestReturnsQuietly) {
  EXPECT_FALSE(wait_for_cancellation(10ms));
  EXPECT_NO_THROW(sleep_or_cancel(10ms, "waiting"));
  EXPECT_NO_THROW(throw_if_cancelled("working"));
  EXPECT_FALSE(cancellation_requested());
}

TEST_F(CancellationTest, RequestFromAnotherThreadWakesALongSleep) {
  // Were the sleep not woken, this test would outlive ctest's timeout (10 min > 120 s).
  std::thread requester([] {
    std::this_thread::sleep_for(20ms);
    request_cancellation();
  });
  EXPECT_THROW(sleep_or_cancel(10min, "waiting for the deployment"), Cancelled);
  requester.join();
  EXPECT_TRUE(cancellation_requested());
  EXPECT_EQ(cancellation_signal(), 0);
}

TEST_F(CancellationTest, RequestBeforeTheWaitStopsItAtOnce) {
  request_cancellation();
  EXPECT_TRUE(wait_for_cancellation(10min));
  try {
    throw_if_cancelled("baking");
    FAIL() << "no Cancelled thrown";
  } catch (const Cancelled& error) {
    EXPECT_STREQ(error.what(), "interrupted by a cancellation request while baking");
  }
}

TEST_F(CancellationTest, ResetClearsTheRequest) {
  request_cancellation();
  reset_cancellation();
  EXPECT_FALSE(cancellation_requested());
  EXPECT_FALSE(wait_for_cancellation(10ms));
}

TEST_F(CancellationTest, SigintBecomesARequestInsteadOfEndingTheProcess) {
  cancel_on_signals();
  ASSERT_EQ(::raise(SIGINT), 0);  // without the handler, the test process would end here
  EXPECT_TRUE(cancellation_requested());
  EXPECT_EQ(cancellation_signal(), SIGINT);
  try {
    sleep_or_cancel(10min, "following deployment ecs-svc/1");
    FAIL() << "no Cancelled thrown";
  } catch (const Cancelled& error) {
    EXPECT_STREQ(error.what(), "interrupted by SIGINT while following deployment ecs-svc/1");
  }
}

TEST_F(CancellationTest, SigtermWakesASleepingWaiter) {
  cancel_on_signals();
  std::thread signaller([] {
    std::this_thread::sleep_for(20ms);
    ::kill(::getpid(), SIGTERM);
  });
  EXPECT_TRUE(wait_for_cancellation(10min));
  signaller.join();
  EXPECT_EQ(cancellation_signal(), SIGTERM);
}

TEST(CancellationDeathTest, SecondSignalEndsTheProcess) {
  EXPECT_EXIT(
      {
        reset_cancellation();
        cancel_on_signals();
        ::raise(SIGTERM);  // first: a request
        ::raise(SIGTERM);  // second: the default action
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGTERM), "");
}

}  // namespace
}  // namespace slipway::core
