#include "aws/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "aws/errors.hpp"

namespace slipway::aws {

namespace {

// OpenSSL 3 looks its algorithms up by name on every one-shot call (SHA256(), HMAC()); for the
// short inputs of SigV4 the lookup costs more than the hashing, and the X-Ray segment sender signs
// many times a second. Fetched once for the process, with a context per thread (no lock).
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  DigestContext() = default;
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

struct HmacContext {
  EVP_MAC_CTX* ctx = nullptr;
  HmacContext() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return;
    ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
      EVP_MAC_CTX_free(ctx);
      ctx = nullptr;
    }
  }
  HmacContext(const HmacContext&) = delete;
  HmacContext& operator=(const HmacContext&) = delete;
  ~HmacContext() { EVP_MAC_CTX_free(ctx); }
};

}  // namespace

std::string sha256(std::string_view data) {
  thread_local DigestContext context;
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  if (sha256_algorithm() == nullptr || context.ctx == nullptr ||
      EVP_DigestInit_ex2(context.ctx, sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, reinterpret_cast<unsigned char*>(out.data()), &length) != 1 ||
      length != SHA256_DIGEST_LENGTH) {
    throw AwsError("SHA-256 failed in OpenSSL");
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  thread_local HmacContext context;
  std::string out(EVP_MAX_MD_SIZE, '\0');
  // An empty key would tell EVP_MAC_init to keep the previous one: the one-shot call instead.
  if (key.empty() || context.ctx == nullptr) {
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &length) == nullptr) {
      throw AwsError("HMAC-SHA256 failed in OpenSSL");
    }
    out.resize(length);
    return out;
  }
  std::size_t length = 0;
  if (EVP_MAC_init(context.ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1 ||
      EVP_MAC_update(context.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(context.ctx, reinterpret_cast<unsigned char*>(out.data()), &length,
                    out.size()) != 1) {
    throw AwsError("HMAC-SHA256 failed in OpenSSL");
  }
  out.resize(length);
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace slipway::aws
