// The dispatcher: exceptions map to the one ExitCode table, errors are one redacted line, and
// arguments after "--" belong to the verb that takes a command, and to no other.
#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>

#include "aws/errors.hpp"
#include "cli/command.hpp"
#include "core/cancellation.hpp"
#include "core/errors.hpp"
#include "core/redaction.hpp"
#include "release/errors.hpp"

namespace slipway::cli {
namespace {

struct Outcome {
  int code;
  std::string err;
};

// Runs `argv` through a tiny App whose only verb ("go") runs `body`; captures stderr.
Outcome dispatch(std::vector<std::string> args, std::function<ExitCode()> body,
                 bool takes_command = false, std::vector<std::string>* command = nullptr) {
  CLI::App app{"test"};
  GlobalOptions globals;
  Action action;
  add_global_options(app, globals);
  auto* go = app.add_subcommand("go", "runs the body");
  go->callback([&] {
    if (takes_command) globals.takes_command = true;
    action = [&] {
      if (command) *command = globals.after_double_dash;
      return body();
    };
  });
  std::vector<char*> argv{const_cast<char*>("slipway")};
  for (auto& arg : args) argv.push_back(arg.data());
  std::stringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  const int code = run(app, static_cast<int>(argv.size()), argv.data(), globals, action);
  std::cerr.rdbuf(old);
  return {code, captured.str()};
}

TEST(Dispatcher, ErrorFamiliesMapToTheirExitCodes) {
  EXPECT_EQ(dispatch({"go"}, [] { return ExitCode::ok; }).code, 0);
  EXPECT_EQ(dispatch({"go"}, [] { return ExitCode::rolled_back; }).code, 3);
  EXPECT_EQ(dispatch({"go"}, []() -> ExitCode { throw core::InputError("bad flag"); }).code, 2);
  EXPECT_EQ(dispatch({"go"}, []() -> ExitCode { throw aws::ConfigError("no region"); }).code, 2);
  EXPECT_EQ(dispatch({"go"},
                     []() -> ExitCode {
                       throw aws::ServiceError("denied", "AccessDeniedException", 400);
                     })
                .code,
            7);
  EXPECT_EQ(dispatch({"go"}, []() -> ExitCode { throw aws::NetworkError("down"); }).code, 7);
  EXPECT_EQ(dispatch({"go"}, []() -> ExitCode { throw core::SystemError("disk"); }).code, 1);
  EXPECT_EQ(dispatch({"go"}, []() -> ExitCode { throw std::runtime_error("?"); }).code, 1);
}

TEST(Dispatcher, AnErrorIsOneRedactedLine) {
  core::register_secret("hunter2-value");
  auto outcome = dispatch(
      {"go"}, []() -> ExitCode { throw core::InputError("cannot use hunter2-value here"); });
  EXPECT_EQ(outcome.err, "slipway: error: cannot use [REDACTED] here\n");
  outcome = dispatch({"--output", "json", "go"},
                     []() -> ExitCode { throw aws::NetworkError("unreachable \"x\""); });
  EXPECT_EQ(outcome.err, "{\"error\":\"unreachable \\\"x\\\"\",\"exit_code\":7}\n");
  core::clear_registered_secrets_for_testing();
}

TEST(Dispatcher, ALockHeldByAnotherRunExitsFiveWithARedactedLine) {
  core::register_secret("hunter2-value");
  auto outcome = dispatch({"go"}, []() -> ExitCode {
    throw release::LockedError("service app is locked by ci (hunter2-value)");
  });
  EXPECT_EQ(outcome.code, 5);
  EXPECT_EQ(outcome.err, "slipway: error: service app is locked by ci ([REDACTED])\n");
  core::clear_registered_secrets_for_testing();
}

TEST(Dispatcher, ASignalDuringTheVerbStopsItsWaitAndExits130) {
  // run() turns SIGINT into a cancellation: the process survives the raise, the verb's wait
  // ends with core::Cancelled, and the exit code is 130.
  bool cleaned_up = false;
  auto outcome = dispatch({"go"}, [&]() -> ExitCode {
    struct Guard {
      bool& flag;
      ~Guard() { flag = true; }
    } guard{cleaned_up};
    ::raise(SIGINT);
    core::sleep_or_cancel(std::chrono::minutes(10), "waiting for the rollout");
    return ExitCode::ok;
  });
  core::reset_cancellation();
  EXPECT_EQ(outcome.code, 130);
  EXPECT_TRUE(cleaned_up);
  EXPECT_EQ(outcome.err, "slipway: error: interrupted by SIGINT while waiting for the rollout\n");
}

TEST(Dispatcher, UsageErrorsExitTwoAndRunNothing) {
  bool ran = false;
  auto body = [&] {
    ran = true;
    return ExitCode::ok;
  };
  EXPECT_EQ(dispatch({"go", "--no-such-flag"}, body).code, 2);
  EXPECT_EQ(dispatch({"--output", "yaml", "go"}, body).code, 2);
  EXPECT_EQ(dispatch({}, body).code, 2);  // no verb: help, exit 2
  EXPECT_FALSE(ran);
}

TEST(Dispatcher, ArgumentsAfterDoubleDashGoOnlyToAVerbThatTakesACommand) {
  std::vector<std::string> command;
  auto ok = [] { return ExitCode::ok; };
  EXPECT_EQ(dispatch({"go", "--", "sh", "-c", "--output json"}, ok, true, &command).code, 0);
  EXPECT_EQ(command, (std::vector<std::string>{"sh", "-c", "--output json"}));
  EXPECT_EQ(dispatch({"go", "--", "x"}, ok, false).code, 2);
}

TEST(Dispatcher, GlobalOptionsMayFollowTheVerb) {
  auto outcome =
      dispatch({"go", "--output", "json"}, []() -> ExitCode { throw core::InputError("x"); });
  EXPECT_EQ(outcome.err, "{\"error\":\"x\",\"exit_code\":2}\n");
}

}  // namespace
}  // namespace slipway::cli
