// The certificate policy of the handshake (crypto.md §2.5-2.7, config.md §8): CA-signed
// certs, OPENGNS_RequireCA and the Unauthenticated flag, on the sans-IO functions.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "connection/certificate.h"
#include "connection/certificate_issuer.h"
#include "connection/cipher_negotiation.h"
#include "connection/handshake_crypto.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;

constexpr uint32_t kClientId = 0x30ae8a22;
constexpr uint32_t kServerId = 0x46c12620;
constexpr int64_t kNow = 1750000000;
const PeerAddress kClientAddress = NetworkingIPAddr::fromIPv4(0x7f000001, 50267);
const PeerAddress kServerAddress = NetworkingIPAddr::fromIPv4(0x7f000001, 27020);

crypto::Ed25519KeyPair newKey() {
  auto key = crypto::Ed25519KeyPair::generate();
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

NetworkingIdentity identity(const char* text) {
  return NetworkingIdentity::parse(text).value_or(NetworkingIdentity());
}

// Credentials with a cert for `who` issued by `ca`, expiring at `expiry`.
LocalCredentials caCreds(const char* who, const crypto::Ed25519KeyPair& ca,
                         int64_t expiry = kNow + 3600) {
  crypto::Ed25519KeyPair key = newKey();
  CertificateToIssue what;
  what.subject_key = key.publicKey();
  what.identity = identity(who);
  what.time_created_sec = kNow - 60;
  what.time_expiry_sec = expiry;
  auto cert = issueCertificate(what, ca);
  EXPECT_TRUE(cert.ok());
  auto creds = LocalCredentials::fromSignedCert(std::move(key), *cert, identity(who));
  EXPECT_TRUE(creds.ok()) << creds.status();
  return *std::move(creds);
}

AuthPolicy policyTrusting(const crypto::Ed25519KeyPair& ca, bool require_ca) {
  auto store = std::make_shared<TrustStore>();
  store->addRootKey(ca.publicKey());
  AuthPolicy policy;
  policy.require_ca = require_ca;
  policy.ca_trust = [store] { return CaTrust{store, kNow}; };
  return policy;
}

wire::ConnectRequest requestFrom(const LocalCredentials& creds) {
  auto crypt = LocalCryptInfo::create(creds, {CipherId::kAes256Gcm});
  EXPECT_TRUE(crypt.ok());
  wire::ConnectRequest request;
  request.set_client_connection_id(kClientId);
  request.set_challenge(1);
  *request.mutable_cert() = creds.signedCert();
  *request.mutable_crypt() = crypt->signedInfo();
  EXPECT_TRUE(setSenderIdentity(creds.identity(), creds.certHasIdentity(), &request).ok());
  return request;
}

TEST(HandshakeAuthTest, TrustedChainAuthenticatesBothWays) {
  const crypto::Ed25519KeyPair ca = newKey();
  const LocalCredentials client = caCreds("str:client", ca);
  const LocalCredentials server = caCreds("str:server", ca);
  const AuthPolicy policy = policyTrusting(ca, true);

  auto verified = checkConnectRequest(requestFrom(client), kClientAddress, policy);
  ASSERT_TRUE(verified.ok()) << verified.error().debug;
  EXPECT_TRUE(verified->authenticated);
  EXPECT_EQ(verified->identity.toString(), "str:client");

  auto accepted =
      acceptConnectRequest(*verified, kClientId, server, kServerId, 0, policy, kClientAddress);
  ASSERT_TRUE(accepted.ok()) << accepted.error().debug;
  EXPECT_EQ(accepted->session.info_flags & kConnectionInfoFlagUnauthenticated, 0);

  wire::ConnectOK ok;
  ok.set_client_connection_id(kClientId);
  ok.set_server_connection_id(kServerId);
  *ok.mutable_cert() = server.signedCert();
  *ok.mutable_crypt() = accepted->crypt_info.signedInfo();
  auto client_crypt = LocalCryptInfo::create(client, {CipherId::kAes256Gcm});
  ASSERT_TRUE(client_crypt.ok());
  ClientHandshakeContext context;
  context.server_address = kServerAddress;
  context.policy = policy;
  context.expected_server_identity = identity("str:server");
  context.own_ciphers = client_crypt->ciphers();
  context.own = ownMaterialOf(client, *client_crypt, kClientId);
  auto session = processConnectOK(ok, context);
  ASSERT_TRUE(session.ok()) << session.error().debug;
  EXPECT_TRUE(session->peer_authenticated);
  EXPECT_EQ(session->info_flags & kConnectionInfoFlagUnauthenticated, 0);

  // The same certs without trusting the CA: accepted, but unauthenticated (default mode).
  auto untrusted = checkConnectRequest(requestFrom(client), kClientAddress, AuthPolicy{});
  ASSERT_TRUE(untrusted.ok());
  EXPECT_FALSE(untrusted->authenticated);
}

TEST(HandshakeAuthTest, IpIdentityIsNeverAuthenticated) {
  const crypto::Ed25519KeyPair ca = newKey();
  const LocalCredentials client = caCreds("ip:192.0.2.7:1234", ca);
  auto verified =
      checkConnectRequest(requestFrom(client), kClientAddress, policyTrusting(ca, true));
  ASSERT_TRUE(verified.ok()) << verified.error().debug;
  EXPECT_FALSE(verified->authenticated);
}

// Every way a cert can fail to prove itself: 4003 with RequireCA, the original's outcome
// (accepted as unsigned, or 4002 for the crypt-info signature) without.
TEST(HandshakeAuthTest, StrictModeRefusesWith4003DefaultModeKeepsOriginalOutcomes) {
  const crypto::Ed25519KeyPair ca = newKey(), other_ca = newKey();
  const LocalCredentials good = caCreds("str:client", ca);

  struct Case {
    const char* name;
    wire::ConnectRequest request;
    int default_reason;  // 0: accepted
    bool default_authenticated = false;
  };
  std::vector<Case> cases;
  cases.push_back({"expired", requestFrom(caCreds("str:client", ca, kNow - 1)), 0});
  cases.push_back({"wrong CA", requestFrom(caCreds("str:client", other_ca)), 0});
  {
    auto unsigned_creds = LocalCredentials::createUnsigned(identity("str:client"));
    ASSERT_TRUE(unsigned_creds.ok());
    cases.push_back({"unsigned", requestFrom(*unsigned_creds), 0});
  }
  {
    wire::ConnectRequest r = requestFrom(good);
    std::string body = r.cert().cert();
    body[body.find("str:client") + 4] = 'C';  // tampered bytes: "str:Client"
    r.mutable_cert()->set_cert(body);         // the crypt info still verifies: same key
    cases.push_back({"tampered cert", r, 0});
  }
  {
    wire::ConnectRequest r = requestFrom(good);
    std::string signature = r.crypt().signature();
    signature[0] ^= 1;
    r.mutable_crypt()->set_signature(signature);
    cases.push_back({"tampered crypt-info signature", r, 4002});
  }
  {
    wire::ConnectRequest r = requestFrom(good);
    auto fields = writeIdentityFields(identity("str:mallory"));
    ASSERT_TRUE(fields.ok());
    setIdentityFields(*fields, &r);
    // The original ignores message identity fields when the cert names one: the proven
    // cert identity stands.
    cases.push_back({"identity mismatch", r, 0, true});
  }

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto strict = checkConnectRequest(c.request, kClientAddress, policyTrusting(ca, true));
    ASSERT_FALSE(strict.ok());
    EXPECT_EQ(strict.error().end_reason, 4003) << strict.error().debug;
    EXPECT_FALSE(strict.error().drop_packet);

    auto lenient = checkConnectRequest(c.request, kClientAddress, policyTrusting(ca, false));
    if (c.default_reason == 0) {
      ASSERT_TRUE(lenient.ok()) << lenient.error().debug;
      EXPECT_EQ(lenient->authenticated, c.default_authenticated);
      EXPECT_EQ(lenient->identity.toString(),
                c.name == std::string("tampered cert") ? "str:Client" : "str:client");
    } else {
      ASSERT_FALSE(lenient.ok());
      EXPECT_EQ(lenient.error().end_reason, c.default_reason);
    }
  }
  // The good one passes in both modes.
  EXPECT_TRUE(
      checkConnectRequest(requestFrom(good), kClientAddress, policyTrusting(ca, true)).ok());
}

TEST(HandshakeAuthTest, CaSignedCertWithoutIdentityIsOnlyForAnonymousGameServers) {
  const crypto::Ed25519KeyPair ca = newKey();
  crypto::Ed25519KeyPair key = newKey();
  CertificateToIssue what;
  what.subject_key = key.publicKey();
  what.time_expiry_sec = kNow + 60;
  auto cert = issueCertificate(what, ca);
  ASSERT_TRUE(cert.ok());
  auto creds = LocalCredentials::fromSignedCert(std::move(key), *cert, identity("str:client"));
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_FALSE(creds->certHasIdentity());
  auto verified =
      checkConnectRequest(requestFrom(*creds), kClientAddress, policyTrusting(ca, false));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().end_reason, 4003);
}

}  // namespace
}  // namespace opengns::connection
