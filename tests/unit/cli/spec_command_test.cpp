// `slipway spec` is where an unknown key in slipway.yaml sends the user: the command the error
// names must exist and list the key the user meant.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <sstream>

#include "cli/verbs.hpp"
#include "release/errors.hpp"
#include "release/spec.hpp"

namespace slipway::cli {
namespace {

// Runs `slipway ARGS…` with only the spec verb registered; returns its exit code and stdout.
std::pair<int, std::string> run_slipway(std::vector<std::string> args) {
  CLI::App app{"slipway"};
  GlobalOptions globals;
  Action action;
  add_global_options(app, globals);
  add_spec_command(app, globals, action);
  std::vector<char*> argv{const_cast<char*>("slipway")};
  for (auto& arg : args) argv.push_back(arg.data());
  std::stringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  const int code = run(app, static_cast<int>(argv.size()), argv.data(), globals, action);
  std::cout.rdbuf(old);
  return {code, captured.str()};
}

TEST(SpecCommand, TheUnknownKeyErrorNamesACommandThatListsTheRightKey) {
  std::string message;
  try {
    release::parse_spec("service: app\nvm: {bake_tme: 5s}\n", "slipway.yaml");
    FAIL() << "a misspelled key was accepted";
  } catch (const release::SpecError& error) {
    message = error.what();
  }
  std::smatch named;
  ASSERT_TRUE(std::regex_search(message, named, std::regex("`slipway ([a-z]+)`"))) << message;
  const auto [code, listing] = run_slipway({named[1].str()});
  EXPECT_EQ(code, 0);
  EXPECT_NE(listing.find("vm.bake_time"), std::string::npos) << listing;
}

TEST(SpecCommand, JsonListsEveryFieldOnce) {
  const auto [code, out] = run_slipway({"--output", "json", "spec"});
  ASSERT_EQ(code, 0);
  const auto rows = boost::json::parse(out).as_array();
  ASSERT_EQ(rows.size(), release::spec_fields().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("key").as_string(), release::spec_fields()[i].key);
    EXPECT_FALSE(rows[i].at("description").as_string().empty());
  }
}

}  // namespace
}  // namespace slipway::cli
