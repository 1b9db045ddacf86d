#include "release/sbom.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/subprocess.hpp"

namespace slipway::release {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kLibraryDirs[] = {"/usr/lib/x86_64-linux-gnu",
                                        "/usr/lib/gcc/x86_64-linux-gnu/12", "/usr/lib",
                                        "/lib/x86_64-linux-gnu"};

std::string find_archive(const std::string& name) {
  for (const char* dir : kLibraryDirs) {
    auto path = fs::path(dir) / ("lib" + name + ".a");
    if (fs::exists(path)) return path.string();
  }
  return {};
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::vector<std::string> linked_archives_from_ninja(std::string_view build_ninja,
                                                    std::string_view output) {
  std::vector<std::string> archives;
  auto add = [&](const std::string& path) {
    if (!path.empty() && std::find(archives.begin(), archives.end(), path) == archives.end()) {
      archives.push_back(path);
    }
  };
  // "build src/service/app: CXX_EXECUTABLE_LINKER__app_Release ..." followed by indented
  // variables, one of them "  LINK_LIBRARIES = ...".
  std::istringstream lines{std::string(build_ninja)};
  std::string line;
  bool in_target = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("build ")) {
      in_target = line.starts_with("build " + std::string(output) + ":");
      continue;
    }
    if (!in_target) continue;
    if (!line.starts_with("  ")) {
      in_target = false;
      continue;
    }
    auto eq = line.find(" = ");
    if (eq == std::string::npos || line.substr(0, eq).find("LINK_LIBRARIES") == std::string::npos)
      continue;
    std::istringstream words(line.substr(eq + 3));
    std::string word;
    while (words >> word) {
      if (word.ends_with(".a") && word.starts_with("/"))
        add(word);
      else if (word.starts_with("-l"))
        add(find_archive(word.substr(2)));
    }
  }
  for (const char* implicit : {"stdc++", "m", "c", "gcc", "gcc_eh"}) add(find_archive(implicit));
  return archives;
}

std::vector<LinkedPackage> debian_packages_of(const std::vector<std::string>& archives) {
  std::map<std::string, LinkedPackage> by_name;
  for (const auto& archive : archives) {
    core::RunOptions owner;
    std::error_code ec;
    auto real = fs::canonical(archive, ec);
    if (ec) continue;
    owner.argv = {"dpkg", "-S", real.string()};
    owner.timeout = std::chrono::seconds(30);
    auto result = core::run(owner);
    if (!result.ok()) {
      owner.argv = {"dpkg", "-S", archive};
      result = core::run(owner);
      if (!result.ok()) continue;
    }
    // "libssl-dev:amd64: /usr/lib/x86_64-linux-gnu/libssl.a"
    auto package = result.out.substr(0, result.out.find(": "));
    auto colon = package.find(':');
    std::string name = package.substr(0, colon);
    std::string arch = colon == std::string::npos ? "" : package.substr(colon + 1);
    auto& entry = by_name[name];
    if (entry.name.empty()) {
      entry.name = name;
      entry.arch = arch;
      core::RunOptions version;
      version.argv = {"dpkg-query", "-W", "-f=${Version}", package};
      version.timeout = std::chrono::seconds(30);
      entry.version = trim(core::run(version).out);
    }
    entry.files.push_back(archive);
  }
  std::vector<LinkedPackage> packages;
  for (auto& [name, package] : by_name) packages.push_back(std::move(package));
  return packages;
}

std::string render_cyclonedx(const std::string& image, const std::string& commit,
                             const std::string& digest, const std::vector<LinkedPackage>& packages,
                             const std::string& timestamp) {
  json::array components;
  for (const auto& p : packages) {
    auto purl = "pkg:deb/debian/" + p.name + "@" + p.version + "?" +
                (p.arch.empty() ? "" : "arch=" + p.arch + "&") + "distro=debian-12";
    json::array files;
    for (const auto& f : p.files)
      files.push_back(json::object{{"name", "slipway:linked-archive"}, {"value", f}});
    components.push_back(json::object{{"type", "library"},
                                      {"bom-ref", purl},
                                      {"name", p.name},
                                      {"version", p.version},
                                      {"purl", purl},
                                      {"properties", files}});
  }
  json::object metadata{
      {"timestamp", timestamp},
      {"tools", json::object{{"components", json::array{json::object{{"type", "application"},
                                                                     {"name", "slipway"}}}}}},
      {"component",
       json::object{
           {"type", "container"},
           {"name", image},
           {"version", commit},
           {"hashes",
            digest.starts_with("sha256:")
                ? json::array{json::object{{"alg", "SHA-256"}, {"content", digest.substr(7)}}}
                : json::array{}},
           {"properties", json::array{json::object{{"name", "org.opencontainers.image.revision"},
                                                   {"value", commit}}}}}}};
  json::object bom{{"bomFormat", "CycloneDX"},
                   {"specVersion", "1.5"},
                   {"version", 1},
                   {"metadata", metadata},
                   {"components", components}};
  return json::serialize(bom);
}

}  // namespace slipway::release
