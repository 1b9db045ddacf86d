// The requests the ECS, ELBv2, CloudWatch, Logs, ECR and IAM clients send, seen by a loopback
// stand-in server that answers canned bodies: operation names, protocol headers, body members,
// pagination, and error mapping.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "aws/cloudwatch.hpp"
#include "aws/ecr.hpp"
#include "aws/ecs.hpp"
#include "aws/elbv2.hpp"
#include "aws/errors.hpp"
#include "aws/iam.hpp"
#include "aws/logs.hpp"
#include "aws/xray.hpp"

namespace slipway::aws {
namespace {

struct Recorded {
  std::string head;  // request line and headers
  std::string body;
  std::string header(std::string_view name) const {
    auto lower = [](std::string text) {
      for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    };
    const auto haystack = lower(head);
    const auto at = haystack.find("\r\n" + lower(std::string(name)) + ":");
    if (at == std::string::npos) return "";
    const auto start = head.find_first_not_of(' ', at + 3 + name.size());
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

struct Reply {
  int status = 200;
  std::string body;
};

// Serves queued replies in order on 127.0.0.1: keep-alive connections, each on its own thread
// (a client may have several calls in flight), one request at a time on each.
class StandIn {
 public:
  StandIn() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port = ntohs(address.sin_port);
    ::listen(fd_, 8);
    thread_ = std::thread([this] { accept_all(); });
  }
  ~StandIn() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    {
      std::lock_guard lock(mutex_);
      for (const int connection : connections_) ::shutdown(connection, SHUT_RDWR);
    }
    for (auto& thread : connection_threads_) thread.join();
  }
  void push(Reply reply) {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(reply));
  }
  std::vector<Recorded> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::uint16_t port = 0;

 private:
  void accept_all() {
    for (;;) {
      const int connection = ::accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      std::lock_guard lock(mutex_);
      connections_.push_back(connection);
      connection_threads_.emplace_back([this, connection] { serve(connection); });
    }
  }
  void serve(int connection) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      auto end = buffer.find("\r\n\r\n");
      while (end == std::string::npos) {
        const auto n = ::read(connection, chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        end = buffer.find("\r\n\r\n");
      }
      if (end == std::string::npos) break;
      Recorded request{.head = buffer.substr(0, end + 2), .body = {}};
      const auto length = std::stoul("0" + request.header("Content-Length"));
      while (buffer.size() < end + 4 + length) {
        const auto n = ::read(connection, chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      request.body = buffer.substr(end + 4, length);
      buffer.erase(0, end + 4 + length);
      Reply reply{500, "{}"};
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        if (!replies_.empty()) {
          reply = replies_.front();
          replies_.pop_front();
        }
      }
      const auto response = "HTTP/1.1 " + std::to_string(reply.status) +
                            " X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: " +
                            std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      if (::write(connection, response.data(), response.size()) < 0) break;
    }
    ::close(connection);
  }
  int fd_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<Recorded> requests_;
  std::vector<int> connections_;
  std::vector<std::thread> connection_threads_;
};

class ClientRequests : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    SessionOptions options;
    options.region = "us-east-1";
    options.endpoint_url = "http://127.0.0.1:" + std::to_string(server.port);
    session = std::make_unique<Session>(options);
  }
  boost::json::object json_body(std::size_t index) {
    return boost::json::parse(server.requests().at(index).body).as_object();
  }
  StandIn server;
  std::unique_ptr<Session> session;
};

TEST_F(ClientRequests, EcsRegisterWithTagsDescribeWithTagsAndUpdate) {
  server.push({200, R"({"taskDefinition": {"taskDefinitionArn": "arn:td/app:3", "family": "app",
                       "revision": 3}, "tags": [{"key": "slipway:commit", "value": "c"}]})"});
  server.push({200, R"({"taskDefinition": {"taskDefinitionArn": "arn:td/app:3", "revision": 3},
                       "tags": [{"key": "slipway:outcome", "value": "succeeded"}]})"});
  server.push({200, R"({"service": {"serviceName": "app", "deployments": [{"id": "ecs-svc/9",
                       "status": "PRIMARY", "taskDefinition": "arn:td/app:3"}]}})"});
  EcsClient ecs(*session);
  const auto registered = ecs.register_task_definition(
      boost::json::parse(R"({"family": "app", "containerDefinitions": []})").as_object(),
      {{"slipway:commit", "c"}});
  EXPECT_EQ(registered.revision, 3);
  const auto described = ecs.describe_task_definition("arn:td/app:3", true);
  EXPECT_EQ(described.tags.at("slipway:outcome"), "succeeded");
  const auto updated = ecs.update_service({.cluster = "prod",
                                           .service = "app",
                                           .task_definition = "arn:td/app:3",
                                           .desired_count = std::nullopt,
                                           .force_new_deployment = false,
                                           .load_balancers = std::nullopt});
  EXPECT_EQ(updated.deployments.at(0).id, "ecs-svc/9");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].header("X-Amz-Target"),
            "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_NE(requests[0].header("Authorization").find("/us-east-1/ecs/aws4_request"),
            std::string::npos);
  auto body = json_body(0);
  EXPECT_EQ(body.at("family").as_string(), "app");
  EXPECT_EQ(body.at("tags").as_array().at(0).as_object().at("key").as_string(), "slipway:commit");
  body = json_body(1);
  EXPECT_EQ(body.at("include").as_array().at(0).as_string(), "TAGS");
  body = json_body(2);
  EXPECT_EQ(body.at("cluster").as_string(), "prod");
  EXPECT_EQ(body.at("taskDefinition").as_string(), "arn:td/app:3");
  EXPECT_FALSE(body.contains("desiredCount"));
}

TEST_F(ClientRequests, EcsListTaskDefinitionsFollowsNextToken) {
  server.push({200, R"({"taskDefinitionArns": ["a:3", "a:2"], "nextToken": "t1"})"});
  server.push({200, R"({"taskDefinitionArns": ["a:1"]})"});
  EXPECT_EQ(EcsClient(*session).list_task_definitions("a"),
            (std::vector<std::string>{"a:3", "a:2", "a:1"}));
  EXPECT_EQ(json_body(0).at("sort").as_string(), "DESC");
  EXPECT_EQ(json_body(1).at("nextToken").as_string(), "t1");
}

TEST_F(ClientRequests, CloudWatchDescribeAlarmsIsAQueryWithMembersAndPages) {
  server.push({200,
               "<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms><member>"
               "<AlarmName>a</AlarmName><StateValue>OK</StateValue></member></MetricAlarms>"
               "<NextToken>p2</NextToken></DescribeAlarmsResult></DescribeAlarmsResponse>"});
  server.push({200,
               "<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms><member>"
               "<AlarmName>b</AlarmName><StateValue>ALARM</StateValue></member>"
               "</MetricAlarms></DescribeAlarmsResult></DescribeAlarmsResponse>"});
  const auto alarms = CloudWatchClient(*session).describe_alarms({"a", "b"});
  ASSERT_EQ(alarms.size(), 2u);
  EXPECT_EQ(alarms[1].state, "ALARM");
  const auto requests = server.requests();
  EXPECT_NE(requests[0].body.find("Action=DescribeAlarms"), std::string::npos);
  EXPECT_NE(requests[0].body.find("Version=2010-08-01"), std::string::npos);
  EXPECT_NE(requests[0].body.find("AlarmNames.member.2=b"), std::string::npos);
  EXPECT_EQ(requests[0].header("Content-Type").find("application/x-www-form-urlencoded"), 0u);
  EXPECT_NE(requests[1].body.find("NextToken=p2"), std::string::npos);
  EXPECT_NE(requests[0].header("Authorization").find("/monitoring/aws4_request"),
            std::string::npos);
}

TEST_F(ClientRequests, Elbv2DescribeTargetHealth) {
  server.push({200,
               "<DescribeTargetHealthResponse><DescribeTargetHealthResult>"
               "<TargetHealthDescriptions><member><Target><Id>10.0.0.1</Id></Target>"
               "<TargetHealth><State>healthy</State></TargetHealth></member>"
               "</TargetHealthDescriptions></DescribeTargetHealthResult>"
               "</DescribeTargetHealthResponse>"});
  const auto targets = Elbv2Client(*session).describe_target_health("arn:tg");
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].state, "healthy");
  const auto request = server.requests().at(0);
  EXPECT_NE(request.body.find("Action=DescribeTargetHealth"), std::string::npos);
  EXPECT_NE(request.body.find("Version=2015-12-01"), std::string::npos);
  EXPECT_NE(request.body.find("TargetGroupArn=arn%3Atg"), std::string::npos);
  EXPECT_NE(request.header("Authorization").find("/elasticloadbalancing/aws4_request"),
            std::string::npos);
}

TEST_F(ClientRequests, LogsFilterLogEventsPagesAndKeepsTheNewest) {
  server.push({200, R"({"events": [{"timestamp": 1, "message": "one"},
                                   {"timestamp": 2, "message": "two"}], "nextToken": "n"})"});
  server.push({200, R"({"events": [{"timestamp": 3, "message": "three"}]})"});
  const auto events = LogsClient(*session).filter_log_events({.group = "/g",
                                                              .stream_prefix = "app/",
                                                              .start_time_ms = 5,
                                                              .pattern = std::nullopt,
                                                              .limit = 2});
  // The first page held `limit` events already: no second request, the newest two kept.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].header("X-Amz-Target"), "Logs_20140328.FilterLogEvents");
  const auto body = json_body(0);
  EXPECT_EQ(body.at("logStreamNamePrefix").as_string(), "app/");
  EXPECT_EQ(body.at("startTime").as_int64(), 5);
}

TEST_F(ClientRequests, EcrImageNotFoundIsNoImageAndOtherErrorsThrow) {
  server.push({200, R"({"imageDetails": [{"repositoryName": "app", "imageDigest": "sha256:ab",
                       "imageTags": ["t"]}]})"});
  server.push({400, R"({"__type": "ImageNotFoundException", "message": "no"})"});
  server.push({400, R"({"__type": "RepositoryNotFoundException", "message": "no repo"})"});
  EcrClient ecr(*session);
  EXPECT_EQ(ecr.describe_image("app", "t")->digest, "sha256:ab");
  EXPECT_FALSE(ecr.describe_image("app", "missing"));
  try {
    ecr.describe_image("nope", "t");
    FAIL();
  } catch (const ServiceError& error) {
    EXPECT_EQ(error.code(), "RepositoryNotFoundException");
  }
  EXPECT_EQ(server.requests()[0].header("X-Amz-Target"),
            "AmazonEC2ContainerRegistry_V20150921.DescribeImages");
  EXPECT_EQ(json_body(0).at("imageIds").as_array().at(0).as_object().at("imageTag").as_string(),
            "t");
}

TEST_F(ClientRequests, IamRolePolicyDocumentsAreUrlDecoded) {
  server.push({200,
               "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames>"
               "<member>inline</member></PolicyNames></ListRolePoliciesResult>"
               "</ListRolePoliciesResponse>"});
  server.push({200,
               "<GetRolePolicyResponse><GetRolePolicyResult><PolicyDocument>"
               "%7B%22Statement%22%3A%5B%5D%7D</PolicyDocument></GetRolePolicyResult>"
               "</GetRolePolicyResponse>"});
  server.push({200,
               "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult>"
               "<AttachedPolicies><member><PolicyArn>arn:p</PolicyArn></member>"
               "</AttachedPolicies></ListAttachedRolePoliciesResult>"
               "</ListAttachedRolePoliciesResponse>"});
  server.push({200,
               "<GetPolicyResponse><GetPolicyResult><Policy><DefaultVersionId>v3"
               "</DefaultVersionId></Policy></GetPolicyResult></GetPolicyResponse>"});
  server.push({200,
               "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion>"
               "<Document>{&quot;Version&quot;:&quot;2012-10-17&quot;}</Document>"
               "</PolicyVersion></GetPolicyVersionResult></GetPolicyVersionResponse>"});
  const auto documents = IamClient(*session).role_policy_documents("exec");
  EXPECT_EQ(documents,
            (std::vector<std::string>{R"({"Statement":[]})", R"({"Version":"2012-10-17"})"}));
  EXPECT_NE(server.requests().at(4).body.find("VersionId=v3"), std::string::npos);
}

}  // namespace
}  // namespace slipway::aws

namespace slipway::aws {
namespace {

TEST_F(ClientRequests, XRayPutTraceSegmentsIsARestJsonPostSignedForXray) {
  server.push({200, R"({"UnprocessedTraceSegments": [{"Id": "b", "ErrorCode": "x"}]})"});
  XRayClient xray(*session);
  const std::vector<std::string> documents{R"({"id":"a"})", R"({"id":"b"})"};
  EXPECT_EQ(xray.put_trace_segments(documents), 1u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.substr(0, requests[0].head.find("\r\n")),
            "POST /TraceSegments HTTP/1.1");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].header("X-Amz-Target"), "");
  EXPECT_NE(requests[0].header("Authorization").find("/us-east-1/xray/aws4_request"),
            std::string::npos);
  const auto sent = json_body(0).at("TraceSegmentDocuments").as_array();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].as_string(), R"({"id":"b"})");
}

// The body moves through signing and sending (a batch of segments is tens of KB): a retried
// call must send it again whole, signed again.
TEST_F(ClientRequests, ARetriedCallSendsTheSameBody) {
  server.push({500, R"({"__type": "InternalFailure"})"});
  server.push({200, R"({"UnprocessedTraceSegments": []})"});
  XRayClient xray(*session);
  const std::string body = R"({"TraceSegmentDocuments":["{\"id\":\"a\"}"]})";
  EXPECT_EQ(xray.put_trace_segments_body(body), 0u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, body);
  EXPECT_EQ(requests[1].body, body);
  EXPECT_EQ(requests[1].header("Content-Length"), std::to_string(body.size()));
  EXPECT_NE(requests[1].header("Authorization"), "");
}

// The sender's thread keeps several calls in flight: each start has written its call (the
// stand-in has all three) before any answer is read.
TEST_F(ClientRequests, SeveralPutTraceSegmentsCallsAreInFlightAtOnce) {
  for (int i = 0; i < 3; ++i) server.push({200, R"({"UnprocessedTraceSegments": []})"});
  XRayClient xray(*session);
  std::vector<Session::PendingCall> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(xray.start_put_trace_segments_body(R"({"TraceSegmentDocuments":["{\"id\":\")" +
                                                       std::to_string(i) + R"(\"}"]})"));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.requests().size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(server.requests().size(), 3u) << "every call is written before any answer is read";
  for (auto& call : calls) EXPECT_EQ(xray.finish_put_trace_segments(call), 0u);
  std::vector<std::string> bodies;
  for (const auto& request : server.requests()) bodies.push_back(request.body);
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies.front(), R"({"TraceSegmentDocuments":["{\"id\":\"0\"}"]})");
  EXPECT_EQ(bodies.back(), R"({"TraceSegmentDocuments":["{\"id\":\"2\"}"]})");
}

// A call that cannot even be written (nothing listens) does not throw from start: finish makes
// the policy's further attempts and throws the one-line error naming the call and the endpoint.
TEST_F(ClientRequests, AnUnreachableEndpointFailsInFinishNamingTheCall) {
  int free_port = 0;
  {
    StandIn taken;  // a free port, freed again
    free_port = taken.port;
  }
  SessionOptions options;
  options.region = "us-east-1";
  options.endpoint_url = "http://127.0.0.1:" + std::to_string(free_port);
  options.retry.max_attempts = 2;
  options.retry.base = std::chrono::milliseconds(1);
  Session unreachable(options);
  XRayClient xray(unreachable);
  auto call = xray.start_put_trace_segments_body(R"({"TraceSegmentDocuments":[]})");
  try {
    xray.finish_put_trace_segments(call);
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("xray PutTraceSegments failed"), std::string::npos) << message;
    EXPECT_NE(message.find("127.0.0.1:" + std::to_string(free_port)), std::string::npos) << message;
  }
}

TEST_F(ClientRequests, XRayErrorsAndOversizedBatchesThrow) {
  server.push({400, R"({"__type": "InvalidRequestException", "message": "bad segment"})"});
  XRayClient xray(*session);
  try {
    xray.put_trace_segments({"{}"});
    FAIL() << "expected ServiceError";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), "InvalidRequestException");
  }
  EXPECT_THROW(xray.put_trace_segments(std::vector<std::string>(kMaxSegmentsPerCall + 1, "{}")),
               AwsError);
}

}  // namespace
}  // namespace slipway::aws
