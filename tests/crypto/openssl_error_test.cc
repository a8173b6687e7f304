#include "crypto/openssl_error.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>

namespace opengns::crypto {
namespace {

TEST(OpensslErrorTest, NamesOperationAndReasonAndDrainsQueue) {
  ERR_clear_error();
  // A raw X25519 key of the wrong length makes OpenSSL queue an error.
  const uint8_t short_key[5] = {};
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, short_key, 5);
  ASSERT_EQ(key, nullptr);
  ASSERT_NE(ERR_peek_error(), 0u);
  absl::Status s = opensslError("test: import");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message().find("test: import failed: "), 0u) << s;
  EXPECT_GT(s.message().size(), std::string("test: import failed: ").size());
  EXPECT_EQ(ERR_peek_error(), 0u);

  absl::Status nothing = opensslError("test: idle");
  EXPECT_NE(nothing.message().find("no OpenSSL error queued"), std::string::npos) << nothing;
}

}  // namespace
}  // namespace opengns::crypto
