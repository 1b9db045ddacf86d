#include "service/whoami_route.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "secrets/api_key_verifier.hpp"
#include "service/request_tracer.hpp"
#include "telemetry/log.hpp"

namespace slipway::service {
namespace {

using http::Request;
using http::Status;

// The key from "Authorization: Bearer KEY" or "X-Api-Key: KEY"; empty when neither is sent.
std::string_view presented_key(const Request& request) {
  if (auto it = request.find("x-api-key"); it != request.end()) return it->value();
  if (auto it = request.find(boost::beast::http::field::authorization); it != request.end()) {
    std::string_view value = it->value();
    if (value.starts_with("Bearer ")) return value.substr(7);
  }
  return {};
}

http::Response unauthorized(std::string_view code, std::string_view message) {
  auto response = http::make_error_response(Status::unauthorized, code, message);
  response.set(boost::beast::http::field::www_authenticate, "Bearer");
  return response;
}

double unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

// Each refresh as a segment of its own (it belongs to no request), its calls as subsegments.
secrets::RefreshTraceSink refresh_tracing(RequestTracer* tracer) {
  if (tracer == nullptr) return {};
  return [tracer](auto start, auto end, const std::vector<secrets::AwsCallRecord>& calls) {
    std::vector<telemetry::SubsegmentRecord> subsegments;
    for (const auto& call : calls) {
      auto& sub = subsegments.emplace_back();
      telemetry::fill_random_hex(sub.id);
      sub.name = "SecretsManager";
      sub.operation = std::string(call.operation);
      sub.start = unix_seconds(call.start);
      sub.end = unix_seconds(call.end);
      sub.error = call.outcome == secrets::AwsCallRecord::Outcome::client_error;
      sub.fault = call.outcome == secrets::AwsCallRecord::Outcome::failed;
    }
    tracer->record_background("api key refresh", unix_seconds(start), unix_seconds(end),
                              std::move(subsegments));
  };
}

}  // namespace

WhoamiRoute::WhoamiRoute(std::unique_ptr<secrets::ApiKeyVerifier> verifier)
    : verifier_(std::move(verifier)) {}

WhoamiRoute::~WhoamiRoute() = default;

std::unique_ptr<WhoamiRoute> add_whoami_route(http::Router& router, const ServiceState& state,
                                              RequestTracer* tracer) {
  std::unique_ptr<secrets::ApiKeyVerifier> verifier;
  if (auto settings = secrets::ApiKeyVerifier::settings_from_environment()) {
    verifier = secrets::ApiKeyVerifier::from_settings(
        *settings,
        [id = settings->secret_id](std::string_view event, std::string_view detail) {
          auto& log = telemetry::logger();
          if (event == "refresh_failed") {
            log.warn("api key refresh failed: serving the last good key",
                     {{"secret_id", id}, {"error", detail}});
          } else {
            log.info("api key " + std::string(event), {{"secret_id", id}, {"detail", detail}});
          }
        },
        refresh_tracing(tracer));
  }
  auto route = std::make_unique<WhoamiRoute>(std::move(verifier));
  router.add(http::Verb::get, "/v1/whoami",
             [&state, verifier = route->verifier()](const Request& request, http::HandlerContext&) {
               if (verifier == nullptr) {
                 return http::make_error_response(
                     Status::not_found, "not_configured",
                     "/v1/whoami is off: set API_KEY_SECRET_ID to the secret holding the API key");
               }
               const auto key = presented_key(request);
               if (key.empty()) {
                 return unauthorized("missing_api_key",
                                     "send the key as Authorization: Bearer KEY or X-Api-Key");
               }
               const auto match = verifier->verify(key);
               if (match == secrets::KeyMatch::unavailable) {
                 auto response = http::make_error_response(
                     Status::service_unavailable, "key_unavailable",
                     "the API key has not been loaded from Secrets Manager yet");
                 response.set(boost::beast::http::field::retry_after, "1");
                 return response;
               }
               if (match == secrets::KeyMatch::rejected) {
                 return unauthorized("invalid_api_key", "the API key is not valid");
               }
               boost::json::object body{{"authenticated", true},
                                        {"key", secrets::to_string(match)},
                                        {"release", state.release}};
               return http::make_response(Status::ok, boost::json::serialize(body) + "\n",
                                          "application/json");
             });
  return route;
}

}  // namespace slipway::service
