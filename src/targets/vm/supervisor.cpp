#include "targets/vm/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "core/private_files.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::targets::vm {
namespace {

void write_file(const std::string& path, const std::string& text) {
  auto temporary = path + ".tmp";
  int fd = core::open_private(temporary, O_WRONLY | O_CREAT | O_TRUNC);
  if (fd < 0) return;
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
  ::rename(temporary.c_str(), path.c_str());
}

void log_line(int fd, const std::string& message) {
  auto line = "{\"level\":\"warn\",\"msg\":\"slipway-supervisor: " + message + "\"}\n";
  (void)!::write(fd, line.data(), line.size());
}

pid_t start_run(const SupervisedProgram& program, const std::vector<char*>& argv,
                const std::vector<char*>& env, const sigset_t& original_mask) {
  pid_t child = ::fork();
  if (child == 0) {
    ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
    ::execve(argv[0], argv.data(), env.data());
    std::fprintf(stderr, "slipway-supervisor: cannot exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  write_file(program.pid_path, std::to_string(child) + "\n");
  if (!program.identity_path.empty()) {
    write_file(program.identity_path, process_identity(child) + "\n");
  }
  return child;
}

// The supervisor's loop: signals are blocked and taken synchronously with sigtimedwait, so
// there are no handlers and no races between a child's exit and a stop request.
[[noreturn]] void supervise(const SupervisedProgram& program, const sigset_t& original_mask) {
  int log = core::open_private(program.log_path, O_WRONLY | O_CREAT | O_APPEND);
  int null = ::open("/dev/null", O_RDONLY);
  ::dup2(null, 0);
  if (log >= 0) {
    ::dup2(log, 1);
    ::dup2(log, 2);
  }
  std::vector<char*> argv;
  for (const auto& arg : program.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> env;
  for (const auto& entry : program.environment) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);

  sigset_t waited;
  sigemptyset(&waited);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&waited, s);

  int restarts = 0;
  bool stopping = false;
  write_file(program.restarts_path, "0\n");
  pid_t child = start_run(program, argv, env, original_mask);
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    siginfo_t info{};
    int signal_number = ::sigwaitinfo(&waited, &info);
    if (signal_number < 0) continue;
    if (signal_number != SIGCHLD) {
      stopping = true;
      if (child > 0)
        ::kill(child, SIGTERM);
      else
        _exit(0);
      continue;
    }
    int status = 0;
    pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done != child) continue;
    child = 0;
    bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (stopping || clean_exit) _exit(0);
    ++restarts;
    write_file(program.restarts_path, std::to_string(restarts) + "\n");
    log_line(1,
             WIFSIGNALED(status)
                 ? "replica killed by signal " + std::to_string(WTERMSIG(status)) + ", restarting"
                 : "replica exited with " + std::to_string(WEXITSTATUS(status)) + ", restarting");
    // Back off between restarts so a crash loop does not spin, but stay stoppable meanwhile.
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(backoff);
    timespec wait{seconds.count(), static_cast<long>((backoff - seconds).count()) * 1'000'000L};
    while (true) {
      int s = ::sigtimedwait(&waited, &info, &wait);
      if (s == SIGTERM || s == SIGINT || s == SIGHUP) _exit(0);
      if (s < 0 && errno == EAGAIN) break;  // backoff elapsed
      if (s < 0 && errno == EINTR) continue;
      // SIGCHLD of nothing we track: keep waiting.
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    child = start_run(program, argv, env, original_mask);
  }
}

std::string read_first_line(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return text.substr(0, text.find('\n'));
}

}  // namespace

std::string process_identity(int pid) {
  if (pid <= 0) return "";
  // After the command in parentheses (which may hold spaces): state is field 3, starttime 22.
  auto stat = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::vector<std::string> fields;
  std::size_t at = close + 2;
  while (at < stat.size()) {
    auto end = stat.find(' ', at);
    fields.push_back(stat.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (fields.size() < 20 || fields[0] == "Z") return "";
  return read_first_line("/proc/sys/kernel/random/boot_id") + ":" + fields[19];
}

bool is_same_process(int pid, const std::string& identity) {
  if (pid <= 0) return false;
  auto now = process_identity(pid);
  if (identity.empty()) return !now.empty();
  return now == identity;
}

int spawn_supervisor(const SupervisedProgram& program) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0)
    throw EngineError(std::string("pipe: ") + std::strerror(errno));
  sigset_t blocked;
  sigset_t original;
  sigemptyset(&blocked);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&blocked, s);
  ::sigprocmask(SIG_BLOCK, &blocked, &original);
  pid_t intermediate = ::fork();
  if (intermediate < 0) {
    ::sigprocmask(SIG_SETMASK, &original, nullptr);
    throw EngineError(std::string("cannot fork a supervisor: ") + std::strerror(errno));
  }
  if (intermediate == 0) {
    // Double fork: the supervisor is re-parented to init, so it outlives this command and
    // never becomes our zombie.
    ::setsid();
    pid_t supervisor = ::fork();
    if (supervisor == 0) {
      // Its own process group, so stop() can SIGKILL the supervisor and the app together.
      ::setpgid(0, 0);
      ::close(report[0]);
      ::close(report[1]);
      supervise(program, original);
    }
    (void)!::write(report[1], &supervisor, sizeof supervisor);
    _exit(0);
  }
  ::sigprocmask(SIG_SETMASK, &original, nullptr);
  ::close(report[1]);
  pid_t supervisor = -1;
  auto got = ::read(report[0], &supervisor, sizeof supervisor);
  ::close(report[0]);
  ::waitpid(intermediate, nullptr, 0);
  if (got != static_cast<ssize_t>(sizeof supervisor) || supervisor <= 0) {
    throw EngineError("cannot start a supervisor for " + program.argv.front());
  }
  return supervisor;
}

}  // namespace slipway::targets::vm
