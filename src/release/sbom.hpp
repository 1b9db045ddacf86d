#pragma once
// The software bill of materials written beside each image: a CycloneDX 1.5 JSON document
// listing the Debian packages whose static libraries are linked into the binary, with their
// versions as purls (pkg:deb/debian/NAME@VERSION?arch=...), so a scanner such as Trivy can
// match them against Debian's security tracker.

#include <string>
#include <string_view>
#include <vector>

namespace slipway::release {

struct LinkedPackage {
  std::string name;                // Debian package, e.g. libssl-dev
  std::string version;             // e.g. 3.0.15-1~deb12u1
  std::string arch;                // e.g. amd64
  std::vector<std::string> files;  // the archives of it that were linked
};

// Returns the static archives a Ninja build links into `output` (e.g. "src/service/app"): the
// absolute *.a paths and -lNAME libraries of its LINK_LIBRARIES, plus the toolchain's implicit
// static libraries (libstdc++, libm, libc, libgcc) that a -static link always pulls in.
std::vector<std::string> linked_archives_from_ninja(std::string_view build_ninja,
                                                    std::string_view output);

// Asks dpkg which package owns each archive and at which version; archives no package owns
// are skipped.
std::vector<LinkedPackage> debian_packages_of(const std::vector<std::string>& archives);

// Returns the CycloneDX JSON document for an image built from `commit`.
std::string render_cyclonedx(const std::string& image, const std::string& commit,
                             const std::string& digest, const std::vector<LinkedPackage>& packages,
                             const std::string& timestamp);

}  // namespace slipway::release
