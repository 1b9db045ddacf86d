// The printers both targets share: one result shape, one exit-code mapping, JSON by Boost.JSON
// (quotes and control characters escaped, whatever a reason holds).
#include "cli/output.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "core/redaction.hpp"

namespace slipway::cli {
namespace {

std::string captured_stdout(const std::function<void()>& body) {
  std::stringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  body();
  std::cout.rdbuf(old);
  return out.str();
}

TEST(ExitCodes, EveryOutcomeMapsToTheSharedTable) {
  using release::Outcome;
  EXPECT_EQ(exit_code_of(Outcome::succeeded), ExitCode::ok);
  EXPECT_EQ(exit_code_of(Outcome::in_progress), ExitCode::ok);
  EXPECT_EQ(exit_code_of(Outcome::rolled_back), ExitCode::rolled_back);
  EXPECT_EQ(exit_code_of(Outcome::failed), ExitCode::failed);
  EXPECT_EQ(exit_code_of(Outcome::timed_out), ExitCode::timed_out);
  EXPECT_EQ(exit_code_of(Outcome::superseded), ExitCode::superseded);
}

TEST(PrintRollout, JsonCarriesTheSharedFieldsTheTargetsDetailsAndTheExitCode) {
  core::register_secret("hunter2-value");
  release::RolloutReport report;
  report.status = release::Outcome::superseded;
  report.revision = 8;
  report.image = "app:abc";
  report.reason = "replaced by \"ecs-svc/2\"\n(hunter2-value)";
  report.details = {{"deployment_id", "ecs-svc/1"}, {"api_calls", 12}};
  GlobalOptions globals;
  globals.output = OutputFormat::json;
  ExitCode code = ExitCode::ok;
  const auto out = captured_stdout([&] { code = print_rollout(report, globals); });
  EXPECT_EQ(code, ExitCode::superseded);
  const auto parsed = boost::json::parse(out).as_object();
  EXPECT_EQ(parsed.at("event"), "result");
  EXPECT_EQ(parsed.at("status"), "superseded");
  EXPECT_EQ(parsed.at("revision"), 8);
  EXPECT_EQ(parsed.at("reason"), "replaced by \"ecs-svc/2\"\n([REDACTED])");
  EXPECT_EQ(parsed.at("deployment_id"), "ecs-svc/1");
  EXPECT_EQ(parsed.at("api_calls"), 12);
  EXPECT_EQ(parsed.at("exit_code"), 6);
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);  // one line
  core::clear_registered_secrets_for_testing();
}

TEST(PrintHistory, AReleaseWithoutOutcomeIsEmptyInJsonAndADashInText) {
  release::ReleaseRecord made_by_terraform;
  made_by_terraform.revision = 1;
  made_by_terraform.details = {{"arn", "arn:aws:ecs:us-east-1:1:task-definition/app:1"}};
  release::ReleaseRecord ours;
  ours.revision = 2;
  ours.commit = std::string(40, 'a');
  ours.outcome = release::Outcome::succeeded;
  ours.current = true;
  GlobalOptions globals;
  globals.output = OutputFormat::json;
  const auto json = boost::json::parse(captured_stdout([&] {
                      print_history({ours, made_by_terraform}, globals);
                    })).as_array();
  ASSERT_EQ(json.size(), 2U);
  EXPECT_EQ(json[0].at("outcome"), "succeeded");
  EXPECT_EQ(json[0].at("current"), true);
  EXPECT_EQ(json[1].at("outcome"), "");
  EXPECT_EQ(json[1].at("arn"), "arn:aws:ecs:us-east-1:1:task-definition/app:1");
  globals.output = OutputFormat::text;
  EXPECT_EQ(captured_stdout([&] {
              print_history({ours, made_by_terraform}, globals);
            }),
            "2*\taaaaaaaaaaaa\tsucceeded\t-\t-\t-\n1\t-\t-\t-\t-\t-\n");
}

}  // namespace
}  // namespace slipway::cli
