#include "targets/vm/events.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "core/errors.hpp"
#include "core/fault_point.hpp"
#include "core/private_files.hpp"
#include "core/redaction.hpp"

namespace slipway::targets::vm {
namespace json = boost::json;

std::string utc_now_iso8601() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return text;
}

json::object task_state_change_event(const std::string& service, const TaskChange& c,
                                     const std::string& time) {
  // Local ARNs keep ECS's shape with the account of moto and a "local" region.
  const std::string prefix = "arn:aws:ecs:local:000000000000:";
  auto task_arn = prefix + "task/" + service + "/" + c.replica;
  json::object container{{"name", service},
                         {"image", c.image},
                         {"lastStatus", c.last_status},
                         {"healthStatus", c.health_status},
                         {"networkBindings", json::array{json::object{{"bindIP", "127.0.0.1"},
                                                                      {"hostPort", c.port},
                                                                      {"protocol", "tcp"}}}}};
  json::object detail{{"clusterArn", prefix + "cluster/local"},
                      {"taskArn", task_arn},
                      {"group", "service:" + service},
                      {"taskDefinitionArn",
                       prefix + "task-definition/" + service + ":" + std::to_string(c.revision)},
                      {"lastStatus", c.last_status},
                      {"desiredStatus", c.desired_status},
                      {"healthStatus", c.health_status},
                      {"launchType", "EXTERNAL"},
                      {"containers", json::array{container}},
                      {"updatedAt", time}};
  if (c.last_status == "STOPPED" || c.desired_status == "STOPPED") {
    detail["stoppedReason"] = c.reason;
  }
  return json::object{{"version", "0"},
                      {"detail-type", "ECS Task State Change"},
                      {"source", "aws.ecs"},
                      {"account", "000000000000"},
                      {"time", time},
                      {"region", "local"},
                      {"resources", json::array{json::value(task_arn)}},
                      {"detail", detail}};
}

EventLog::EventLog(std::string service, EventFormat format, std::string lifecycle_path)
    : service_(std::move(service)), format_(format), lifecycle_path_(std::move(lifecycle_path)) {}

void EventLog::progress(const std::string& event, const std::string& message, json::object fields) {
  if (format_ == EventFormat::json) {
    json::object line{{"time", utc_now_iso8601()},
                      {"service", service_},
                      {"target", "vm"},
                      {"event", event},
                      {"message", message}};
    for (auto& [key, value] : fields) line[key] = value;
    (json_to_stderr_ ? std::cerr : std::cout) << core::redact(json::serialize(line)) << std::endl;
  } else {
    std::cerr << "slipway " << service_ << " vm: " << core::redact(message) << std::endl;
  }
  core::fault_point(event);
}

void EventLog::task(const TaskChange& change, const std::string& message) {
  if (!lifecycle_path_.empty()) {
    // Best effort, as the progress lines: a full disk must not fail the rollout itself.
    try {
      core::append_private_file(
          lifecycle_path_,
          json::serialize(task_state_change_event(service_, change, utc_now_iso8601())) + '\n');
    } catch (const core::SystemError&) {
    }
  }
  progress("task_" + change.last_status, message,
           json::object{{"replica", change.replica},
                        {"revision", change.revision},
                        {"port", change.port},
                        {"lastStatus", change.last_status},
                        {"healthStatus", change.health_status},
                        {"reason", change.reason}});
}

}  // namespace slipway::targets::vm
