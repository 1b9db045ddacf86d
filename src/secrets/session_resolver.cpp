#include "secrets/session_resolver.hpp"

#include "secrets/reference.hpp"

namespace slipway::secrets {

bool needs_aws(const std::vector<SecretRequest>& requests) {
  bool remote = false;
  for (const auto& request : requests) {
    // Every reference is parsed, so a malformed one fails before any call, whatever its place.
    const auto kind = parse_reference(request.value_from).kind;
    remote =
        remote || kind == ReferenceKind::secrets_manager || kind == ReferenceKind::ssm_parameter;
  }
  return remote;
}

std::vector<ResolvedSecret> resolve_secrets(const std::vector<SecretRequest>& requests,
                                            const aws::SessionOptions& session) {
  if (!needs_aws(requests)) return resolve_secrets(requests, nullptr);
  aws::Session aws_session(session);
  auto store = make_aws_store(aws_session);
  return resolve_secrets(requests, store.get());
}

}  // namespace slipway::secrets
