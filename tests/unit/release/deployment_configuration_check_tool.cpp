// Reads a JSON array of deploymentConfiguration objects on stdin and prints, for each, what
// slipway's reader makes of it: {"ok": {the members with defaults written out}} or
// {"error": "the one-line error"}. With --names it prints the enum values and member names the
// reader knows instead. tests/integration/deployment_configuration_botocore_test.py compares
// both with the ECS service model botocore ships.
#include <boost/json.hpp>
#include <iostream>
#include <iterator>
#include <string>

#include "release/deployment_strategy.hpp"
#include "release/errors.hpp"

namespace json = boost::json;
using namespace slipway::release;

namespace {

json::array names(const std::vector<std::string_view>& list) {
  json::array out;
  for (auto name : list) out.emplace_back(name);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--names") {
    std::cout << json::serialize(
                     json::object{{"strategies", names(deployment_strategy_names())},
                                  {"stages", names(lifecycle_stage_names())},
                                  {"members", names(deployment_configuration_members())}})
              << "\n";
    return 0;
  }
  std::string input{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  const auto documents = json::parse(input);  // must outlive the loop over its elements
  json::array results;
  for (const auto& document : documents.as_array()) {
    try {
      if (!document.is_object())
        throw SpecError("service.json: deploymentConfiguration: not an object");
      auto strategy = read_deployment_strategy(document.get_object(), "service.json",
                                               "deploymentConfiguration");
      results.push_back(json::object{{"ok", to_deployment_configuration(strategy)}});
    } catch (const SpecError& e) {
      results.push_back(json::object{{"error", e.what()}});
    }
  }
  std::cout << json::serialize(results) << "\n";
  return 0;
}
