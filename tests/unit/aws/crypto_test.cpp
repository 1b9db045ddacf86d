// SHA-256 and HMAC-SHA256 against published vectors: FIPS 180-2's examples and RFC 4231's test
// cases. The contexts are kept per thread between calls, so each vector is also checked after a
// call with another key and on a fresh thread.
#include "aws/crypto.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace slipway::aws {
namespace {

TEST(Crypto, Sha256MatchesFips180Examples) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256("abc").size(), 32u);
}

TEST(Crypto, HmacSha256MatchesRfc4231AndFollowsTheKey) {
  const std::string key1(20, '\x0b');
  const std::string mac1 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
  const std::string mac2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const std::string empty = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(hex_encode(hmac_sha256(key1, "Hi There")), mac1);
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")), mac2);
    EXPECT_EQ(hex_encode(hmac_sha256("", "")), empty);
  }
  std::string on_fresh_thread;
  std::thread([&] { on_fresh_thread = hex_encode(hmac_sha256(key1, "Hi There")); }).join();
  EXPECT_EQ(on_fresh_thread, mac1);
}

}  // namespace
}  // namespace slipway::aws
