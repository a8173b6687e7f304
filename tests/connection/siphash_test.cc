#include "connection/siphash.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <numeric>

namespace opengns::connection {
namespace {

// OpenSSL's SIPHASH MAC (default 2-4 rounds, 8-byte output) as an independent oracle.
uint64_t opensslSipHash(const SipHashKey& key, ByteSpan message) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EXPECT_NE(mac, nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t out_size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                         OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, message.data(), message.size()), 1);
  uint8_t out[8] = {};
  size_t out_len = 0;
  EXPECT_EQ(EVP_MAC_final(ctx, out, &out_len, sizeof(out)), 1);
  EXPECT_EQ(out_len, 8u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | out[i];
  return v;
}

SipHashKey sequentialKey() {
  SipHashKey key;
  std::iota(key.begin(), key.end(), uint8_t{0});
  return key;
}

// The worked example of the SipHash paper (appendix A): key 00..0f, message 00..0e.
TEST(SipHashTest, PaperExample) {
  Bytes message(15);
  std::iota(message.begin(), message.end(), uint8_t{0});
  EXPECT_EQ(sipHash24(sequentialKey(), message), 0xa129ca6149be45e5ULL);
}

// Every message length 0..64 (all tail sizes, several blocks) against OpenSSL.
TEST(SipHashTest, MatchesOpenSslForAllLengths) {
  SipHashKey key = sequentialKey();
  for (size_t len = 0; len <= 64; ++len) {
    Bytes message(len);
    std::iota(message.begin(), message.end(), uint8_t{0});
    EXPECT_EQ(sipHash24(key, message), opensslSipHash(key, message)) << "length " << len;
  }
  // A different key and the 20-byte challenge input size.
  for (auto& b : key)
    b = static_cast<uint8_t>(b * 37 + 11);
  Bytes message(20, 0xa5);
  EXPECT_EQ(sipHash24(key, message), opensslSipHash(key, message));
}

TEST(SipHashTest, KeyAndMessageMatter) {
  SipHashKey key = sequentialKey();
  Bytes message(20, 0);
  const uint64_t base = sipHash24(key, message);
  key[15] ^= 1;
  EXPECT_NE(sipHash24(key, message), base);
  key[15] ^= 1;
  message[19] = 1;
  EXPECT_NE(sipHash24(key, message), base);
}

}  // namespace
}  // namespace opengns::connection
