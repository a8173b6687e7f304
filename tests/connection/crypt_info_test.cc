#include "connection/crypt_info.h"

#include <gtest/gtest.h>

#include "connection/cipher_negotiation.h"
#include "recorded_handshake.h"
#include "support/vectors.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;
using testing_util::loadRecordedHandshake;
using testing_util::RecordedHandshake;

wire::Certificate certOf(const LocalCredentials& creds) {
  wire::Certificate cert;
  EXPECT_TRUE(cert.ParseFromArray(creds.certBody().data(), creds.certBody().size()));
  return cert;
}

LocalCredentials makeCreds() {
  auto creds = LocalCredentials::createUnsigned(NetworkingIdentity());
  EXPECT_TRUE(creds.ok());
  return *std::move(creds);
}

// A crypt info with arbitrary fields, signed with `creds` (to test the receiver's checks).
wire::SessionCryptInfoSigned signedWith(const LocalCredentials& creds, ByteSpan info) {
  wire::SessionCryptInfoSigned s;
  s.set_info(std::string(info.begin(), info.end()));
  auto signature = creds.sign(info);
  EXPECT_TRUE(signature.ok());
  s.set_signature(std::string(signature->begin(), signature->end()));
  return s;
}

CryptInfoFields validFields(uint32_t version) {
  return CryptInfoFields{
      kKeyExchangeKeyTypeCurve25519, Bytes(32, 0x09), 77, version, {CipherId::kAes256Gcm}};
}

// Every recorded crypt info (both directions, all 13 UDP sessions): the signature verifies
// with the key of the cert in the same message, and our serialization of its fields is
// exactly the recorded `info` bytes.
TEST(CryptInfoTest, RecordedCryptInfosVerifyAndReserialize) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : testing::udpSessionNames()) {
    SCOPED_TRACE(session);
    RecordedHandshake hs;
    ASSERT_NO_FATAL_FAILURE(loadRecordedHandshake(session, &hs));
    const bool encrypted = session == "encrypted_session" || session == "chat_session";
    const std::pair<const wire::SessionCryptInfoSigned*, const wire::CertificateSigned*> sides[] = {
        {&hs.request.crypt(), &hs.request.cert()}, {&hs.ok.crypt(), &hs.ok.cert()}};
    for (const auto& [crypt, wrapper] : sides) {
      wire::Certificate cert;
      ASSERT_TRUE(cert.ParseFromString(wrapper->cert()));
      auto peer = verifyPeerCryptInfo(*crypt, cert);
      ASSERT_TRUE(peer.ok()) << peer.error().debug;
      EXPECT_EQ(peer->info_bytes.size(), 49u);
      EXPECT_EQ(toHex(serializeCryptInfo(peer->fields)), toHex(asBytes(crypt->info())));
      EXPECT_EQ(peer->fields.protocol_version, 13u);
      EXPECT_EQ(peer->fields.ciphers,
                std::vector<CipherId>{encrypted ? CipherId::kAes256Gcm : CipherId::kNull});
      EXPECT_FALSE(checkKeyExchangeKey(*peer).has_value());
    }
  }
}

// With the logged X25519 private key and nonce, our LocalCryptInfo's `info` bytes equal the
// recorded ones (the signature differs: it needs the cert key, which is not logged).
TEST(CryptInfoTest, BuildsRecordedInfoFromLoggedKeys) {
  OPENGNS_REQUIRE_SHARED();
  LocalCredentials creds = makeCreds();
  for (const std::string& session : testing::keylogSessionNames()) {
    SCOPED_TRACE(session);
    for (const auto& line :
         testing::loadJsonLines(testing::vectorsDir() / (session + ".keylog.jsonl"))) {
      auto key =
          crypto::X25519KeyPair::fromPrivateKey(testing::hexBytes(line["x25519_private_local"]));
      ASSERT_TRUE(key.ok());
      const auto cipher = static_cast<CipherId>(line["negotiated_cipher"].get<int>());
      auto built = LocalCryptInfo::fromParts(
          *std::move(key), std::stoull(line["nonce_local"].get<std::string>()), {cipher}, creds);
      ASSERT_TRUE(built.ok()) << built.status();
      EXPECT_EQ(toHex(built->infoBytes()), line["crypt_info_local"].get<std::string>());
      // And it verifies against our own cert.
      EXPECT_TRUE(verifyPeerCryptInfo(built->signedInfo(), certOf(creds)).ok());
    }
  }
}

TEST(CryptInfoTest, BuildAndVerifyRoundTrip) {
  LocalCredentials creds = makeCreds();
  auto local = LocalCryptInfo::create(creds, cipherListForUnencrypted(1));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->infoBytes().size(), 51u);  // 49 + one more cipher tag/value
  auto peer = verifyPeerCryptInfo(local->signedInfo(), certOf(creds));
  ASSERT_TRUE(peer.ok()) << peer.error().debug;
  EXPECT_EQ(peer->fields.nonce, local->nonce());
  EXPECT_EQ(toHex(peer->fields.key_data), toHex(local->keyPair().publicKey()));
  EXPECT_EQ(peer->fields.ciphers, (std::vector<CipherId>{CipherId::kAes256Gcm, CipherId::kNull}));
  EXPECT_EQ(peer->fields.protocol_version, 13u);
  EXPECT_FALSE(LocalCryptInfo::create(creds, {}).ok());
}

TEST(CryptInfoTest, TamperingIsBadCrypt) {
  LocalCredentials creds = makeCreds();
  auto local = LocalCryptInfo::create(creds, {CipherId::kAes256Gcm});
  ASSERT_TRUE(local.ok());
  const wire::Certificate cert = certOf(creds);
  auto expect4002 = [&](const wire::SessionCryptInfoSigned& s, const wire::Certificate& c,
                        const char* what) {
    auto r = verifyPeerCryptInfo(s, c);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().end_reason, 4002) << what;
  };
  wire::SessionCryptInfoSigned s = local->signedInfo();
  s.mutable_signature()->at(10) ^= 1;
  expect4002(s, cert, "flipped signature bit");
  s = local->signedInfo();
  s.mutable_info()->at(20) ^= 1;
  expect4002(s, cert, "flipped info bit");
  s = local->signedInfo();
  s.mutable_signature()->pop_back();
  expect4002(s, cert, "63-byte signature");
  s = local->signedInfo();
  s.clear_signature();
  expect4002(s, cert, "no signature");
  wire::Certificate other = certOf(makeCreds());
  expect4002(local->signedInfo(), other, "another cert's key");
  wire::Certificate bad_type = cert;
  bad_type.clear_key_type();
  expect4002(local->signedInfo(), bad_type, "cert key_type absent");
  wire::Certificate short_key = cert;
  short_key.mutable_key_data()->pop_back();
  expect4002(local->signedInfo(), short_key, "31-byte cert key");
  // Signed, but not a SessionCryptInfo.
  const Bytes garbage = {0xff, 0xff, 0xff};
  expect4002(signedWith(creds, garbage), cert, "info does not parse");
}

TEST(CryptInfoTest, ProtocolVersionBelow8Is4006) {
  LocalCredentials creds = makeCreds();
  const wire::Certificate cert = certOf(creds);
  for (uint32_t version : {0u, 7u}) {
    auto r = verifyPeerCryptInfo(signedWith(creds, serializeCryptInfo(validFields(version))), cert);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().end_reason, 4006);
  }
  // Absent version field reads as 0.
  wire::SessionCryptInfo no_version;
  no_version.set_key_type(wire::KEY_EXCHANGE_KEY_TYPE_CURVE25519);
  no_version.set_key_data(std::string(32, '\x09'));
  auto r = verifyPeerCryptInfo(signedWith(creds, asBytes(no_version.SerializeAsString())), cert);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().end_reason, 4006);
  auto v8 = verifyPeerCryptInfo(signedWith(creds, serializeCryptInfo(validFields(8))), cert);
  ASSERT_TRUE(v8.ok());
  EXPECT_EQ(v8->fields.protocol_version, 8u);
}

TEST(CryptInfoTest, KeyExchangePreCheck) {
  LocalCredentials creds = makeCreds();
  const wire::Certificate cert = certOf(creds);
  CryptInfoFields wrong_type = validFields(13);
  wrong_type.key_type = 0;
  auto parsed = verifyPeerCryptInfo(signedWith(creds, serializeCryptInfo(wrong_type)), cert);
  ASSERT_TRUE(parsed.ok());  // parse and signature are fine: the key is checked at derivation
  auto bad = checkKeyExchangeKey(*parsed);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->end_reason, 4002);
  CryptInfoFields short_key = validFields(13);
  short_key.key_data.resize(31);
  parsed = verifyPeerCryptInfo(signedWith(creds, serializeCryptInfo(short_key)), cert);
  ASSERT_TRUE(parsed.ok());
  bad = checkKeyExchangeKey(*parsed);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->end_reason, 4002);
  EXPECT_NE(bad->debug.find("31 bytes"), std::string::npos);
}

}  // namespace
}  // namespace opengns::connection
