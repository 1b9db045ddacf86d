#include "release/sbom.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace {

using namespace slipway::release;

TEST(Sbom, FindsTheLinkedArchivesOfOneTarget) {
  const char* ninja =
      "build src/other/tool: CXX_EXECUTABLE_LINKER__tool_Release x.o\n"
      "  LINK_LIBRARIES = /usr/lib/not-this.a\n"
      "build src/service/app: CXX_EXECUTABLE_LINKER__app_Release main.o | deps\n"
      "  FLAGS = -O2\n"
      "  LINK_FLAGS = -static\n"
      "  LINK_LIBRARIES = src/http/libslipway_http.a /usr/lib/x86_64-linux-gnu/libboost_json.a "
      "-lpthread\n"
      "  OBJECT_DIR = x\n"
      "\n"
      "build all: phony\n";
  auto archives = linked_archives_from_ninja(ninja, "src/service/app");
  EXPECT_NE(
      std::find(archives.begin(), archives.end(), "/usr/lib/x86_64-linux-gnu/libboost_json.a"),
      archives.end());
  EXPECT_EQ(std::find(archives.begin(), archives.end(), "/usr/lib/not-this.a"), archives.end());
  // Relative archives are our own libraries, not packages.
  EXPECT_EQ(std::find(archives.begin(), archives.end(), "src/http/libslipway_http.a"),
            archives.end());
  // libc.a is always pulled in by a static link.
  bool has_libc = false;
  for (const auto& a : archives) has_libc = has_libc || a.ends_with("/libc.a");
  EXPECT_TRUE(has_libc);
}

TEST(Sbom, DpkgNamesTheOwnerAndVersionOfLibc) {
  auto packages = debian_packages_of({"/usr/lib/x86_64-linux-gnu/libc.a", "/nonexistent/libx.a"});
  ASSERT_EQ(packages.size(), 1u);
  EXPECT_EQ(packages[0].name, "libc6-dev");
  EXPECT_FALSE(packages[0].version.empty());
  EXPECT_EQ(packages[0].arch, "amd64");
}

TEST(Sbom, CycloneDxDocumentShape) {
  auto text = render_cyclonedx("app:abc", "abc", "sha256:0123",
                               {{"libssl-dev", "3.0.15-1", "amd64", {"/usr/lib/libssl.a"}}},
                               "2026-01-01T00:00:00Z");
  auto bom = boost::json::parse(text).as_object();
  EXPECT_EQ(bom.at("bomFormat").as_string(), "CycloneDX");
  EXPECT_EQ(bom.at("specVersion").as_string(), "1.5");
  const auto& component = bom.at("components").as_array()[0].as_object();
  EXPECT_EQ(component.at("name").as_string(), "libssl-dev");
  EXPECT_EQ(component.at("purl").as_string(),
            "pkg:deb/debian/libssl-dev@3.0.15-1?arch=amd64&distro=debian-12");
  EXPECT_EQ(bom.at("metadata").at("component").at("hashes").as_array()[0].at("content").as_string(),
            "0123");
}

}  // namespace
