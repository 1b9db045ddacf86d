// The .env loader: quoting, comments, export, no shell evaluation, errors that never echo values.
#include "core/dotenv.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace slipway::core {
namespace {

TEST(Dotenv, ParsesPlainQuotedExportedAndCommentedLines) {
  const auto entries = parse_dotenv(
      "# comment\n"
      "\n"
      "PLAIN=value one  # trailing comment\n"
      "export EXPORTED=yes\n"
      "SINGLE='literal $HOME \\n #not-a-comment'\n"
      "DOUBLE=\"line\\nnext \\\"q\\\" \\\\ $HOME\"\n"
      "EMPTY=\n"
      "SPACED = padded \n"
      "URL=http://x/#anchor\n"
      "MULTI=\"a\nb\"\n",
      "test.env");
  ASSERT_EQ(entries.size(), 8u);
  EXPECT_EQ(entries[0], (std::pair<std::string, std::string>{"PLAIN", "value one"}));
  EXPECT_EQ(entries[1].second, "yes");
  EXPECT_EQ(entries[2].second, "literal $HOME \\n #not-a-comment");
  EXPECT_EQ(entries[3].second, "line\nnext \"q\" \\ $HOME");
  EXPECT_EQ(entries[4].second, "");
  EXPECT_EQ(entries[5], (std::pair<std::string, std::string>{"SPACED", "padded"}));
  EXPECT_EQ(entries[6].second, "http://x/#anchor");
  EXPECT_EQ(entries[7].second, "a\nb");
}

TEST(Dotenv, NoShellEvaluation) {
  const auto entries = parse_dotenv("A=$(rm -rf /)\nB=`id`\nC=${HOME}\n", "t");
  EXPECT_EQ(entries[0].second, "$(rm -rf /)");
  EXPECT_EQ(entries[1].second, "`id`");
  EXPECT_EQ(entries[2].second, "${HOME}");
}

void expect_error(const std::string& text, const std::string& where, const std::string& secret) {
  try {
    parse_dotenv(text, "app.env");
    FAIL() << "accepted: " << text;
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(where), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    if (!secret.empty()) {
      EXPECT_EQ(message.find(secret), std::string::npos) << "value echoed: " << message;
    }
  }
}

TEST(Dotenv, MalformedLinesAreOneLineErrorsWithTheLineNumberAndNoValue) {
  expect_error("A=1\nthis line has no equals s3cr3t-value\n", "app.env:2", "s3cr3t-value");
  expect_error("A=1\n\n1BAD=s3cr3t-value\n", "app.env:3", "s3cr3t-value");
  expect_error("A=\"s3cr3t-value\n", "app.env:1", "s3cr3t-value");
  expect_error("A='s3cr3t-value' junk-after\n", "app.env:1", "s3cr3t-value");
  expect_error("BAD-NAME=x\n", "app.env:1", "");
}

TEST(Dotenv, MissingFileIsAnInputError) {
  EXPECT_THROW(load_dotenv_file("/nonexistent/.env"), InputError);
}

}  // namespace
}  // namespace slipway::core
