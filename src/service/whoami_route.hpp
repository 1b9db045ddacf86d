#pragma once
// GET /v1/whoami: a route protected by an API key kept in Secrets Manager and rotated there
// without restarting the service (AWSCURRENT and AWSPREVIOUS both accepted during a rotation).
// Configured by API_KEY_SECRET_ID (off when unset: the route answers 404 saying so),
// API_KEY_REFRESH_INTERVAL and API_KEY_MAX_STALE; see docs/secrets.md.

#include <memory>

#include "http/router.hpp"
#include "service/state.hpp"

namespace slipway::secrets {
class ApiKeyVerifier;
}

namespace slipway::service {

class RequestTracer;

// Keeps the verifier (and its refresh thread) alive while the router can call the route.
class WhoamiRoute {
 public:
  explicit WhoamiRoute(std::unique_ptr<secrets::ApiKeyVerifier> verifier);
  ~WhoamiRoute();
  const secrets::ApiKeyVerifier* verifier() const { return verifier_.get(); }

 private:
  std::unique_ptr<secrets::ApiKeyVerifier> verifier_;
};

// Registers GET /v1/whoami. Throws core::InputError when the API_KEY_* variables are invalid
// or the AWS region cannot be resolved. `state` and the returned object must outlive `router`.
// With a `tracer` (which must outlive the returned object), each key refresh is traced: a
// segment with its Secrets Manager calls as subsegments.
std::unique_ptr<WhoamiRoute> add_whoami_route(http::Router& router, const ServiceState& state,
                                              RequestTracer* tracer = nullptr);

}  // namespace slipway::service
