// Sends a sequence of requests through one aws::HttpClient, so that
// tests/integration/aws_http_pool_test.py can watch from the server side which connections it
// opens and reuses. Reads a JSON array on stdin, each item either
//   {"method","url","target","body","request_ms"}  (a request; request_ms optional)
//   {"sleep_ms": N}                                  (a pause, to let a server close idle ones)
// and prints one JSON line per item: {"status","body"} or {"error"}; then a last line
// {"connections_opened","tls_sessions_resumed"}.
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <iterator>
#include <thread>

#include "aws/errors.hpp"
#include "aws/http_client.hpp"

using namespace slipway::aws;

int main(int argc, char** argv) {
  HttpClientOptions options;
  if (argc > 1) options.idle_timeout = std::chrono::milliseconds(std::stoi(argv[1]));
  HttpClient client(options);
  std::string input(std::istreambuf_iterator<char>(std::cin), {});
  const auto steps = boost::json::parse(input);
  for (const auto& item : steps.as_array()) {
    const auto& step = item.as_object();
    if (const auto* pause = step.if_contains("sleep_ms")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause->to_number<int>()));
      continue;
    }
    auto text = [&](const char* key, const char* fallback) {
      const auto* value = step.if_contains(key);
      return value ? std::string(value->as_string()) : std::string(fallback);
    };
    HttpRequest request{.method = text("method", "GET"),
                        .url = parse_url(text("url", ""), "url"),
                        .target = text("target", "/"),
                        .headers = {},
                        .body = text("body", "")};
    HttpTimeouts timeouts;
    if (const auto* ms = step.if_contains("request_ms")) {
      timeouts.request = std::chrono::milliseconds(ms->to_number<int>());
    }
    boost::json::object out;
    try {
      auto response = client.send(request, timeouts);
      out["status"] = response.status;
      out["body"] = response.body;
    } catch (const NetworkError& error) {
      out["error"] = error.what();
    }
    std::cout << boost::json::serialize(out) << std::endl;
  }
  boost::json::object totals;
  totals["connections_opened"] = client.connections_opened();
  totals["tls_sessions_resumed"] = client.tls_sessions_resumed();
  std::cout << boost::json::serialize(totals) << std::endl;
}
