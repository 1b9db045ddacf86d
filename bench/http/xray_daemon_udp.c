// What the X-Ray daemon protocol would cost the service: CPU per UDP datagram of one segment
// (the daemon's header line and a ~290-byte document) sent over loopback to a reader on another
// CPU. docs/service.md (Tracing) compares it with a PutTraceSegments call per 50 segments.
//   cc -O2 -o /tmp/xray_daemon_udp bench/http/xray_daemon_udp.c
//   taskset -c 1 /tmp/xray_daemon_udp read & taskset -c 0 /tmp/xray_daemon_udp; kill %1
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

static double cpu_us(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

int main(int argc, char** argv) {
  const int reader = argc > 1 && strcmp(argv[1], "read") == 0;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(2000)};
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // the daemon's default address, loopback only
  if (reader) {
    if (bind(fd, (struct sockaddr*)&to, sizeof to) != 0) return perror("bind"), 1;
    char buffer[65536];
    for (;;) recv(fd, buffer, sizeof buffer, 0);
  }
  char datagram[330];
  memset(datagram, 'x', sizeof datagram);
  memcpy(datagram, "{\"format\": \"json\", \"version\": 1}\n", 34);
  const int count = 200000;
  const double start = cpu_us();
  for (int i = 0; i < count; i++) {
    sendto(fd, datagram, sizeof datagram, 0, (struct sockaddr*)&to, sizeof to);
  }
  const double per_datagram = (cpu_us() - start) / count;
  printf("%.2f us of CPU per %zu-byte datagram, %.0f us per 50 segments\n", per_datagram,
         sizeof datagram, 50 * per_datagram);
  return 0;
}
