// What one system call costs on this machine, against the vDSO clock read that is not one:
// a million calls each of the ones the service's X-Ray sender made per exchange through an
// io_context (epoll_wait, timerfd_settime, poll) and of getppid, the cheapest there is.
// On a virtual machine every system call may leave the guest, and then costs microseconds:
// docs/platform-notes.md has the figures, and why the outbound HTTP client is synchronous.
//
//   cc -O2 -o /tmp/syscall_cost bench/http/syscall_cost.c && taskset -c 1 /tmp/syscall_cost
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum { kCalls = 1000000 };

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

static void report(const char* what, double start) {
  printf("%-34s %6.3f us\n", what, (seconds() - start) / kCalls * 1e6);
}

int main(void) {
  double start = seconds();
  struct timespec ignored;
  for (int i = 0; i < kCalls; ++i) clock_gettime(CLOCK_REALTIME, &ignored);
  report("clock_gettime (vDSO, no syscall)", start);

  start = seconds();
  for (int i = 0; i < kCalls; ++i) syscall(SYS_getppid);
  report("getppid", start);

  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event events[8];
  start = seconds();
  for (int i = 0; i < kCalls; ++i) epoll_wait(epoll, events, 8, 0);
  report("epoll_wait, timeout 0", start);

  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  const struct itimerspec in_five_seconds = {.it_interval = {0, 0}, .it_value = {5, 0}};
  start = seconds();
  for (int i = 0; i < kCalls; ++i) timerfd_settime(timer, 0, &in_five_seconds, NULL);
  report("timerfd_settime", start);

  struct pollfd readable = {.fd = epoll, .events = POLLIN, .revents = 0};
  start = seconds();
  for (int i = 0; i < kCalls; ++i) poll(&readable, 1, 0);
  report("poll, timeout 0", start);
  return 0;
}
