#pragma once
// AWS Signature Version 4: canonical request, string to sign and the Authorization header.
// Pure functions over a plain request description; no I/O. Verified against the published
// aws-sig-v4 test suite (tests/unit/aws/data) and against botocore (tests/integration).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slipway::aws {

struct Credentials;

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

// A request as it will be sent. `path` is the path exactly as on the wire (already
// percent-encoded where needed); `query` holds decoded names and values; `headers` must contain
// `host`. Header names may be in any case; repeated names are allowed.
struct SignableRequest {
  std::string method;
  std::string path = "/";
  QueryList query;
  HeaderList headers;
  std::string payload;
};

struct SigningScope {
  std::string region;
  std::string service;  // signing name, e.g. "secretsmanager"
  std::chrono::system_clock::time_point time;
  // S3 signs the path as sent; every other service normalizes it and encodes it again.
  bool s3_path_rules = false;
};

// Percent-encodes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~);
// `keep_slash` leaves '/' alone (for paths).
std::string uri_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes; other bytes pass through ('+' stays '+'). Malformed escapes stay literal.
std::string uri_decode(std::string_view text);

// Returns the canonical URI of a wire path: for non-S3, dot segments removed, empty segments
// dropped, each segment encoded again; for S3, the path unchanged ("/" when empty).
std::string canonical_uri(std::string_view wire_path, bool s3_path_rules);

// Returns the canonical query: names and values encoded, pairs sorted by name then value.
std::string canonical_query(const QueryList& query);

// Returns the names of the headers that get signed, lowercase, sorted, unique: every header of
// the request except those proxies rewrite (user-agent, expect, x-amzn-trace-id, ...).
std::vector<std::string> signed_header_names(const HeaderList& headers);

// Returns the SigV4 canonical request.
std::string canonical_request(const SignableRequest& request, bool s3_path_rules);

// Returns "YYYYMMDDTHHMMSSZ" for `time` in UTC.
std::string amz_date(std::chrono::system_clock::time_point time);

// Returns the string to sign for `canonical` under `scope`.
std::string string_to_sign(std::string_view canonical, const SigningScope& scope);

// Returns the hex signature of `string_to_sign` with the key derived from `secret_access_key`.
std::string signature(std::string_view secret_access_key, const SigningScope& scope,
                      std::string_view string_to_sign);

// Signs `request` in place: adds x-amz-date, x-amz-security-token (when the credentials have a
// session token) and authorization. Any earlier values of those headers are replaced.
void sign(SignableRequest& request, const Credentials& credentials, const SigningScope& scope);

}  // namespace slipway::aws
