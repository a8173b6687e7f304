#include "crypto/sha256.h"

#include <gtest/gtest.h>

#include "crypto/kat_files.h"

namespace opengns::crypto {
namespace {

using testing::readKatRecords;

// NIST CAVP SHA-256 short messages (0..512 bits, byte oriented).
TEST(Sha256Test, MatchesNistShortMessages) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto records = readKatRecords(testing::katDir() / "hashes/SHA2/SHA256ShortMsg.rsp");
  ASSERT_GE(records.size(), 65u);
  for (const auto& r : records) {
    size_t len_bytes = std::stoul(r.at("Len")) / 8;
    Bytes msg = r.bytes("Msg");
    msg.resize(len_bytes);  // Len = 0 is written as Msg = 00
    auto digest = sha256(msg);
    ASSERT_TRUE(digest.ok()) << digest.status();
    EXPECT_EQ(toHex(*digest), r.at("MD")) << "Len = " << r.at("Len");
  }
}

TEST(Sha256Test, PiecewiseEqualsOneShot) {
  Bytes data(1000);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<uint8_t>(i * 7);
  auto whole = sha256(data);
  ASSERT_TRUE(whole.ok());
  ByteSpan all(data);
  auto parts = sha256({all.first(1), all.subspan(1, 0), all.subspan(1, 500), all.subspan(501)});
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(*whole, *parts);

  auto hasher = Sha256::create();
  ASSERT_TRUE(hasher.ok());
  for (size_t i = 0; i < data.size(); i += 33)
    ASSERT_TRUE(hasher->update(all.subspan(i, std::min<size_t>(33, data.size() - i))).ok());
  auto streamed = hasher->finish();
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(*whole, *streamed);

  data[999] ^= 1;
  EXPECT_NE(*whole, *sha256(data));
}

}  // namespace
}  // namespace opengns::crypto
