#pragma once
// What the binary was built from; the definition is generated at build time.

#include <cstdint>
#include <string_view>

namespace slipway::service {

struct BuildInfo {
  std::string_view commit;  // full SHA, or "unknown" outside a git checkout
  bool dirty;               // built from a tree with uncommitted changes
  std::int64_t time;        // seconds since the epoch: the commit's time or SOURCE_DATE_EPOCH
  std::string_view version;
};

const BuildInfo& build_info();

}  // namespace slipway::service
