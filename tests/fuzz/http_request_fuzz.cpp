// libFuzzer target over the request-handling path: arbitrary bytes are parsed as pipelined
// HTTP/1.1 requests with the service's limits, routed through the service's real routes and
// pipeline (ids, trace context, metrics), and each response is serialized. Any crash, sanitizer
// report or broken invariant is a finding.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>

#include "http/pipeline.hpp"
#include "http/request_reader.hpp"
#include "service/routes.hpp"
#include "telemetry/log.hpp"

namespace {

using namespace slipway;

class DiscardingWriter : public telemetry::LineWriter {
 public:
  void write(std::string_view) override {}
};

struct Harness {
  Harness() {
    telemetry::set_logger(std::make_unique<telemetry::Logger>(std::make_unique<DiscardingWriter>(),
                                                              telemetry::Level::debug));
    state.release = "0123456789abcdef0123456789abcdef01234567";
    state.faults.slow_route = true;
    state.registry = &registry;
    http::Router router;
    service::add_routes(router, state);
    pipeline = std::make_unique<http::Pipeline>(std::move(router), registry,
                                                http::PipelineOptions{.access_log = true});
  }
  service::ServiceState state;
  telemetry::Registry registry;
  std::unique_ptr<http::Pipeline> pipeline;
};

void check(bool condition) {
  if (!condition) std::abort();
}

// The wire bytes must parse back, with Beast's parser, into the same status and body.
void serialize_and_check(http::Exchange& exchange) {
  std::string wire;
  http::append_wire_format(exchange.response, wire);
  const auto status = exchange.response.result_int();
  check(status >= 200 && status <= 599);
  boost::beast::http::response_parser<boost::beast::http::string_body> parser;
  parser.eager(true);
  parser.skip(exchange.method == "HEAD");  // a HEAD response announces a body it does not send
  boost::beast::error_code ec;
  const auto used = parser.put(boost::asio::buffer(wire), ec);
  check(!ec && parser.is_done() && used == wire.size());
  const auto& parsed = parser.get();
  check(parsed.result_int() == status);
  check(parsed.body() == exchange.response.body());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  const http::RequestLimits limits{.max_header_bytes = 2048, .max_body_bytes = 4096};
  boost::beast::flat_buffer buffer;
  auto space = buffer.prepare(size);
  boost::asio::buffer_copy(space, boost::asio::buffer(data, size));
  buffer.commit(size);

  for (int requests = 0; requests < 16; ++requests) {
    http::RequestReader reader(limits);
    const auto state = reader.feed(buffer);
    if (state == http::RequestReader::State::need_more) {
      // The session's buffer holds max_header_bytes plus one read: were the reader to wait
      // with it this full, the next read would have no room and the session would spin.
      check(buffer.size() < limits.max_header_bytes);
      break;
    }
    if (state == http::RequestReader::State::failed) {
      const auto& failure = reader.failure();
      auto exchange = harness.pipeline->reject(failure.status, failure.code, failure.message);
      serialize_and_check(exchange);
      harness.pipeline->finish(exchange, exchange.response.body().size());
      break;
    }
    auto request = reader.release();
    auto exchange = harness.pipeline->handle(request);
    serialize_and_check(exchange);
    harness.pipeline->finish(exchange, exchange.response.body().size());
    if (exchange.close_after) break;
  }
  return 0;
}
