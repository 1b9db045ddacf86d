#pragma once
// What a vm command tells its user while it works: progress lines on stderr as things happen
// ("slipway SERVICE vm: ..."), or one JSON object per line on stdout with --output json; and the
// lifecycle of every replica appended to STATE/events.jsonl shaped like ECS "Task State Change"
// events, so the same tooling reads both targets.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>

namespace slipway::targets::vm {

enum class EventFormat { text, json };

// One replica lifecycle change, in ECS terms.
struct TaskChange {
  std::string replica;        // task id
  std::int64_t revision = 0;  // task definition revision
  std::string image;
  int port = 0;
  std::string last_status;     // PROVISIONING, RUNNING, DEACTIVATING, STOPPED
  std::string desired_status;  // RUNNING or STOPPED
  std::string health_status;   // UNKNOWN, HEALTHY, UNHEALTHY
  std::string reason;          // stoppedReason, or why the change happened
};

// Returns the ECS Task State Change event for `change` (detail-type, source aws.ecs, detail with
// taskArn, group, lastStatus, desiredStatus, healthStatus, containers, stoppedReason).
boost::json::object task_state_change_event(const std::string& service, const TaskChange& change,
                                            const std::string& time_iso8601);

class EventLog {
 public:
  // `lifecycle_path` empty: no lifecycle file.
  EventLog(std::string service, EventFormat format, std::string lifecycle_path);

  // Reports a step: text "slipway SERVICE vm: MESSAGE" on stderr, or {"time","service","target",
  // "event","message",...fields} on stdout.
  void progress(const std::string& event, const std::string& message,
                boost::json::object fields = {});

  // Records a replica lifecycle change (lifecycle file) and reports it as progress.
  void task(const TaskChange& change, const std::string& message);

  EventFormat format() const { return format_; }

  // JSON lines go to stderr while on: for a command whose stdout is one document (`status`
  // repairing an interrupted run first).
  void json_to_stderr(bool on) { json_to_stderr_ = on; }

 private:
  std::string service_;
  EventFormat format_;
  std::string lifecycle_path_;
  bool json_to_stderr_ = false;
};

// Returns the current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string utc_now_iso8601();

}  // namespace slipway::targets::vm
