#pragma once
// HAProxy's runtime API over its admin unix socket: fill, drain and empty server slots (add and
// delete dynamic servers beyond them), and read per-server counters from `show stat`. One
// command per connection (non-interactive mode). Refusals are HaproxyError, "No such server"
// its own type (NoSuchServer). The choreography of these commands is HaproxyBalancer's.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slipway::targets::vm {

struct ServerStat {
  std::string backend;
  std::string server;  // "BACKEND" for the backend's own row
  std::string status;  // UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check"...
  std::int64_t current_sessions = 0;
  std::int64_t total_sessions = 0;
  std::int64_t responses = 0;  // sum of hrsp_1xx..hrsp_other
  std::int64_t responses_5xx = 0;
  bool backup = false;
  int weight = 0;  // the server's current weight (0-256)
  // HAProxy's rtime: the mean response time (ms) of the server's last 1024 responses (since the
  // counters were last cleared).
  std::int64_t response_time_ms = 0;
};

// Parses `show stat` CSV (header line "# pxname,svname,...") into rows; unknown columns are
// ignored, missing numbers read as 0.
std::vector<ServerStat> parse_show_stat(std::string_view csv);

class HaproxyApi {
 public:
  explicit HaproxyApi(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  // Sends one command and returns HAProxy's answer; throws HaproxyError when the socket cannot
  // be reached or the command is unknown.
  std::string command(const std::string& line) const;

  // Connects, sends `line` and returns the socket, for a command that answers as a stream (`show
  // events … -w`); the caller reads and closes it. Throws HaproxyError when HAProxy cannot be
  // reached.
  int open_stream(const std::string& line) const;

  // Sends an action command; throws HaproxyError unless HAProxy answered with success.
  void action(const std::string& line) const;

  // Returns true when the socket answers.
  bool reachable() const;

  // add server BE/NAME ADDR:PORT OPTIONS, then enable health and enable server. Call only once
  // the replica passed its own health checks: `enable server` marks it UP before any check.
  void add_server(const std::string& backend, const std::string& name, const std::string& address,
                  int port, const std::string& options) const;

  // Points the slot BE/NAME (in maintenance) at ADDRESS:PORT and puts it in rotation (`set server
  // … addr … port …`, then `state ready`). Call only once the replica passed its own health
  // checks: a slot leaving maintenance is UP at once.
  // `weight` (0-256) is set before the slot leaves maintenance, so its first request is weighted.
  void fill_slot(const std::string& backend, const std::string& name, const std::string& address,
                 int port, int weight = 1) const;

  // set server BE/NAME state maint: the server takes no traffic (a slot may be filled again).
  void maint_server(const std::string& backend, const std::string& name) const;

  // set server BE/NAME state drain: no new requests, in-flight ones finish.
  void drain_server(const std::string& backend, const std::string& name) const;

  // del server BE/NAME (a dynamic server in maintenance with no connections left); throws
  // NoSuchServer when there is none, HaproxyError while connections remain.
  void delete_server(const std::string& backend, const std::string& name) const;

  // Sets the weights of servers of `backend` (name, 0-256) in one runtime command line (the
  // commands joined with ';'), so a traffic split changes at once, not server by server.
  void set_weights(const std::string& backend,
                   const std::vector<std::pair<std::string, int>>& weights) const;

  // clear counters all: every proxy's and server's counters restart from zero (rtime included).
  void clear_counters() const;

  // Returns the `show stat` rows of one backend's servers.
  std::vector<ServerStat> server_stats(const std::string& backend) const;

 private:
  std::string socket_path_;
};

}  // namespace slipway::targets::vm
