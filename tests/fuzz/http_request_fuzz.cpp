// libFuzzer target over the request-handling path: arbitrary bytes are parsed as pipelined
// HTTP/1.1 requests with the service's limits, routed through the service's real routes and
// pipeline (ids, trace context, metrics), and each response is serialized. Any crash, sanitizer
// report or broken invariant is a finding.

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdint>
#include <cstdlib>
#include <sstream>

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

void serialize_and_check(http::Exchange& exchange) {
  std::ostringstream out;
  out << exchange.response;
  const auto text = out.str();
  check(text.starts_with("HTTP/1."));
  const auto status = exchange.response.result_int();
  check(status >= 200 && status <= 599);
  check(exchange.response.find(boost::beast::http::field::content_length) !=
        exchange.response.end());
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
    if (state == http::RequestReader::State::need_more) break;
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
