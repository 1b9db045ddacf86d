// Follows one ECS service deployment with slipway's driver (service_deployment_driver.hpp)
// against the endpoint in AWS_ENDPOINT_URL, for
// tests/integration/ecs_service_deployment_driver_test.py, whose loopback server replays a
// recorded sequence (moto has no ServiceDeployment API). Prints each progress line on stderr as
// "KIND: LINE" and the outcome as JSON on stdout:
// {"verdict","cause","reason","arn","point_service_back"}.
// Usage: service_deployment_follow CLUSTER SERVICE ARN UPDATED_AT POLL_MS ROLLOUT_MS BAKE_MS
//        INCONCLUSIVE_POLLS [ALARM...]
#include <boost/json.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "aws/session.hpp"
#include "targets/ecs/service_deployment_driver.hpp"

using namespace slipway;

int main(int argc, char** argv) {
  if (argc < 9) {
    std::cerr << "usage: service_deployment_follow CLUSTER SERVICE ARN UPDATED_AT POLL_MS "
                 "ROLLOUT_MS BAKE_MS INCONCLUSIVE_POLLS [ALARM...]\n";
    return 2;
  }
  std::vector<std::string> alarms(argv + 9, argv + argc);
  aws::Session session(aws::SessionOptions{});
  targets::ecs::ServiceDeploymentTimeouts timeouts{
      .rollout = std::chrono::milliseconds(std::stol(argv[6])),
      .bake = std::chrono::milliseconds(std::stol(argv[7])),
      .inconclusive_polls = std::stoi(argv[8])};
  auto run = targets::ecs::follow_service_deployment(
      session, argv[1], argv[2], argv[3], std::stod(argv[4]), alarms, timeouts,
      std::chrono::milliseconds(std::stol(argv[5])),
      [](std::string_view kind, const std::string& line) {
        std::cerr << kind << ": " << line << "\n";
      });
  std::cout << boost::json::serialize(
                   boost::json::object{{"verdict", targets::ecs::to_string(run.verdict)},
                                       {"cause", targets::ecs::to_string(run.cause)},
                                       {"reason", run.reason},
                                       {"arn", run.arn},
                                       {"point_service_back", run.point_service_back}})
            << "\n";
  return 0;
}
