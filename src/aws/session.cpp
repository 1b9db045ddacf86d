#include "aws/session.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <thread>

#include "aws/config_file.hpp"
#include "aws/errors.hpp"
#include "aws/xml.hpp"
#include "core/env.hpp"

namespace slipway::aws {
namespace {

std::optional<std::string> non_empty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string form_encode(const QueryList& parameters) {
  std::string out;
  for (const auto& [name, value] : parameters) {
    if (!out.empty()) out += '&';
    out += uri_encode(name) + "=" + uri_encode(value);
  }
  return out;
}

struct ParsedError {
  std::string code;
  std::string message;
};

ParsedError parse_json_error(const HttpResponse& response) {
  ParsedError error;
  boost::system::error_code ec;
  auto document = boost::json::parse(response.body, ec);
  if (!ec && document.is_object()) {
    const auto& object = document.as_object();
    if (auto* type = object.if_contains("__type"); type && type->is_string()) {
      error.code = error_code_from_type(type->as_string());
    }
    for (const char* key : {"message", "Message"}) {
      if (auto* message = object.if_contains(key); message && message->is_string()) {
        error.message = std::string(message->as_string());
      }
    }
  }
  // Some front ends (and moto's auth layer) put the code in a header instead.
  if (error.code.empty()) error.code = error_code_from_type(response.header("x-amzn-ErrorType"));
  if (error.code.empty()) {
    if (auto code = xml_element_text(response.body, "Code")) error.code = *code;
    if (auto message = xml_element_text(response.body, "Message")) error.message = *message;
  }
  return error;
}

// The body of a JSON (1.1 or REST) response as an object; `{}` for an empty one.
boost::json::value parse_json_response(const ServiceInfo& service, std::string_view operation,
                                       const HttpResponse& response) {
  boost::system::error_code ec;
  auto document = boost::json::parse(response.body.empty() ? "{}" : response.body, ec);
  if (ec || !document.is_object()) {
    throw AwsError(std::string(service.signing_name) + " " + std::string(operation) +
                   " returned a response that is not a JSON object: check the endpoint URL");
  }
  return document;
}

ParsedError parse_xml_error(const HttpResponse& response) {
  ParsedError error;
  if (auto code = xml_element_text(response.body, "Code")) error.code = *code;
  if (auto message = xml_element_text(response.body, "Message")) error.message = *message;
  if (error.code.empty()) return parse_json_error(response);
  return error;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  return text;
}

// The headers of every REST-JSON call (X-Ray's), before signing adds its own.
HeaderList rest_json_headers() {
  return {{"Content-Type", "application/json"}};
}

}  // namespace

std::string resolve_region(const std::optional<std::string>& flag,
                           const std::optional<std::string>& profile,
                           const std::optional<std::string>& fallback) {
  if (auto region = non_empty(flag)) return *region;
  if (auto region = non_empty(core::env_string("AWS_REGION"))) return *region;
  if (auto region = non_empty(core::env_string("AWS_DEFAULT_REGION"))) return *region;
  if (auto region = non_empty(fallback)) return *region;
  const auto name = effective_profile(profile);
  if (auto section = config_profile_section(name)) {
    if (auto it = section->find("region"); it != section->end() && !it->second.empty()) {
      return it->second;
    }
  }
  throw ConfigError(
      "no AWS region is set: pass --region, or set AWS_REGION, or add region = ... "
      "to profile \"" +
      name + "\" in " + config_file_path());
}

Url resolve_endpoint(const ServiceInfo& service, const std::string& region,
                     const std::optional<std::string>& flag,
                     const std::optional<std::string>& fallback) {
  if (auto url = non_empty(flag)) return parse_url(*url, "--endpoint-url");
  const auto service_variable = "AWS_ENDPOINT_URL_" + std::string(service.env_name);
  if (auto url = non_empty(core::env_string(service_variable.c_str()))) {
    return parse_url(*url, service_variable);
  }
  if (auto url = non_empty(core::env_string("AWS_ENDPOINT_URL"))) {
    return parse_url(*url, "AWS_ENDPOINT_URL");
  }
  if (auto url = non_empty(fallback)) return parse_url(*url, "the spec's endpoint");
  if (!service.global_signing_region.empty()) {
    return parse_url("https://" + std::string(service.endpoint_prefix) + ".amazonaws.com",
                     "endpoint");
  }
  return parse_url(
      "https://" + std::string(service.endpoint_prefix) + "." + region + ".amazonaws.com",
      "endpoint");
}

std::string error_code_from_type(std::string_view type) {
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  return std::string(type);
}

bool ServiceError::is_access_denied() const noexcept {
  return code_ == "AccessDeniedException" || code_ == "AccessDenied" ||
         code_ == "UnauthorizedOperation" || code_ == "UnrecognizedClientException" ||
         code_ == "InvalidClientTokenId" || code_ == "SignatureDoesNotMatch" ||
         code_ == "ExpiredTokenException" || code_ == "ExpiredToken" ||
         code_ == "IncompleteSignature" || code_ == "MissingAuthenticationToken";
}

Session::Session(SessionOptions options)
    : options_(std::move(options)),
      region_(resolve_region(options_.region, options_.profile, options_.fallback_region)),
      http_(options_.connections),
      random_(std::random_device{}()) {}

Session::Session(SessionOptions options, std::unique_ptr<CredentialsChain> chain)
    : options_(std::move(options)),
      region_(resolve_region(options_.region, options_.profile, options_.fallback_region)),
      http_(options_.connections),
      chain_(std::move(chain)),
      random_(std::random_device{}()) {}

Session::~Session() = default;

Url Session::endpoint(const ServiceInfo& service) const {
  return resolve_endpoint(service, region_, options_.endpoint_url, options_.fallback_endpoint_url);
}

std::string Session::signing_region(const ServiceInfo& service) const {
  return service.global_signing_region.empty() ? region_
                                               : std::string(service.global_signing_region);
}

Credentials Session::credentials() {
  std::call_once(chain_once_, [this] {
    if (!chain_) chain_ = make_default_chain(http_, options_.profile);
  });
  return chain_->get();
}

HttpRequest Session::signed_request(const ServiceInfo& service, std::string_view path,
                                    HeaderList headers, std::string body) {
  const auto url = endpoint(service);
  auto target = url.path + std::string(path);
  if (target.empty()) target = "/";
  const auto credentials = this->credentials();
  // The body moves from here to the signer to the request (and back for another attempt): a
  // PutTraceSegments batch is tens of KB, sent many times a second.
  SignableRequest signable{.method = "POST",
                           .path = target,
                           .query = {},
                           .headers = std::move(headers),
                           .payload = std::move(body)};
  signable.headers.emplace_back("Host", url.host_header());
  sign(signable, credentials,
       {.region = signing_region(service),
        .service = std::string(service.signing_name),
        .time = std::chrono::system_clock::now(),
        .s3_path_rules = false});
  HttpRequest request{.method = "POST",
                      .url = url,
                      .target = std::move(target),
                      .headers = std::move(signable.headers),
                      .body = std::move(signable.payload)};
  request.headers.emplace_back("User-Agent", "slipway/0.1");
  return request;
}

std::optional<HttpResponse> Session::judge(const ServiceInfo& service, std::string_view operation,
                                           bool json_errors, int attempt,
                                           std::optional<HttpResponse> response,
                                           const NetworkError* network_error) {
  if (network_error != nullptr) {
    // Name the call: mid-deploy, which one went unanswered tells what may have changed.
    if (attempt >= options_.retry.max_attempts) {
      throw NetworkError(std::string(service.signing_name) + " " + std::string(operation) +
                         " failed: " + network_error->what());
    }
    return std::nullopt;
  }
  if (response->status < 300) return response;
  auto error = json_errors ? parse_json_error(*response) : parse_xml_error(*response);
  const auto status = response->status;
  const auto code = error.code.empty() ? "HTTP" + std::to_string(status) : error.code;
  auto failure = std::string(service.signing_name) + " " + std::string(operation) +
                 " failed: " + code + (error.message.empty() ? "" : ": " + one_line(error.message));
  if (code == "ExpiredTokenException" || code == "ExpiredToken") {
    // Temporary credentials ran out mid-command; nothing slipway can refresh from static
    // environment variables.
    failure +=
        "; the AWS credentials expired: get fresh ones (a new session token, `aws sso "
        "login`, or the job's credentials step again) and run the command again";
  }
  if (!is_retryable_response(status, code) || attempt >= options_.retry.max_attempts) {
    throw ServiceError(failure, code, status);
  }
  return std::nullopt;
}

void Session::wait_before_attempt(int attempt) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(random_mutex_);
    delay = backoff_delay(options_.retry, attempt, random_);
  }
  std::this_thread::sleep_for(delay);
}

HttpResponse Session::send_signed(const ServiceInfo& service, std::string_view operation,
                                  HeaderList headers, std::string body, bool json_errors,
                                  std::string_view path, int first_attempt) {
  for (int attempt = first_attempt;; ++attempt) {
    auto request = signed_request(service, path, headers, std::move(body));
    ++requests_sent_;
    std::optional<HttpResponse> response;
    std::optional<NetworkError> network_error;
    std::optional<InFlightRequest> in_flight;
    try {
      in_flight.emplace(http_.start(std::move(request), options_.timeouts));
      response = http_.finish(*in_flight);
    } catch (const NetworkError& error) {
      network_error = error;
    }
    if (auto done = judge(service, operation, json_errors, attempt, std::move(response),
                          network_error ? &*network_error : nullptr)) {
      return std::move(*done);
    }
    // The body for the next attempt: the request keeps it whichever half failed.
    body = std::move(in_flight ? in_flight->request().body : request.body);
    wait_before_attempt(attempt);
  }
}

Session::PendingCall Session::start_rest_json_text(const ServiceInfo& service,
                                                   std::string_view operation,
                                                   std::string_view path, std::string body) {
  PendingCall call{.service = &service,
                   .operation = std::string(operation),
                   .path = std::string(path),
                   .in_flight = std::nullopt,
                   .start_error = std::nullopt,
                   .body = {}};
  auto request = signed_request(service, path, rest_json_headers(), std::move(body));
  ++requests_sent_;
  try {
    call.in_flight.emplace(http_.start(std::move(request), options_.timeouts));
  } catch (const NetworkError& error) {
    call.start_error = error;
    call.body = std::move(request.body);
  }
  return call;
}

boost::json::value Session::finish_rest_json(PendingCall& call) {
  const auto& service = *call.service;
  std::optional<HttpResponse> response;
  std::optional<NetworkError> network_error = std::move(call.start_error);
  if (!network_error) {
    try {
      response = http_.finish(*call.in_flight);
    } catch (const NetworkError& error) {
      network_error = error;
    }
  }
  if (auto done = judge(service, call.operation, true, 1, std::move(response),
                        network_error ? &*network_error : nullptr)) {
    return parse_json_response(service, call.operation, *done);
  }
  // The second and later attempts, one at a time, as call_rest_json_text makes them.
  if (call.in_flight) call.body = std::move(call.in_flight->request().body);
  wait_before_attempt(1);
  return parse_json_response(service, call.operation,
                             send_signed(service, call.operation, rest_json_headers(),
                                         std::move(call.body), true, call.path, 2));
}

boost::json::value Session::call_json(const ServiceInfo& service, std::string_view operation,
                                      const boost::json::object& input) {
  HeaderList headers{
      {"Content-Type", "application/x-amz-json-1.1"},
      {"X-Amz-Target", std::string(service.json_target_prefix) + "." + std::string(operation)}};
  return parse_json_response(
      service, operation,
      send_signed(service, operation, std::move(headers), boost::json::serialize(input), true));
}

boost::json::value Session::call_rest_json(const ServiceInfo& service, std::string_view operation,
                                           std::string_view path,
                                           const boost::json::object& input) {
  return call_rest_json_text(service, operation, path, boost::json::serialize(input));
}

boost::json::value Session::call_rest_json_text(const ServiceInfo& service,
                                                std::string_view operation, std::string_view path,
                                                std::string body) {
  return parse_json_response(
      service, operation,
      send_signed(service, operation, rest_json_headers(), std::move(body), true, path));
}

void Session::call_json_pages(const ServiceInfo& service, std::string_view operation,
                              boost::json::object input, std::string_view token_field,
                              const std::function<bool(const boost::json::object&)>& page) {
  for (;;) {
    const auto response = call_json(service, operation, input);
    const auto& object = response.as_object();
    if (!page(object)) return;
    const auto* next = object.if_contains(token_field);
    if (next == nullptr || !next->is_string() || next->as_string().empty()) return;
    input[token_field] = next->as_string();
  }
}

std::string Session::call_query(const ServiceInfo& service, std::string_view action,
                                std::string_view version, const QueryList& parameters) {
  QueryList form{{"Action", std::string(action)}, {"Version", std::string(version)}};
  form.insert(form.end(), parameters.begin(), parameters.end());
  HeaderList headers{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  return send_signed(service, action, std::move(headers), form_encode(form), false).body;
}

}  // namespace slipway::aws
