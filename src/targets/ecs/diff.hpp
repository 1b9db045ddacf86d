#pragma once
// `slipway ecs diff`: what a deploy would change in the task definition. Both documents are
// flattened to path = value lines (response-only members such as revision and status dropped),
// and the lines that differ are listed.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

namespace slipway::targets::ecs {

struct DiffLine {
  char kind;         // '-' only in the current revision, '+' only in the new one, '~' changed
  std::string path;  // e.g. containerDefinitions[0].image
  std::string before;
  std::string after;
};

// Returns the differences between the registered revision and the one a deploy would register.
std::vector<DiffLine> diff_task_definitions(const boost::json::object& current,
                                            const boost::json::object& next);

}  // namespace slipway::targets::ecs
