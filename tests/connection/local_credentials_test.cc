#include "connection/local_credentials.h"

#include <gtest/gtest.h>

#include <functional>

#include "connection/identity_fields.h"
#include "recorded_handshake.h"
#include "support/vectors.h"

namespace opengns::connection {
namespace {

using testing_util::loadRecordedHandshake;
using testing_util::RecordedHandshake;

// Rebuilds a recorded cert body from its key and identity and compares the bytes.
void expectRebuilt(const std::string& body_bytes, const std::string& what) {
  SCOPED_TRACE(what);
  wire::Certificate recorded;
  ASSERT_TRUE(recorded.ParseFromString(body_bytes));
  ASSERT_EQ(recorded.key_data().size(), 32u);
  crypto::Ed25519PublicKey key;
  std::copy(recorded.key_data().begin(), recorded.key_data().end(), key.begin());
  auto identity = readIdentityFields(identityFieldsOf(recorded));
  ASSERT_TRUE(identity.ok() && identity->has_value());
  auto rebuilt = buildUnsignedCertBody(key, **identity, kDefaultAppId);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(toHex(*rebuilt), toHex(asBytes(body_bytes)));
}

// crypto.md §2.7: every recorded self-made cert (client and server, all 13 UDP sessions)
// equals our body for the same key and identity; the wrapper holds field 4 only.
TEST(LocalCredentialsTest, UnsignedCertMatchesEveryRecordedSession) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : testing::udpSessionNames()) {
    RecordedHandshake hs;
    ASSERT_NO_FATAL_FAILURE(loadRecordedHandshake(session, &hs));
    for (const wire::CertificateSigned* wrapper : {&hs.request.cert(), &hs.ok.cert()}) {
      EXPECT_FALSE(wrapper->has_ca_key_id());
      EXPECT_FALSE(wrapper->has_ca_signature());
      EXPECT_FALSE(wrapper->has_private_key_data());
      EXPECT_EQ(wrapper->cert().size(), 68u);
      expectRebuilt(wrapper->cert(), session);
    }
  }
}

// The P2P sessions' certs name str: identities (legacy generic_string, 70 bytes).
TEST(LocalCredentialsTest, UnsignedCertMatchesRecordedP2PCerts) {
  OPENGNS_REQUIRE_SHARED();
  int found = 0;
  for (const char* session : {"p2p_session", "p2p_stun_session"}) {
    auto doc =
        testing::loadJson(testing::vectorsDir() / (std::string(session) + ".signaling.json"));
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
      if (node.is_array()) {
        for (const auto& item : node)
          walk(item);
      } else if (node.is_object()) {
        if (node.value("name", "") == "cert" && node.contains("hex")) {
          Bytes body = testing::hexBytes(node["hex"]);
          expectRebuilt(std::string(body.begin(), body.end()), session);
          ++found;
        }
        for (const auto& [key, value] : node.items())
          walk(value);
      }
    };
    walk(doc["lines"]);
  }
  EXPECT_GE(found, 4);  // each session: the request's and the OK's cert, seen on two hops
}

TEST(LocalCredentialsTest, AnonymousCredentials) {
  auto creds = LocalCredentials::createUnsigned(NetworkingIdentity());
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->identity().toString(), "ip:::1");
  EXPECT_TRUE(creds->certHasIdentity());
  EXPECT_FALSE(creds->isCaSigned());
  // Wrapper = field 4 only: 0x22, length 68, body.
  const std::string wrapper = creds->signedCert().SerializeAsString();
  ASSERT_EQ(wrapper.size(), 70u);
  EXPECT_EQ(static_cast<uint8_t>(wrapper[0]), 0x22);
  EXPECT_EQ(static_cast<uint8_t>(wrapper[1]), 68);
  const ByteSpan body = creds->certBody();
  const std::string expected_prefix =
      "080112"
      "20";
  EXPECT_EQ(toHex(body.first(4)), expected_prefix);
  EXPECT_EQ(toHex(body.subspan(4, 32)), toHex(creds->publicKey()));
  EXPECT_EQ(toHex(body.subspan(36)),
            "5000"
            "5a14"
            "2212" +
                std::string(30, '0') +
                "01"
                "0000"
                "6206" +
                toHex(asBytes("ip:::1")));
  // The key signs.
  auto signature = creds->sign(asBytes("hello"));
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(crypto::ed25519Verify(creds->publicKey(), asBytes("hello"), *signature).ok());
}

TEST(LocalCredentialsTest, SteamIdAndAppIdInCert) {
  auto identity = NetworkingIdentity::parse("steamid:76561197960287930");
  ASSERT_TRUE(identity);
  auto key = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(key.ok());
  auto creds = LocalCredentials::unsignedFromKey(*std::move(key), *identity, 480);
  ASSERT_TRUE(creds.ok());
  wire::Certificate body;
  ASSERT_TRUE(body.ParseFromArray(creds->certBody().data(), creds->certBody().size()));
  EXPECT_EQ(body.legacy_steam_id(), 76561197960287930ULL);
  ASSERT_EQ(body.app_ids_size(), 1);
  EXPECT_EQ(body.app_ids(0), 480u);
  EXPECT_EQ(body.identity_string(), "steamid:76561197960287930");
  NetworkingIdentity bad;
  bad.setSteamID(1);
  auto key2 = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(key2.ok());
  EXPECT_FALSE(LocalCredentials::unsignedFromKey(*std::move(key2), bad).ok());
}

TEST(LocalCredentialsTest, FromSignedCertChecksKeyAndIdentity) {
  auto key = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(key.ok());
  auto identity = NetworkingIdentity::parse("str:server");
  auto body = buildUnsignedCertBody(key->publicKey(), *identity);
  ASSERT_TRUE(body.ok());
  wire::CertificateSigned wrapper;
  wrapper.set_cert(std::string(body->begin(), body->end()));
  wrapper.set_ca_key_id(42);
  wrapper.set_ca_signature(std::string(64, 's'));
  wrapper.set_private_key_data("secret");

  auto private_key = key->privateKey();
  ASSERT_TRUE(private_key.ok());
  auto same_key = crypto::Ed25519KeyPair::fromPrivateKey(private_key->span());
  ASSERT_TRUE(same_key.ok());
  auto wrong_identity = LocalCredentials::fromSignedCert(*std::move(same_key), wrapper,
                                                         *NetworkingIdentity::parse("str:other"));
  EXPECT_FALSE(wrong_identity.ok());
  auto other_key = crypto::Ed25519KeyPair::generate();
  ASSERT_TRUE(other_key.ok());
  EXPECT_FALSE(LocalCredentials::fromSignedCert(*std::move(other_key), wrapper, *identity).ok());

  auto creds = LocalCredentials::fromSignedCert(*std::move(key), wrapper, *identity);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_TRUE(creds->isCaSigned());
  EXPECT_TRUE(creds->certHasIdentity());
  EXPECT_FALSE(creds->signedCert().has_private_key_data());  // §2.2: stripped
  EXPECT_EQ(creds->signedCert().ca_key_id(), 42u);
}

}  // namespace
}  // namespace opengns::connection
