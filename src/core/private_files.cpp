#include "core/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/errors.hpp"
#include "core/fault_point.hpp"

namespace slipway::core {
namespace {

constexpr mode_t kPrivateFile = 0600;
constexpr mode_t kPrivateDirectory = 0700;

std::string reason() {
  return std::strerror(errno);
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

void create_private_directories(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;  // deepest first
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  // One at a time, each made 0700 before the next is created in it: a umask that removes the
  // owner's write bit must not stop the next mkdir.
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), kPrivateDirectory) != 0 && errno != EEXIST) {
      throw SystemError("cannot create the directory " + it->string() + ": " + reason());
    }
    if (::chmod(it->c_str(), kPrivateDirectory) != 0) {
      throw SystemError("cannot make " + it->string() + " private (0700): " + reason());
    }
  }
  if (missing.empty() && ::chmod(dir.c_str(), kPrivateDirectory) != 0) {
    throw SystemError("cannot make " + dir + " private (0700): " + reason());
  }
}

int open_private(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, kPrivateFile);
  if (fd < 0) return -1;
  // The umask only removes bits from 0600; this restores any it removed.
  if (::fchmod(fd, kPrivateFile) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

void write_private_file(const std::string& path, std::string_view text) {
  const auto temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = open_private(temporary, O_WRONLY | O_CREAT | O_TRUNC);
  if (fd < 0) throw SystemError("cannot write " + temporary + ": " + reason());
  // fsync before the rename: after a crash the name holds the old content or all of the new,
  // never an empty file (ext4 and xfs may commit the rename before the data otherwise).
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  const auto error = reason();
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    throw SystemError("cannot write " + temporary + ": " + error);
  }
  fault_point("write:" + std::filesystem::path(path).filename().string());
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const auto rename_error = reason();
    ::unlink(temporary.c_str());
    throw SystemError("cannot replace " + path + ": " + rename_error);
  }
  // And the directory, so the rename itself survives a power cut.
  auto dir = std::filesystem::path(path).parent_path();
  if (const int dir_fd =
          ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void append_private_file(const std::string& path, std::string_view text) {
  const int fd = open_private(path, O_WRONLY | O_CREAT | O_APPEND);
  if (fd < 0) throw SystemError("cannot append to " + path + ": " + reason());
  const bool written = write_all(fd, text);
  const auto error = reason();
  ::close(fd);
  if (!written) throw SystemError("cannot append to " + path + ": " + error);
}

void make_private(const std::string& path) {
  if (::chmod(path.c_str(), kPrivateFile) != 0) {
    throw SystemError("cannot make " + path + " private (0600): " + reason());
  }
}

}  // namespace slipway::core
