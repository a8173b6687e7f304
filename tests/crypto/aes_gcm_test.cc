#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include "crypto/kat_files.h"

namespace opengns::crypto {
namespace {

using testing::KatRecord;
using testing::readKatRecords;

// We use 96-bit IVs and 128-bit tags only (crypto.md §5.2).
bool isOurShape(const KatRecord& r) {
  return r.at("Keylen") == "256" && r.at("IVlen") == "96" && r.at("Taglen") == "128";
}

std::array<uint8_t, kAesGcmIvBytes> ivOf(const Bytes& bytes) {
  std::array<uint8_t, kAesGcmIvBytes> iv{};
  EXPECT_EQ(bytes.size(), iv.size());
  std::copy_n(bytes.begin(), std::min(bytes.size(), iv.size()), iv.begin());
  return iv;
}

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

TEST(AesGcmTest, MatchesNistEncryptVectors) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto records = readKatRecords(testing::katDir() / "ciphers/AES/GCM/gcmEncryptExtIV256.rsp");
  int checked = 0;
  for (const auto& r : records) {
    if (!isOurShape(r)) continue;
    SCOPED_TRACE(::testing::Message() << "PTlen " << r.at("PTlen") << " AADlen " << r.at("AADlen")
                                      << " Count " << r.at("Count"));
    Bytes pt = r.bytes("PT"), aad = r.bytes("AAD");
    Bytes expected = concat(r.bytes("CT"), r.bytes("Tag"));
    auto enc = AesGcmEncryptor::create(r.bytes("Key"));
    ASSERT_TRUE(enc.ok()) << enc.status();
    Bytes out(pt.size() + kAesGcmTagBytes);
    auto len = enc->encrypt(ivOf(r.bytes("IV")), pt, aad, out);
    ASSERT_TRUE(len.ok()) << len.status();
    ASSERT_EQ(*len, expected.size());
    EXPECT_EQ(toHex(out), toHex(expected));

    auto dec = AesGcmDecryptor::create(r.bytes("Key"));
    ASSERT_TRUE(dec.ok());
    Bytes back(pt.size());
    auto back_len = dec->decrypt(ivOf(r.bytes("IV")), expected, aad, back);
    ASSERT_TRUE(back_len.ok()) << back_len.status();
    EXPECT_EQ(back, pt);
    ++checked;
  }
  // 5 plaintext lengths × 5 AAD lengths × 15 cases.
  EXPECT_EQ(checked, 375);
}

TEST(AesGcmTest, MatchesNistDecryptVectorsIncludingFailures) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto records = readKatRecords(testing::katDir() / "ciphers/AES/GCM/gcmDecrypt256.rsp");
  int passes = 0, fails = 0;
  for (const auto& r : records) {
    if (!isOurShape(r)) continue;
    SCOPED_TRACE(::testing::Message() << "PTlen " << r.at("PTlen") << " AADlen " << r.at("AADlen")
                                      << " Count " << r.at("Count"));
    Bytes sealed = concat(r.bytes("CT"), r.bytes("Tag"));
    auto dec = AesGcmDecryptor::create(r.bytes("Key"));
    ASSERT_TRUE(dec.ok());
    Bytes out(sealed.size() - kAesGcmTagBytes, 0xee);
    auto len = dec->decrypt(ivOf(r.bytes("IV")), sealed, r.bytes("AAD"), out);
    if (r.flags.count("FAIL")) {
      ASSERT_FALSE(len.ok());
      EXPECT_EQ(len.status().code(), absl::StatusCode::kUnauthenticated);
      // No unauthenticated plaintext is left behind.
      EXPECT_EQ(out, Bytes(out.size(), 0));
      ++fails;
    } else {
      ASSERT_TRUE(len.ok()) << len.status();
      EXPECT_EQ(toHex(ByteSpan(out).first(*len)), toHex(r.bytes("PT")));
      ++passes;
    }
  }
  EXPECT_EQ(passes + fails, 375);
  EXPECT_GT(fails, 50);
  EXPECT_GT(passes, 50);
}

// One context, many packets: keying once and changing only the IV must give the same
// bytes as a fresh context per packet, and a failed open must not disturb later ones.
TEST(AesGcmTest, ReusedContextsMatchFreshOnes) {
  Bytes key(32);
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<uint8_t>(i * 3 + 1);
  auto enc = AesGcmEncryptor::create(key);
  auto dec = AesGcmDecryptor::create(key);
  ASSERT_TRUE(enc.ok() && dec.ok());
  for (int n = 0; n < 40; ++n) {
    std::array<uint8_t, kAesGcmIvBytes> iv{};
    iv[0] = static_cast<uint8_t>(n);
    iv[11] = 0x42;
    Bytes pt(static_cast<size_t>(n * 17 % 300));
    for (size_t i = 0; i < pt.size(); ++i)
      pt[i] = static_cast<uint8_t>(i + n);
    Bytes reused(pt.size() + kAesGcmTagBytes), fresh(pt.size() + kAesGcmTagBytes);
    ASSERT_TRUE(enc->encrypt(iv, pt, {}, reused).ok());
    auto fresh_enc = AesGcmEncryptor::create(key);
    ASSERT_TRUE(fresh_enc.ok());
    ASSERT_TRUE(fresh_enc->encrypt(iv, pt, {}, fresh).ok());
    ASSERT_EQ(reused, fresh) << "packet " << n;

    if (n % 3 == 0) {  // a forged packet in between
      Bytes forged = reused;
      forged.back() ^= 0x01;
      Bytes sink(pt.size());
      EXPECT_FALSE(dec->decrypt(iv, forged, {}, sink).ok());
    }
    Bytes back(pt.size());
    auto len = dec->decrypt(iv, reused, {}, back);
    ASSERT_TRUE(len.ok()) << "packet " << n << ": " << len.status();
    EXPECT_EQ(back, pt);
  }
}

TEST(AesGcmTest, InPlaceEncryptAndDecrypt) {
  Bytes key(32, 7);
  std::array<uint8_t, kAesGcmIvBytes> iv{1, 2, 3};
  auto enc = AesGcmEncryptor::create(key);
  auto dec = AesGcmDecryptor::create(key);
  ASSERT_TRUE(enc.ok() && dec.ok());
  Bytes pt(100);
  for (size_t i = 0; i < pt.size(); ++i)
    pt[i] = static_cast<uint8_t>(i);
  Bytes expected(pt.size() + kAesGcmTagBytes);
  ASSERT_TRUE(enc->encrypt(iv, pt, {}, expected).ok());

  Bytes buf = pt;
  buf.resize(pt.size() + kAesGcmTagBytes);
  auto len = enc->encrypt(iv, ByteSpan(buf).first(pt.size()), {}, buf);
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(buf, expected);
  auto back = dec->decrypt(iv, buf, {}, buf);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + *back), pt);
}

TEST(AesGcmTest, AadIsAuthenticated) {
  Bytes key(32, 9);
  std::array<uint8_t, kAesGcmIvBytes> iv{};
  auto enc = AesGcmEncryptor::create(key);
  auto dec = AesGcmDecryptor::create(key);
  ASSERT_TRUE(enc.ok() && dec.ok());
  Bytes pt = {1, 2, 3, 4}, aad = {9, 9};
  Bytes sealed(pt.size() + kAesGcmTagBytes), out(pt.size());
  ASSERT_TRUE(enc->encrypt(iv, pt, aad, sealed).ok());
  EXPECT_TRUE(dec->decrypt(iv, sealed, aad, out).ok());
  EXPECT_FALSE(dec->decrypt(iv, sealed, {}, out).ok());
  aad[1] = 8;
  EXPECT_FALSE(dec->decrypt(iv, sealed, aad, out).ok());
}

TEST(AesGcmTest, RejectsBadSizesWithoutTouchingMemory) {
  EXPECT_FALSE(AesGcmEncryptor::create(Bytes(16, 1)).ok());
  auto bad = AesGcmDecryptor::create(Bytes(31, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("31 bytes"), std::string::npos) << bad.status();

  Bytes key(32, 1);
  std::array<uint8_t, kAesGcmIvBytes> iv{};
  auto enc = AesGcmEncryptor::create(key);
  auto dec = AesGcmDecryptor::create(key);
  ASSERT_TRUE(enc.ok() && dec.ok());
  Bytes pt(20), small(35);
  auto too_small = enc->encrypt(iv, pt, {}, small);
  ASSERT_FALSE(too_small.ok());
  EXPECT_NE(too_small.status().message().find("need 36"), std::string::npos) << too_small.status();

  Bytes out(64);
  auto short_input = dec->decrypt(iv, Bytes(15, 0), {}, out);
  ASSERT_FALSE(short_input.ok());
  EXPECT_NE(short_input.status().message().find("15 bytes"), std::string::npos);
  Bytes sealed(36);
  ASSERT_TRUE(enc->encrypt(iv, pt, {}, sealed).ok());
  Bytes out_small(19);
  EXPECT_FALSE(dec->decrypt(iv, sealed, {}, out_small).ok());
  // Exactly a tag: empty plaintext, and it must authenticate.
  Bytes tag_only(kAesGcmTagBytes);
  ASSERT_TRUE(enc->encrypt(iv, {}, {}, tag_only).ok());
  auto empty = dec->decrypt(iv, tag_only, {}, MutableByteSpan());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, 0u);
  tag_only[0] ^= 1;
  EXPECT_FALSE(dec->decrypt(iv, tag_only, {}, MutableByteSpan()).ok());
}

}  // namespace
}  // namespace opengns::crypto
