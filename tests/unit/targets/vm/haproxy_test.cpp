#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "targets/vm/errors.hpp"
#include "targets/vm/haproxy_api.hpp"
#include "targets/vm/haproxy_config.hpp"
#include "targets/vm/response_log.hpp"

namespace {

using namespace slipway::targets::vm;
using namespace std::chrono_literals;

HaproxySettings settings() {
  HaproxySettings s;
  s.service = "app";
  s.listener_address = "127.0.0.1";
  s.listener_port = 8080;
  s.stats_address = "127.0.0.1";
  s.stats_port = 8404;
  s.admin_socket = "/tmp/s/haproxy.sock";
  s.pid_file = "/tmp/s/haproxy.pid";
  s.health_path = "/readyz";
  s.check_interval = 500ms;
  s.rise = 2;
  s.fall = 3;
  return s;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(HaproxyConfig, HasWhatTheRolloutRelieson) {
  auto cfg = render_haproxy_config(settings(), {{"app-r1-1", "127.0.0.1", 40001, false},
                                                {"app-r1-2.backup", "127.0.0.1", 40002, true}});
  for (const char* line :
       {"master-worker", "stats socket /tmp/s/haproxy.sock mode 600 level admin",
        "bind 127.0.0.1:8080", "bind 127.0.0.1:8404",
        "http-request use-service prometheus-exporter if { path /metrics }", "balance roundrobin",
        "option httpchk", "http-check send meth GET uri /readyz", "http-check expect status 200",
        "retry-on conn-failure empty-response", "option redispatch",
        "server app-r1-1 127.0.0.1:40001 check inter 500ms fastinter 500ms downinter 500ms rise 2 "
        "fall 3\n",
        "server app-r1-2.backup 127.0.0.1:40002 check inter 500ms fastinter 500ms downinter 500ms "
        "rise 2 fall 3 backup\n"}) {
    EXPECT_TRUE(contains(cfg, line)) << line << "\n" << cfg;
  }
}

TEST(HaproxyConfig, TheListenerLogsEachResponseToTheJudgesRing) {
  auto cfg = render_haproxy_config(settings(), {});
  EXPECT_TRUE(contains(cfg, "ring responses\n  format raw\n  size 1048576\n")) << cfg;
  auto frontend = cfg.substr(cfg.find("frontend app_in\n"));
  frontend = frontend.substr(0, frontend.find("\n\n"));
  EXPECT_TRUE(contains(frontend, "  log ring@responses local0 info\n  log-format \"%s %Tr %ST\"\n"))
      << frontend;
}

TEST(ResponseLog, TakesCompleteLinesOfServerTimeAndStatus) {
  // What `show events responses -w` streams: the empty answer of `set timeout cli`, then one line
  // per request; a read may end mid-line.
  std::string pending = "\ns1 12 200\ns2 30 500\n<NOSRV> -1 503\ns1 -1 502\ngarbage\ns3 4";
  EXPECT_EQ(take_response_records(pending),
            (std::vector<ResponseRecord>{{"s1", 12, 200}, {"s2", 30, 500}}));
  EXPECT_EQ(pending, "s3 4");
  pending += "1 200\n";
  EXPECT_EQ(take_response_records(pending), (std::vector<ResponseRecord>{{"s3", 41, 200}}));
  EXPECT_EQ(pending, "");
}

TEST(HaproxyConfig, ATestListenerIsItsOwnFrontendAndBackend) {
  EXPECT_FALSE(contains(render_haproxy_config(settings(), {}), "_test"));
  auto s = settings();
  s.test_listener_address = "127.0.0.1";
  s.test_listener_port = 18080;
  auto cfg = render_haproxy_config(s, {{"s1", "127.0.0.1", 40001, false}});
  EXPECT_TRUE(contains(cfg,
                       "frontend app_test_in\n  bind 127.0.0.1:18080\n"
                       "  default_backend app_test\n"))
      << cfg;
  // Its backend starts empty: the rollout adds the new release's replicas at run time.
  auto backend = cfg.substr(cfg.find("\nbackend app_test\n"));
  EXPECT_TRUE(contains(backend, "option httpchk")) << backend;
  EXPECT_FALSE(contains(backend, "server ")) << backend;
}

TEST(HaproxyConfig, ReplicasFillSlotsTheRestAreDisabled) {
  auto s = settings();
  s.slots = 3;
  s.backup_slots = 2;
  auto cfg = render_haproxy_config(s, {{"s2", "127.0.0.1", 40002, false},
                                       {"b1", "127.0.0.1", 40003, true},
                                       {"app-r1-9", "127.0.0.1", 40009, false}});
  const std::string opts = "check inter 500ms fastinter 500ms downinter 500ms rise 2 fall 3";
  for (const std::string& line :
       {"server s1 127.0.0.1:1 disabled " + opts + "\n", "server s2 127.0.0.1:40002 " + opts + "\n",
        "server s3 127.0.0.1:1 disabled " + opts + "\n",
        "server b1 127.0.0.1:40003 " + opts + " backup\n",
        "server b2 127.0.0.1:1 disabled " + opts + " backup\n",
        "server app-r1-9 127.0.0.1:40009 " + opts + "\n"}) {
    EXPECT_TRUE(contains(cfg, line)) << line << "\n" << cfg;
  }
  EXPECT_FALSE(contains(cfg, "server s4 "));
  EXPECT_FALSE(contains(cfg, "server b3 "));
  // Room for a 200 % rollout of the replicas, and for the previous fleet as backups.
  EXPECT_EQ(active_slot_count(2), 16);
  EXPECT_EQ(active_slot_count(20), 40);
  EXPECT_EQ(backup_slot_count(20), 20);
}

TEST(HaproxyConfig, AServerKeepsItsTrafficSplitWeight) {
  auto s = settings();
  s.slots = 2;
  // A canary step's split (28:252), as the state records it: a restarted or reloaded HAProxy
  // must not give both servers weight 1.
  auto cfg = render_haproxy_config(s, {{"s1", "127.0.0.1", 40001, false, 252},
                                       {"s2", "127.0.0.1", 40002, false, 28},
                                       {"app-r2-9", "127.0.0.1", 40009, false, 0}});
  const std::string opts = "check inter 500ms fastinter 500ms downinter 500ms rise 2 fall 3";
  for (const std::string& line : {"server s1 127.0.0.1:40001 " + opts + " weight 252\n",
                                  "server s2 127.0.0.1:40002 " + opts + " weight 28\n",
                                  "server app-r2-9 127.0.0.1:40009 " + opts + " weight 0\n"}) {
    EXPECT_TRUE(contains(cfg, line)) << line << "\n" << cfg;
  }
}

TEST(HaproxyConfig, DynamicServerOptionsCarryTheirOwnChecks) {
  auto options = server_options(settings(), false);
  EXPECT_TRUE(contains(options, "check inter 500ms"));
  EXPECT_TRUE(contains(options, "rise 2 fall 3"));
  EXPECT_FALSE(contains(options, "backup"));
  EXPECT_TRUE(contains(server_options(settings(), true), " backup"));
}

TEST(HaproxyStat, ParsesServersSessionsAndResponses) {
  const char* csv =
      "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
      "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
      "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
      "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other\n"
      "app,app-r1-1,0,0,3,5,,120,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,10,0,,1,3,1,,120,,2,0,,5,L7OK,200,1,"
      "0,100,0,5,15,0\n"
      "app,app-r1-2.backup,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,0,1,3,1,10,0,,1,3,2,,0,,2,0,,0,L7STS,"
      "503,1,0,0,0,0,0,0\n"
      "app,BACKEND,0,0,3,5,,120,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,10,0,,1,3,0,,120,,1,0,,5,,,,0,100,0,5,"
      "15,0\n";
  auto rows = parse_show_stat(csv);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].backend, "app");
  EXPECT_EQ(rows[0].server, "app-r1-1");
  EXPECT_EQ(rows[0].status, "UP");
  EXPECT_EQ(rows[0].current_sessions, 3);
  EXPECT_EQ(rows[0].total_sessions, 120);
  EXPECT_EQ(rows[0].responses, 120);
  EXPECT_EQ(rows[0].responses_5xx, 15);
  EXPECT_FALSE(rows[0].backup);
  EXPECT_EQ(rows[1].status, "DOWN");
  EXPECT_TRUE(rows[1].backup);
  EXPECT_EQ(rows[2].server, "BACKEND");
}

TEST(HaproxyStat, EmptyOrHeaderlessInputGivesNoRows) {
  EXPECT_TRUE(parse_show_stat("").empty());
  EXPECT_TRUE(parse_show_stat("app,x,1,2\n").empty());
}

// A one-connection stand-in for HAProxy's runtime socket (the stream's framing is what HAProxy
// 2.6 was seen to send: the empty answer of `set timeout cli`, then one event per line, or "No
// such event sink" and a close): receives the command, then runs `serve` on the connection.
class OneConnectionSocket {
 public:
  explicit OneConnectionSocket(std::function<void(int fd)> serve) {
    char pattern[] = "/tmp/slipway_ring_test_XXXXXX";
    directory_ = ::mkdtemp(pattern);
    path_ = directory_ + "/haproxy.sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path_.c_str());
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 1);
    thread_ = std::thread([this, serve] {
      int fd = ::accept(listener_, nullptr, nullptr);
      char buffer[256];
      command_.assign(buffer, static_cast<std::size_t>(::read(fd, buffer, sizeof buffer)));
      serve(fd);
      ::close(fd);
    });
  }
  ~OneConnectionSocket() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
    ::unlink(path_.c_str());
    ::rmdir(directory_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string command() {
    thread_.join();
    return command_;
  }

 private:
  std::string directory_;
  std::string path_;
  int listener_ = -1;
  std::thread thread_;
  std::string command_;
};

void send_text(int fd, const std::string& text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

TEST(ResponseStream, AsksForNewEventsAndReadsThemAsTheyCome) {
  std::promise<void> first_read;
  auto read_once = first_read.get_future();
  OneConnectionSocket haproxy([&](int fd) {
    send_text(fd, "\ns1 10 200\ns2 3");
    read_once.wait();  // the rest of the line arrives after the judge's first read
    send_text(fd, "1 200\n");
  });
  HaproxyApi api(haproxy.path());
  auto feed = open_response_stream(api);
  std::vector<ResponseRecord> records;
  // Never blocks: each take() returns what arrived so far.
  while (records.empty()) records = feed->take();
  EXPECT_EQ(records, (std::vector<ResponseRecord>{{"s1", 10, 200}}));
  first_read.set_value();
  records.clear();
  while (records.empty()) records = feed->take();
  EXPECT_EQ(records, (std::vector<ResponseRecord>{{"s2", 31, 200}}));
  EXPECT_EQ(haproxy.command(), "set timeout cli 86400; show events responses -w -n\n");
}

TEST(ResponseStream, AHaproxyWithoutTheRingIsAnErrorThatSaysSo) {
  OneConnectionSocket haproxy([](int fd) { send_text(fd, "\nNo such event sink\n"); });
  HaproxyApi api(haproxy.path());
  auto feed = open_response_stream(api);
  haproxy.command();  // the connection is closed now
  std::string error;
  for (int i = 0; i < 2000 && error.empty(); ++i) {
    try {
      EXPECT_TRUE(feed->take().empty());
      std::this_thread::sleep_for(1ms);
    } catch (const HaproxyError& e) {
      error = e.what();
    }
  }
  EXPECT_EQ(error, "HAProxy closed its response event stream: No such event sink");
}

TEST(HaproxyApi, UnreachableSocketIsAnError) {
  HaproxyApi api("/nonexistent/haproxy.sock");
  EXPECT_FALSE(api.reachable());
}

}  // namespace
