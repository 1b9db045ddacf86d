// fault_point stops the process at the selected arrival only: checked in forked children, since
// the selection is read once per process.
#include "core/fault_point.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace {

// Runs `points` in a child with SLIPWAY_FAULT_PAUSE_AT=`selection`; returns the indexes of the
// points at which it stopped (each stop is continued).
std::vector<int> stops(const char* selection, const std::vector<const char*>& points) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return {-1};
  pid_t child = ::fork();
  if (child == 0) {
    ::setenv("SLIPWAY_FAULT_PAUSE_AT", selection, 1);
    for (std::size_t i = 0; i < points.size(); ++i) {
      // Announce the index before each point, so the parent knows where the stop happened.
      auto index = static_cast<char>(i);
      (void)!::write(pipe_fds[1], &index, 1);
      slipway::core::fault_point(points[i]);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::vector<int> stopped_at;
  while (true) {
    int status = 0;
    if (::waitpid(child, &status, WUNTRACED) != child) return {-2};
    if (WIFEXITED(status)) break;
    if (WIFSTOPPED(status)) {
      char last = -1;
      char index;
      // Everything announced so far: the last one is the point it stopped at.
      while (true) {
        fd_set set;
        FD_ZERO(&set);
        FD_SET(pipe_fds[0], &set);
        timeval none{0, 0};
        if (::select(pipe_fds[0] + 1, &set, nullptr, nullptr, &none) <= 0) break;
        if (::read(pipe_fds[0], &index, 1) != 1) break;
        last = index;
      }
      stopped_at.push_back(last);
      ::kill(child, SIGCONT);
    }
  }
  ::close(pipe_fds[0]);
  return stopped_at;
}

TEST(FaultPoint, StopsAtTheFirstArrivalByDefault) {
  EXPECT_EQ(stops("b", {"a", "b", "b"}), (std::vector<int>{1}));
}

TEST(FaultPoint, StopsAtTheNthArrival) {
  EXPECT_EQ(stops("b:2", {"b", "a", "b", "b"}), (std::vector<int>{2}));
}

TEST(FaultPoint, StopsAtEveryArrivalWithStar) {
  EXPECT_EQ(stops("b:*", {"b", "a", "b"}), (std::vector<int>{0, 2}));
}

TEST(FaultPoint, NamesMayHoldAColon) {
  EXPECT_EQ(stops("write:state.json", {"write:releases.json", "write:state.json"}),
            (std::vector<int>{1}));
  EXPECT_EQ(stops("write:state.json:2", {"write:state.json", "write:state.json"}),
            (std::vector<int>{1}));
}

TEST(FaultPoint, NeverStopsWithoutASelection) {
  EXPECT_EQ(stops("", {"a", "b"}), (std::vector<int>{}));
}

}  // namespace
