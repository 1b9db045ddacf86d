#include "core/subprocess.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/errors.hpp"

namespace {

using namespace std::chrono_literals;
using slipway::core::run;
using slipway::core::RunOptions;

RunOptions command(std::vector<std::string> argv) {
  RunOptions options;
  options.argv = std::move(argv);
  return options;
}

TEST(Subprocess, CapturesStdoutStderrAndExitCode) {
  auto result = run(command({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.ok());
}

TEST(Subprocess, PassesArgvVerbatimWithoutAShell) {
  auto result = run(command({"printf", "%s|", "a b", "$HOME", "*"}));
  EXPECT_EQ(result.out, "a b|$HOME|*|");
  EXPECT_TRUE(result.ok());
}

TEST(Subprocess, OverlaysEnvironmentAndCanStartFromEmpty) {
  ::setenv("SLIPWAY_SUBPROCESS_INHERITED", "yes", 1);
  auto with_extra = command({"sh", "-c", "echo $SLIPWAY_SUBPROCESS_INHERITED $EXTRA"});
  with_extra.env = {{"EXTRA", "value"}};
  auto inherited = run(with_extra);
  EXPECT_EQ(inherited.out, "yes value\n");
  auto only_extra = command({"/bin/sh", "-c", "echo \"[$SLIPWAY_SUBPROCESS_INHERITED]$EXTRA\""});
  only_extra.env = {{"EXTRA", "only"}};
  only_extra.inherit_env = false;
  auto isolated = run(only_extra);
  EXPECT_EQ(isolated.out, "[]only\n");
  ::unsetenv("SLIPWAY_SUBPROCESS_INHERITED");
}

TEST(Subprocess, FeedsStdin) {
  auto result = run([] {
    auto options = command({"cat"});
    options.stdin_data = "secret via stdin";
    return options;
  }());
  EXPECT_EQ(result.out, "secret via stdin");
}

TEST(Subprocess, LargeOutputDoesNotDeadlock) {
  auto result =
      run(command({"sh", "-c", "head -c 1000000 /dev/zero; head -c 300000 /dev/zero >&2"}));
  EXPECT_EQ(result.out.size(), 1000000u);
  EXPECT_EQ(result.err.size(), 300000u);
}

TEST(Subprocess, TimeoutKillsTheWholeProcessGroup) {
  auto result = run([] {
    auto options = command({"sh", "-c", "sleep 30 & sleep 30"});
    options.timeout = 200ms;
    return options;
  }());
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.ok());
}

TEST(Subprocess, ReportsSignals) {
  auto result = run(command({"sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(result.term_signal, 15);
  EXPECT_EQ(result.exit_code, -1);
}

TEST(Subprocess, MissingProgramIsASystemErrorNamingIt) {
  try {
    run(command({"slipway-no-such-program"}));
    FAIL();
  } catch (const slipway::core::SystemError& e) {
    EXPECT_NE(std::string(e.what()).find("slipway-no-such-program"), std::string::npos);
  }
}

TEST(Subprocess, ProcessAliveSeesSelfNotNonsense) {
  EXPECT_TRUE(slipway::core::process_alive(::getpid()));
  EXPECT_FALSE(slipway::core::process_alive(0));
  EXPECT_FALSE(slipway::core::process_alive(-5));
}

}  // namespace
