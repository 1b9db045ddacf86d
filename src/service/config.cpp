#include "service/config.hpp"

#include <sched.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <thread>

#include "core/env.hpp"
#include "core/errors.hpp"

namespace slipway::service {
namespace {

using namespace std::chrono_literals;

bool is_commit_sha(std::string_view text) {
  return text.size() >= 7 && text.size() <= 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string checked_printable(const char* name, std::string value) {
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x21 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!printable || value.size() > 256) {
    throw core::InputError(std::string(name) +
                           " is invalid: use at most 256 printable characters without spaces");
  }
  return value;
}

}  // namespace

std::optional<double> parse_sampling_rate(std::string_view text) {
  const bool percent = text.ends_with('%');
  if (percent) text.remove_suffix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (percent) value /= 100;
  if (!(value >= 0 && value <= 1)) return std::nullopt;
  return value;
}

unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    return std::max(1, CPU_COUNT(&set));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

Config load_config() {
  Config config;
  auto& server = config.server;
  server.port = static_cast<std::uint16_t>(core::env_integer("PORT", 8080, 1, 65535));
  if (auto bind = core::env_string("BIND_ADDRESS")) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(*bind, ec);
    if (ec) {
      throw core::InputError("BIND_ADDRESS=\"" + *bind +
                             "\" is invalid: set BIND_ADDRESS to an IP address such as "
                             "127.0.0.1 or 0.0.0.0");
    }
    server.bind_address = *bind;
  }
  server.workers = static_cast<unsigned>(core::env_integer("WORKERS", usable_cpus(), 1, 256));
  server.max_connections =
      static_cast<std::size_t>(core::env_integer("MAX_CONNECTIONS", 10'000, 1, 1'000'000));
  server.limits.max_header_bytes =
      static_cast<std::size_t>(core::env_integer("MAX_HEADER_BYTES", 16 * 1024, 1024, 1 << 20));
  server.limits.max_body_bytes =
      static_cast<std::size_t>(core::env_integer("MAX_BODY_BYTES", 1 << 20, 0, 64 << 20));
  server.header_timeout = core::env_duration("HEADER_TIMEOUT", 10s, 10min);
  server.body_timeout = core::env_duration("BODY_TIMEOUT", 30s, 1h);
  server.idle_timeout = core::env_duration("IDLE_TIMEOUT", 75s, 1h);
  server.write_timeout = core::env_duration("WRITE_TIMEOUT", 30s, 1h);
  for (auto [name, value] : {std::pair{"HEADER_TIMEOUT", server.header_timeout},
                             std::pair{"BODY_TIMEOUT", server.body_timeout},
                             std::pair{"IDLE_TIMEOUT", server.idle_timeout},
                             std::pair{"WRITE_TIMEOUT", server.write_timeout}}) {
    if (value.count() == 0) {
      throw core::InputError(std::string(name) + "=0 is invalid: a deadline must be positive");
    }
  }

  if (auto release = core::env_string("SLIPWAY_RELEASE")) {
    if (!is_commit_sha(*release)) {
      throw core::InputError("SLIPWAY_RELEASE=\"" + *release +
                             "\" is invalid: set it to the commit SHA (7 to 40 lowercase hex "
                             "digits) or leave it unset to use the built-in commit");
    }
    config.release = *release;
  }
  if (auto image = core::env_string("SLIPWAY_IMAGE")) {
    config.image = checked_printable("SLIPWAY_IMAGE", *image);
  }
  if (auto name = core::env_string("SERVICE_NAME")) {
    config.service_name = checked_printable("SERVICE_NAME", *name);
  }

  config.shutdown_delay = core::env_duration("SHUTDOWN_DELAY", 5s, 10min);
  config.shutdown_timeout = core::env_duration("SHUTDOWN_TIMEOUT", 25s, 1h);
  if (config.shutdown_delay >= config.shutdown_timeout) {
    throw core::InputError(
        "SHUTDOWN_DELAY must be shorter than SHUTDOWN_TIMEOUT: in-flight requests need time to "
        "finish after the delay");
  }

  config.access_log = core::env_flag("ACCESS_LOG", true);
  if (auto level = core::env_string("LOG_LEVEL")) {
    auto parsed = telemetry::parse_level(*level);
    if (!parsed) {
      throw core::InputError("LOG_LEVEL=\"" + *level +
                             "\" is invalid: set LOG_LEVEL to debug, info, warn or error");
    }
    config.log_level = *parsed;
  }
  config.metrics_emf = core::env_flag("METRICS_EMF", false);
  config.emf_interval = core::env_duration("METRICS_EMF_INTERVAL", 60s, 1h);
  if (config.emf_interval < 1s) {
    throw core::InputError("METRICS_EMF_INTERVAL must be at least 1s");
  }
  if (auto faults = core::env_string("FAULT_INJECT")) config.faults = parse_faults(*faults);

  config.xray_tracing = core::env_flag("XRAY_TRACING", false);
  if (auto rate = core::env_string("XRAY_SAMPLING_RATE")) {
    auto parsed = parse_sampling_rate(*rate);
    if (!parsed) {
      throw core::InputError("XRAY_SAMPLING_RATE=\"" + *rate +
                             "\" is invalid: set it to a fraction from 0 to 1 (0.05) or a "
                             "percentage (5%)");
    }
    config.xray_sampling.fixed_rate = *parsed;
  }
  config.xray_sampling.reservoir_per_second =
      static_cast<std::uint32_t>(core::env_integer("XRAY_SAMPLING_RESERVOIR", 1, 0, 1'000'000));
  config.xray_queue_capacity =
      static_cast<std::size_t>(core::env_integer("XRAY_QUEUE_CAPACITY", 1000, 1, 1'000'000));
  config.xray_flush_interval = core::env_duration("XRAY_FLUSH_INTERVAL", 1s, 1min);
  if (config.xray_flush_interval.count() == 0) {
    throw core::InputError("XRAY_FLUSH_INTERVAL=0 is invalid: use a positive duration such as 1s");
  }
  return config;
}

}  // namespace slipway::service
