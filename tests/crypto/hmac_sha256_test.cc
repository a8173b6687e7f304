#include "crypto/hmac_sha256.h"

#include <gtest/gtest.h>

#include "crypto/kat_files.h"

namespace opengns::crypto {
namespace {

using testing::readKatRecords;

// RFC 4231 test cases (the file omits the truncated-output case 5).
TEST(HmacSha256Test, MatchesRfc4231) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto records = readKatRecords(testing::katDir() / "HMAC/rfc-4231-sha256.txt");
  ASSERT_GE(records.size(), 6u);
  for (const auto& r : records) {
    Bytes key = r.bytes("Key");
    Bytes msg = r.bytes("Msg");
    auto tag = hmacSha256(key, {msg});
    ASSERT_TRUE(tag.ok()) << tag.status();
    EXPECT_EQ(toHex(tag->span()), r.at("MD")) << "key " << r.at("Key");
  }
}

TEST(HmacSha256Test, PiecewiseEqualsOneShotAndKeyMatters) {
  Bytes key = {1, 2, 3};
  Bytes msg(300, 0x5a);
  ByteSpan all(msg);
  auto whole = hmacSha256(key, {all});
  auto parts = hmacSha256(key, {all.first(100), ByteSpan(), all.subspan(100)});
  ASSERT_TRUE(whole.ok() && parts.ok());
  EXPECT_TRUE(*whole == *parts);

  auto mac = HmacSha256::create(key);
  ASSERT_TRUE(mac.ok());
  ASSERT_TRUE(mac->update(all.first(7)).ok());
  ASSERT_TRUE(mac->update(all.subspan(7)).ok());
  auto streamed = mac->finish();
  ASSERT_TRUE(streamed.ok());
  EXPECT_TRUE(*whole == *streamed);

  key[0] ^= 0x80;
  auto other = hmacSha256(key, {all});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*whole == *other);
}

TEST(HmacSha256Test, EmptyKeyIsTheAllZeroBlockKey) {
  // RFC 2104: a key shorter than the 64-byte block is padded with zeros, so the empty
  // key, one zero byte and 64 zero bytes are the same key; 65 zero bytes is hashed first.
  Bytes msg = {'a', 'b', 'c'};
  auto empty = hmacSha256({}, {msg});
  auto one_zero = hmacSha256(Bytes(1, 0), {msg});
  auto block_zero = hmacSha256(Bytes(64, 0), {msg});
  auto long_zero = hmacSha256(Bytes(65, 0), {msg});
  ASSERT_TRUE(empty.ok() && one_zero.ok() && block_zero.ok() && long_zero.ok());
  EXPECT_TRUE(*empty == *one_zero);
  EXPECT_TRUE(*empty == *block_zero);
  EXPECT_FALSE(*empty == *long_zero);
  auto no_message = hmacSha256({}, {});
  ASSERT_TRUE(no_message.ok());
  EXPECT_FALSE(*no_message == *empty);
}

}  // namespace
}  // namespace opengns::crypto
