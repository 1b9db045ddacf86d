#include "targets/vm/haproxy_api.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/fault_point.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::targets::vm {
namespace {

std::vector<std::string> split(std::string_view line, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto end = line.find(separator, start);
    parts.emplace_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::int64_t number(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// HAProxy answers in sentences; the one callers act on becomes its own error type here, so no
// caller matches HAProxy's text.
[[noreturn]] void throw_refusal(const std::string& line, const std::string& answer) {
  auto message = "HAProxy refused \"" + line + "\": " + answer.substr(0, answer.find('\n'));
  if (answer.starts_with("No such server")) throw NoSuchServer(message);
  throw HaproxyError(message);
}

}  // namespace

std::vector<ServerStat> parse_show_stat(std::string_view csv) {
  std::vector<ServerStat> rows;
  std::map<std::string, std::size_t> column;
  std::istringstream lines{std::string(csv)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# ")) {
      auto names = split(std::string_view(line).substr(2), ',');
      for (std::size_t i = 0; i < names.size(); ++i) column[names[i]] = i;
      continue;
    }
    if (line.empty() || column.empty()) continue;
    auto fields = split(line, ',');
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it != column.end() && it->second < fields.size() ? fields[it->second] : "";
    };
    ServerStat row;
    row.backend = get("pxname");
    row.server = get("svname");
    row.status = get("status");
    row.current_sessions = number(get("scur"));
    row.total_sessions = number(get("stot"));
    row.responses_5xx = number(get("hrsp_5xx"));
    for (const char* code :
         {"hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"}) {
      row.responses += number(get(code));
    }
    row.backup = number(get("bck")) > 0;
    row.weight = static_cast<int>(number(get("weight")));
    row.response_time_ms = number(get("rtime"));
    rows.push_back(std::move(row));
  }
  return rows;
}

int HaproxyApi::open_stream(const std::string& line) const {
  // Plain POSIX: a unix socket, one write. No library offers HAProxy's protocol and Asio would
  // add nothing for a blocking request/response with a socket timeout.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw HaproxyError(std::string("cannot create a unix socket: ") + std::strerror(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(address.sun_path)) {
    ::close(fd);
    throw HaproxyError("HAProxy socket path is too long: " + socket_path_ +
                       "; use a shorter --state-dir");
  }
  std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  timeval timeout{5, 0};  // a healthy HAProxy answers in milliseconds
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd);
    throw HaproxyError("cannot reach HAProxy at " + socket_path_ + ": " + std::strerror(error) +
                       "; is the stack up? run `slipway up`");
  }
  auto request = line + "\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw HaproxyError("cannot send to HAProxy at " + socket_path_);
  }
  return fd;
}

std::string HaproxyApi::command(const std::string& line) const {
  int fd = open_stream(line);
  std::string answer;
  std::array<char, 16384> buffer{};
  while (true) {
    auto n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
      answer.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EOF: HAProxy closes after answering one command
  }
  ::close(fd);
  if (answer.starts_with("Unknown command")) {
    throw HaproxyError("HAProxy refused \"" + line + "\": " + answer.substr(0, answer.find('\n')));
  }
  return answer;
}

void HaproxyApi::action(const std::string& line) const {
  auto answer = command(line);
  while (!answer.empty() && (answer.back() == '\n' || answer.back() == ' ')) answer.pop_back();
  // Action commands answer nothing, or one of these sentences, on success; anything else
  // ("No such server.", "Server still has connections attached to it...") is a refusal.
  if (answer.empty() || answer.starts_with("New server registered") ||
      answer.starts_with("Server deleted")) {
    return;
  }
  throw_refusal(line, answer);
}

bool HaproxyApi::reachable() const {
  try {
    command("show info");
    return true;
  } catch (const HaproxyError&) {
    return false;
  }
}

void HaproxyApi::add_server(const std::string& backend, const std::string& name,
                            const std::string& address, int port,
                            const std::string& options) const {
  auto server = backend + "/" + name;
  action("add server " + server + " " + address + ":" + std::to_string(port) + " " + options);
  action("enable health " + server);
  action("enable server " + server);
}

void HaproxyApi::fill_slot(const std::string& backend, const std::string& name,
                           const std::string& address, int port, int weight) const {
  auto line =
      "set server " + backend + "/" + name + " addr " + address + " port " + std::to_string(port);
  auto answer = command(line);
  // Success reads "IP changed from …", "no need to change the addr, port changed from …" or
  // "no need to change the addr, no need to change the port"; a refusal names the problem
  // ("No such server.", "Require …").
  auto lower = answer;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("changed") == std::string::npos &&
      lower.find("no need to change") == std::string::npos) {
    throw_refusal(line, answer);
  }
  core::fault_point("haproxy_slot_addr_set");
  // A slot keeps the weight it had (a traffic split of an earlier deploy): set before it serves.
  action("set server " + backend + "/" + name + " weight " + std::to_string(weight));
  action("set server " + backend + "/" + name + " state ready");
}

void HaproxyApi::maint_server(const std::string& backend, const std::string& name) const {
  action("set server " + backend + "/" + name + " state maint");
}

void HaproxyApi::drain_server(const std::string& backend, const std::string& name) const {
  action("set server " + backend + "/" + name + " state drain");
}

void HaproxyApi::delete_server(const std::string& backend, const std::string& name) const {
  action("del server " + backend + "/" + name);
}

void HaproxyApi::set_weights(const std::string& backend,
                             const std::vector<std::pair<std::string, int>>& weights) const {
  if (weights.empty()) return;
  std::string line;
  for (const auto& [server, weight] : weights) {
    if (!line.empty()) line += "; ";
    line += "set server " + backend + "/" + server + " weight " + std::to_string(weight);
  }
  // Each command answers nothing on success: any text is a refusal of one of them.
  action(line);
}

void HaproxyApi::clear_counters() const {
  action("clear counters all");
}

std::vector<ServerStat> HaproxyApi::server_stats(const std::string& backend) const {
  std::vector<ServerStat> servers;
  for (auto& row : parse_show_stat(command("show stat"))) {
    if (row.backend == backend && row.server != "BACKEND" && row.server != "FRONTEND") {
      servers.push_back(std::move(row));
    }
  }
  return servers;
}

}  // namespace slipway::targets::vm
