#include "release/template.hpp"

#include <gtest/gtest.h>

#include "release/errors.hpp"

namespace {

using slipway::release::render_template;
using slipway::release::SpecError;

std::optional<std::string> vars(const std::string& name) {
  if (name == "IMAGE") return "app:abc";
  if (name == "PORT") return "8080";
  if (name == "EMPTY") return "";
  return std::nullopt;
}

TEST(Template, Substitutes) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"plain", "plain"},
      {"${IMAGE}", "app:abc"},
      {"\"image\": \"${IMAGE}\", \"port\": ${PORT}", "\"image\": \"app:abc\", \"port\": 8080"},
      {"[${EMPTY}]", "[]"},
      {"$${IMAGE}", "${IMAGE}"},
      {"cost $5 and $", "cost $5 and $"},
      {"${MISSING:-fallback}", "fallback"},
      {"${IMAGE:-fallback}", "app:abc"},
      {"${MISSING:-}", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(render_template(c.in, vars, "t.json"), c.out) << c.in;
  }
}

TEST(Template, UnsetVariableNamesItFileAndLine) {
  try {
    render_template("{\n  \"a\": \"${IMAGE}\",\n  \"b\": \"${DB_HOST}\"\n}", vars,
                    "deploy/taskdef.json");
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_STREQ(e.what(),
                 "deploy/taskdef.json:3: ${DB_HOST} is not set: export DB_HOST or pass --var "
                 "DB_HOST=VALUE (vm verbs also read STATE/stack.env)");
  }
}

TEST(Template, MalformedReferencesAreErrors) {
  for (const char* bad : {"${", "${IMAGE", "${}", "${1X}", "${A-B}"}) {
    EXPECT_THROW(render_template(bad, vars, "f"), SpecError) << bad;
  }
}

TEST(Template, ExtraValuesWinOverEnvironment) {
  ::setenv("SLIPWAY_TEMPLATE_TEST", "from-env", 1);
  auto lookup = slipway::release::extra_then_environment({{"SLIPWAY_TEMPLATE_TEST", "extra"}});
  EXPECT_EQ(*lookup("SLIPWAY_TEMPLATE_TEST"), "extra");
  auto env_only = slipway::release::extra_then_environment({});
  EXPECT_EQ(*env_only("SLIPWAY_TEMPLATE_TEST"), "from-env");
  EXPECT_FALSE(env_only("SLIPWAY_TEMPLATE_TEST_UNSET").has_value());
  ::unsetenv("SLIPWAY_TEMPLATE_TEST");
}

}  // namespace
