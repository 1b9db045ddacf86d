#pragma once
// Every production response as HAProxy itself logs it — the server that answered, its response
// time and its status — read live while a LINEAR / CANARY step is judged: HAProxy 2.6 keeps no
// per-server percentile, only a mean (`rtime`), so the tail judge (step_judge.hpp) counts the
// requests itself. The listener's frontend logs each request to an in-memory ring
// (haproxy_config.cpp renders it); the runtime API streams the ring's new events (`show events
// RING -w -n`) over a connection the judge keeps open for the step.
//
// Hand-written (a line parser and a non-blocking socket read): no Debian package reads HAProxy's
// runtime API or its event rings.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "targets/vm/haproxy_api.hpp"

namespace slipway::targets::vm {

// The ring the listener's frontend logs to, and its log-format: the server that answered, the
// time it took to answer the headers (%Tr, whole ms; the time HAProxy's `rtime` averages) and
// the status, separated by single spaces.
inline constexpr std::string_view kResponseRing = "responses";
inline constexpr std::string_view kResponseLogFormat = "%s %Tr %ST";

struct ResponseRecord {
  std::string server;
  std::int64_t response_ms = 0;
  int status = 0;
  bool operator==(const ResponseRecord&) const = default;
};

// Takes the complete lines from the front of `pending` (kResponseLogFormat, one per line) and
// returns their records; a partial last line stays in `pending`. Requests no server answered
// (`<NOSRV>`, or %Tr -1 when the server never answered) and lines of another shape are skipped.
std::vector<ResponseRecord> take_response_records(std::string& pending);

// The responses the balancer serves in production, from the moment the feed opens.
class ResponseFeed {
 public:
  virtual ~ResponseFeed() = default;
  // The responses logged since the last call (since the feed opened, the first time). Throws
  // HaproxyError when the feed broke (HAProxy closed the stream: restarted, or no such ring).
  virtual std::vector<ResponseRecord> take() = 0;
};

// Opens the stream of kResponseRing's new events through `api`. Throws HaproxyError when HAProxy
// cannot be reached.
std::unique_ptr<ResponseFeed> open_response_stream(const HaproxyApi& api);

}  // namespace slipway::targets::vm
