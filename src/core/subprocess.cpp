#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/errors.hpp"

extern char** environ;

namespace slipway::core {
namespace {

using Clock = std::chrono::steady_clock;

void close_quietly(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::vector<std::string> build_environment(const std::map<std::string, std::string>& env,
                                           bool inherit_env) {
  std::map<std::string, std::string> merged;
  if (inherit_env) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      auto eq = text.find('=');
      if (eq == std::string_view::npos) continue;
      merged.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  for (const auto& [name, value] : env) merged[name] = value;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
  return out;
}

std::optional<std::string> find_program(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return program;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) dir = ".";
    auto candidate = dir + "/" + program;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

RunResult run(const RunOptions& options) {
  if (options.argv.empty()) throw SystemError("cannot run a program: empty argv");
  auto program = find_program(options.argv[0]);
  if (!program) {
    throw SystemError("cannot run " + options.argv[0] + ": not found on PATH; install it");
  }
  std::vector<std::string> environment = build_environment(options.env, options.inherit_env);
  std::vector<char*> argv_ptrs;
  for (const auto& arg : options.argv) argv_ptrs.push_back(const_cast<char*>(arg.c_str()));
  argv_ptrs.push_back(nullptr);
  std::vector<char*> env_ptrs;
  for (const auto& entry : environment) env_ptrs.push_back(const_cast<char*>(entry.c_str()));
  env_ptrs.push_back(nullptr);

  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  int in_pipe[2] = {-1, -1};
  int exec_pipe[2] = {-1, -1};  // closed by a successful exec; carries errno when exec fails
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (options.stdin_data && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    throw SystemError(std::string("cannot create pipes: ") + std::strerror(errno));
  }

  pid_t pid = ::fork();
  if (pid < 0) throw SystemError(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: its own process group, so a timeout can kill everything it started.
    ::setpgid(0, 0);
    int in_fd = options.stdin_data ? in_pipe[0] : ::open("/dev/null", O_RDONLY);
    ::dup2(in_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0) _exit(126);
    ::execve(program->c_str(), argv_ptrs.data(), env_ptrs.data());
    int exec_errno = errno;
    (void)!::write(exec_pipe[1], &exec_errno, sizeof exec_errno);
    _exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent: whichever runs first wins the race
  close_quietly(out_pipe[1]);
  close_quietly(err_pipe[1]);
  close_quietly(in_pipe[0]);
  close_quietly(exec_pipe[1]);
  int exec_errno = 0;
  auto got = ::read(exec_pipe[0], &exec_errno, sizeof exec_errno);
  close_quietly(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    close_quietly(out_pipe[0]);
    close_quietly(err_pipe[0]);
    close_quietly(in_pipe[1]);
    ::waitpid(pid, nullptr, 0);
    throw SystemError("cannot run " + options.argv[0] + ": " + std::strerror(exec_errno));
  }

  RunResult result;
  std::string_view pending_input = options.stdin_data ? std::string_view(*options.stdin_data) : "";
  if (in_pipe[1] >= 0) {
    ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    if (pending_input.empty()) close_quietly(in_pipe[1]);
  }
  const auto deadline = Clock::now() + options.timeout;
  std::array<char, 65536> buffer{};
  while (out_pipe[0] >= 0 || err_pipe[0] >= 0) {
    std::array<pollfd, 3> fds{
        {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}}};
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      wait_ms = static_cast<int>(left.count());
    }
    int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_pipe[0] : err_pipe[0];
      if (fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      auto n = ::read(fd, buffer.data(), buffer.size());
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close_quietly(fd);
      }
    }
    if (in_pipe[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      auto n = ::write(in_pipe[1], pending_input.data(), pending_input.size());
      if (n > 0) pending_input.remove_prefix(static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN && errno != EINTR) pending_input = {};
      if (pending_input.empty()) close_quietly(in_pipe[1]);
    }
  }
  close_quietly(out_pipe[0]);
  close_quietly(err_pipe[0]);
  close_quietly(in_pipe[1]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace slipway::core
