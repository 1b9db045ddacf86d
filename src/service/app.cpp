#include "service/app.hpp"

#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "aws/session.hpp"
#include "aws/xray.hpp"
#include "core/errors.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "service/build_info.hpp"
#include "service/config.hpp"
#include "service/fd_limit.hpp"
#include "service/request_tracer.hpp"
#include "service/routes.hpp"
#include "service/state.hpp"
#include "service/whoami_route.hpp"
#include "telemetry/emf.hpp"
#include "telemetry/log.hpp"
#include "telemetry/process_metrics.hpp"

namespace slipway::service {
namespace {

using Clock = std::chrono::steady_clock;

int exit_code(AppExit code) {
  return static_cast<int>(code);
}

// Blocks SIGTERM and SIGINT in this thread and every thread started after it, so they are
// taken only by wait_for_signal(): no async-signal-safety concerns in handlers.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits for a shutdown signal, at most `timeout` (forever when nullopt); returns it or 0.
int wait_for_signal(const sigset_t& signals, std::optional<std::chrono::milliseconds> timeout) {
  for (;;) {
    int received = 0;
    if (!timeout) {
      if (sigwait(&signals, &received) == 0) return received;
      continue;
    }
    const auto ms = timeout->count();
    timespec wait{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
    received = sigtimedwait(&signals, nullptr, &wait);
    if (received > 0) return received;
    if (errno == EAGAIN) return 0;
    // EINTR: an unrelated signal; the remaining time is close enough to start over.
  }
}

// The tracer when XRAY_TRACING is on: segments go to X-Ray with the task role's credentials
// (the default chain), at most 3 s per call and 2 attempts, so a missing X-Ray costs the
// sender thread little and shutdown stays short.
std::unique_ptr<RequestTracer> make_tracer(const Config& config, telemetry::Registry& registry,
                                           std::unique_ptr<aws::Session>& session) {
  if (!config.xray_tracing) return nullptr;
  const telemetry::SenderOptions sender{.capacity = config.xray_queue_capacity,
                                        .batch_size = aws::kMaxSegmentsPerCall,
                                        .flush_interval = config.xray_flush_interval};
  aws::SessionOptions options;
  options.timeouts = {.connect = std::chrono::milliseconds(1000),
                      .request = std::chrono::milliseconds(3000)};
  options.retry.max_attempts = 2;
  // A kept-alive connection for each call in flight: with fewer, each round would open and close
  // the rest.
  options.connections.max_idle_per_endpoint = sender.max_batches_in_flight;
  session = std::make_unique<aws::Session>(std::move(options));
  return std::make_unique<RequestTracer>(
      config.service_name, config.xray_sampling, sender,
      [client = aws::XRayClient(*session)](
          telemetry::SegmentBatch batch) mutable -> telemetry::BatchReceipt {
        auto call = client.start_put_trace_segments_body(std::move(batch.body));
        // Redeemed by the sender's thread while this sink, and so `client`, lives.
        return [&client, call = std::move(call)]() mutable {
          return client.finish_put_trace_segments(call);
        };
      },
      registry);
}

std::int64_t unix_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int run_app() {
  Config config;
  try {
    config = load_config();
  } catch (const core::InputError& e) {
    std::fprintf(stderr, "app: %s\n", e.what());
    return exit_code(AppExit::invalid_config);
  }
  auto& log = telemetry::logger();
  log.set_level(config.log_level);

  ServiceState state;
  state.release = config.release.empty() ? std::string(build_info().commit) : config.release;
  state.image = config.image;
  state.faults = config.faults;
  telemetry::Registry registry;
  state.registry = &registry;
  registry
      .gauge("slipway_build_info", "The release this process serves; always 1.",
             {"commit", "version"})
      .with({state.release, build_info().version})
      .set(1);
  registry.add_collector([](std::string& out) {
    telemetry::append_process_metrics(out, telemetry::read_process_stats());
  });

  std::unique_ptr<aws::Session> xray_session;
  // Destroyed after the pipeline, the server and the whoami route's refresher, which use it.
  std::unique_ptr<RequestTracer> tracer;
  try {
    tracer = make_tracer(config, registry, xray_session);
  } catch (const core::InputError& e) {
    std::fprintf(stderr, "app: XRAY_TRACING is on but %s\n", e.what());
    return exit_code(AppExit::invalid_config);
  }
  http::Router router;
  add_routes(router, state);
  std::unique_ptr<WhoamiRoute> whoami;  // GET /v1/whoami, API key from Secrets Manager
  try {
    whoami = add_whoami_route(router, state, tracer.get());
  } catch (const core::InputError& e) {
    std::fprintf(stderr, "app: %s\n", e.what());
    return exit_code(AppExit::invalid_config);
  }
  http::Pipeline pipeline(std::move(router), registry,
                          {.access_log = config.access_log, .observer = tracer.get()});

  if (config.faults.crash) {
    log.error("exiting at start: FAULT_INJECT=crash", {{"release", state.release}});
    log.flush();
    return exit_code(AppExit::failed);
  }

  // Each connection holds a descriptor: take all the kernel grants us, and keep the connection
  // limit under it, so clients over the limit get a 503 instead of waiting on a failed accept.
  const auto fds = raise_fd_limit();
  const auto requested_connections = config.server.max_connections;
  config.server.max_connections = connections_that_fit(requested_connections, fds);
  if (config.server.max_connections < requested_connections) {
    log.warn("MAX_CONNECTIONS lowered to fit the file-descriptor limit; raise `ulimit -n`",
             {{"max_connections", config.server.max_connections},
              {"requested", requested_connections},
              {"fd_limit", fds.soft},
              {"fd_hard_limit", fds.hard}});
  }

  const auto signals = block_shutdown_signals();
  http::Server server(config.server, pipeline);
  try {
    server.start();
  } catch (const core::Error& e) {
    std::fprintf(stderr, "app: %s\n", e.what());
    log.error("cannot start", {{"error", e.what()}});
    log.flush();
    return exit_code(AppExit::failed);
  }
  log.info("listening", {{"address", config.server.bind_address},
                         {"port", server.port()},
                         {"workers", config.server.workers},
                         {"max_connections", config.server.max_connections},
                         {"fd_limit", fds.soft},
                         {"release", state.release},
                         {"access_log", config.access_log},
                         {"xray_tracing", config.xray_tracing}});

  std::jthread emf_thread;
  if (config.metrics_emf) {
    emf_thread = std::jthread([&](std::stop_token stop) {
      telemetry::EmfRequestReporter reporter("slipway", config.service_name, pipeline.requests(),
                                             pipeline.durations());
      std::mutex mutex;
      std::condition_variable_any wake;
      std::unique_lock lock(mutex);
      while (!stop.stop_requested()) {
        // Returns early when stop is requested; the predicate only makes it interruptible.
        wake.wait_for(lock, stop, config.emf_interval, [] { return false; });
        if (stop.stop_requested()) break;
        if (auto lines = reporter.collect(unix_millis()); !lines.empty()) log.write_raw(lines);
      }
      if (auto lines = reporter.collect(unix_millis()); !lines.empty()) log.write_raw(lines);
    });
  }

  const int first = wait_for_signal(signals, std::nullopt);
  const auto shutdown_started = Clock::now();
  state.draining = true;
  log.info("draining: readiness is now 503", {{"signal", first == SIGINT ? "SIGINT" : "SIGTERM"},
                                              {"delay_ms", config.shutdown_delay.count()},
                                              {"timeout_ms", config.shutdown_timeout.count()}});
  // Keep serving while the balancer notices the failing readiness; a second signal cuts it short.
  if (config.shutdown_delay.count() > 0) wait_for_signal(signals, config.shutdown_delay);

  server.stop_accepting();
  log.info("stopped accepting; waiting for in-flight requests",
           {{"connections", server.connections()}});
  const bool drained = server.wait_until_idle(shutdown_started + config.shutdown_timeout);
  if (!drained) {
    log.error(
        "shutdown timed out: closing connections still open",
        {{"connections", server.connections()}, {"timeout_ms", config.shutdown_timeout.count()}});
  }
  server.stop();
  if (emf_thread.joinable()) {
    emf_thread.request_stop();
    emf_thread.join();
  }
  // The last segments (dropped at once if X-Ray is failing). The refresher stops first: it
  // records through the tracer.
  whoami.reset();
  tracer.reset();
  log.info(drained ? "stopped" : "stopped after timeout");
  log.flush();
  return exit_code(drained ? AppExit::ok : AppExit::failed);
}

}  // namespace slipway::service
