// What `slipway ecs verify` refuses: a container that runs as root, writes its root filesystem or
// keeps Linux capabilities. The hardened example is deploy/taskdef.json's own container.
#include "targets/ecs/hardening.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace slipway::targets::ecs {
namespace {

boost::json::object container(std::string_view json) {
  return boost::json::parse(std::string(R"({"containerDefinitions": [)") + std::string(json) + "]}")
      .as_object();
}

constexpr std::string_view kHardened =
    R"({"name": "app", "user": "65534:65534", "readonlyRootFilesystem": true,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}}})";

TEST(Hardening, TheRepositorysTaskDefinitionIsHardened) {
  // SLIPWAY_TEST_DATA_DIR is tests/unit/targets/ecs/data; the repository root is five levels up.
  std::ifstream file(std::string(SLIPWAY_TEST_DATA_DIR) + "/../../../../../deploy/taskdef.json");
  ASSERT_TRUE(file) << "deploy/taskdef.json not found";
  std::stringstream text;
  text << file.rdbuf();
  // ${VAR} templates sit in strings only: the file parses as JSON before rendering.
  const auto document = boost::json::parse(text.str()).as_object();
  EXPECT_TRUE(hardening_problems(document).empty());
  EXPECT_TRUE(hardening_problems(container(kHardened)).empty());
}

TEST(Hardening, EachMissingPieceIsNamedWithItsFix) {
  const auto root = hardening_problems(container(
      R"({"name": "app", "user": "0:0", "readonlyRootFilesystem": true,
          "linuxParameters": {"capabilities": {"drop": ["ALL"]}}})"));
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].container, "app");
  EXPECT_NE(root[0].problem.find("\"user\""), std::string::npos);
  EXPECT_EQ(hardening_problems(container(R"({"name": "a", "user": "root",
      "readonlyRootFilesystem": true, "linuxParameters": {"capabilities": {"drop": ["ALL"]}}})"))
                .size(),
            1u);
  const auto none = hardening_problems(container(R"({"name": "app"})"));
  ASSERT_EQ(none.size(), 3u);
  EXPECT_NE(none[1].problem.find("readonlyRootFilesystem"), std::string::npos);
  EXPECT_NE(none[2].problem.find("\"drop\": [\"ALL\"]"), std::string::npos);
  const auto some_capabilities = hardening_problems(container(
      R"({"name": "app", "user": "1000", "readonlyRootFilesystem": true,
          "linuxParameters": {"capabilities": {"drop": ["NET_RAW"]}}})"));
  ASSERT_EQ(some_capabilities.size(), 1u);
  EXPECT_NE(some_capabilities[0].problem.find("capabilities"), std::string::npos);
}

}  // namespace
}  // namespace slipway::targets::ecs
