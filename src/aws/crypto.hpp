#pragma once
// The hashing primitives SigV4 and the API-key verifier need, on OpenSSL, behind plain strings so
// no OpenSSL type leaks into callers.

#include <string>
#include <string_view>

namespace slipway::aws {

// Returns the raw 32-byte SHA-256 digest of `data`.
std::string sha256(std::string_view data);

// Returns the lowercase hex SHA-256 digest of `data`.
std::string sha256_hex(std::string_view data);

// Returns the raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

// Returns `bytes` as lowercase hex.
std::string hex_encode(std::string_view bytes);

// Compares two byte strings in time independent of their contents (lengths may leak).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace slipway::aws
