#include "service/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace slipway::service {
namespace {

std::size_t open_descriptors() {
  std::error_code ec;
  std::size_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count;
}

// RLIMIT_NOFILE may not exceed fs.nr_open, even when the hard limit is unlimited.
rlim_t kernel_fd_ceiling() {
  std::ifstream in("/proc/sys/fs/nr_open");
  unsigned long long value = 0;
  if (in >> value && value > 0) return static_cast<rlim_t>(value);
  return 1 << 20;
}

}  // namespace

FdLimit raise_fd_limit() {
  FdLimit result;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    result.soft_before = limit.rlim_cur;
    result.hard = limit.rlim_max;
    const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kernel_fd_ceiling() : limit.rlim_max;
    if (wanted > limit.rlim_cur) {
      rlimit raised{wanted, limit.rlim_max};
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = wanted;
    }
    result.soft = limit.rlim_cur;
  }
  result.open = open_descriptors();
  return result;
}

std::size_t connections_that_fit(std::size_t requested, const FdLimit& limit) {
  const auto used = limit.open + kReservedFds;
  const auto room = limit.soft > used ? limit.soft - used : 0;
  return std::max<std::size_t>(1, std::min(requested, room));
}

}  // namespace slipway::service
