#include "targets/vm/lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/private_files.hpp"
#include "core/subprocess.hpp"
#include "targets/vm/errors.hpp"

namespace slipway::targets::vm {
namespace json = boost::json;
namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<LockOwner> read_owner_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  LockOwner owner;
  try {
    const auto doc = json::parse(text.str()).as_object();
    owner.pid = doc.at("pid").to_number<int>();
    owner.host = json::value_to<std::string>(doc.at("host"));
    owner.command = json::value_to<std::string>(doc.at("command"));
    owner.started_at = doc.at("started_at").to_number<std::int64_t>();
  } catch (const std::exception&) {
    // Half-written by a run killed while writing it: no live owner can be named.
    owner.host = host_name();
  }
  return owner;
}

// Removes the temporary files a run killed between writing a state file and renaming it left
// in the state directory (core::write_private_file names them FILE.tmp.PID); returns them.
std::vector<std::string> remove_half_written(const std::string& dir, int pid) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  if (pid <= 0) return removed;
  const auto suffix = ".tmp." + std::to_string(pid);
  std::error_code ec;
  // The state files and the Prometheus targets two levels down; not the image store.
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() >= 2) it.disable_recursion_pending();
    const auto name = it->path().filename().string();
    if (name == "images" || name == "build-context") it.disable_recursion_pending();
    if (name.ends_with(suffix) && it->is_regular_file(ec) && fs::remove(it->path(), ec)) {
      removed.push_back(it->path().string());
    }
  }
  return removed;
}

}  // namespace

std::optional<LockOwner> read_lock_owner(const std::string& path) {
  return read_owner_file(path);
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

bool lock_is_stale(const LockOwner& owner, const std::string& this_host, bool owner_alive,
                   std::int64_t now, std::chrono::seconds timeout) {
  if (owner.host == this_host && !owner_alive) return true;
  return now - owner.started_at > timeout.count();
}

StateLock::StateLock(std::string path, std::string command, std::chrono::seconds timeout)
    : path_(std::move(path)) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = core::open_private(path_, O_WRONLY | O_CREAT | O_EXCL);
    if (fd >= 0) {
      auto text = json::serialize(json::object{{"pid", ::getpid()},
                                               {"host", host_name()},
                                               {"command", command},
                                               {"started_at", now_seconds()}});
      (void)!::write(fd, text.data(), text.size());
      ::close(fd);
      return;
    }
    if (errno != EEXIST) {
      throw core::SystemError("cannot create the lock " + path_ + ": " + std::strerror(errno));
    }
    auto owner = read_owner_file(path_);
    if (!owner) continue;  // released meanwhile
    if (!lock_is_stale(*owner, host_name(), core::process_alive(owner->pid), now_seconds(),
                       timeout)) {
      throw LockedError("another slipway command holds the lock " + path_ + ": `" + owner->command +
                        "` (pid " + std::to_string(owner->pid) + " on " + owner->host + ", since " +
                        std::to_string(now_seconds() - owner->started_at) +
                        "s ago); wait for it to finish");
    }
    stale_ = owner;
    half_written_ =
        remove_half_written(std::filesystem::path(path_).parent_path().string(), owner->pid);
    ::unlink(path_.c_str());
  }
  throw LockedError("cannot take the lock " + path_ + ": another command keeps taking it; retry");
}

StateLock::~StateLock() {
  auto owner = read_owner_file(path_);
  if (owner && owner->pid == ::getpid()) ::unlink(path_.c_str());
}

}  // namespace slipway::targets::vm
