#include "connection/certificate.h"

#include <gtest/gtest.h>

#include "connection/certificate_issuer.h"
#include "connection/crypt_info.h"
#include "connection/recorded_handshake.h"

namespace opengns::connection {
namespace {

// crypto.md §2.4: Valve's root key and its id.
constexpr char kValveRootKey[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJrsoE4XUc5iaNVpACyh4fobLbwm02tOo6AIOtNygpuE";
constexpr uint64_t kValveRootKeyId = 18220590129359924542ull;

crypto::Ed25519KeyPair newKey() {
  auto key = crypto::Ed25519KeyPair::generate();
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

wire::CertificateSigned issueFor(const char* identity, const crypto::Ed25519KeyPair& subject,
                                 const crypto::Ed25519KeyPair& ca) {
  CertificateToIssue what;
  what.subject_key = subject.publicKey();
  what.identity = NetworkingIdentity::parse(identity);
  what.time_created_sec = 1700000000;
  what.time_expiry_sec = 1800000000;
  auto issued = issueCertificate(what, ca);
  EXPECT_TRUE(issued.ok()) << issued.status();
  return *std::move(issued);
}

TEST(CertificateTest, KeyIdOfValveRootKey) {
  auto key = parseAuthorizedKeyLine(kValveRootKey);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(keyIdOf(*key), kValveRootKeyId);
  EXPECT_EQ(keyIdOf(Bytes(31, 1)), 0u);  // not 32 bytes: no id
  // The authorized-keys line round-trips, with the ID comment GNS's files use.
  EXPECT_EQ(authorizedKeyLine(*key, ""), kValveRootKey);
  EXPECT_EQ(authorizedKeyLine(*key, "ID18220590129359924542"),
            std::string(kValveRootKey) + " ID18220590129359924542");
  EXPECT_FALSE(parseAuthorizedKeyLine("ssh-rsa AAAA").ok());
  EXPECT_FALSE(parseAuthorizedKeyLine("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5").ok());
}

TEST(CertificateTest, SignedBodyVerifiesOverItsExactBytes) {
  const crypto::Ed25519KeyPair ca = newKey(), subject = newKey();
  const wire::CertificateSigned cert = issueFor("str:alice", subject, ca);
  EXPECT_EQ(cert.ca_key_id(), keyIdOf(ca.publicKey()));
  EXPECT_EQ(cert.ca_signature().size(), 64u);
  EXPECT_FALSE(cert.has_private_key_data());
  EXPECT_TRUE(verifyCaSignature(cert, ca.publicKey()).ok());

  auto body = parseCertificateBody(cert);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->identity_string(), "str:alice");
  EXPECT_EQ(body->time_expiry(), 1800000000u);
  ASSERT_EQ(body->app_ids_size(), 1);
  EXPECT_EQ(body->app_ids(0), 0u);
  EXPECT_EQ(*certificatePublicKey(*body), subject.publicKey());

  // Another CA key, a flipped body byte, a short signature: all refused.
  EXPECT_FALSE(verifyCaSignature(cert, newKey().publicKey()).ok());
  wire::CertificateSigned tampered = cert;
  std::string bytes = tampered.cert();
  bytes.back() ^= 1;
  tampered.set_cert(bytes);
  EXPECT_FALSE(verifyCaSignature(tampered, ca.publicKey()).ok());
  wire::CertificateSigned short_sig = cert;
  short_sig.set_ca_signature(cert.ca_signature().substr(0, 63));
  EXPECT_FALSE(verifyCaSignature(short_sig, ca.publicKey()).ok());
  wire::CertificateSigned unsigned_cert;
  unsigned_cert.set_cert(cert.cert());
  EXPECT_FALSE(verifyCaSignature(unsigned_cert, ca.publicKey()).ok());
}

TEST(CertificateTest, IssuerRefusesLocalhostAndEmbedsOnlyTheMatchingKey) {
  const crypto::Ed25519KeyPair ca = newKey(), subject = newKey();
  CertificateToIssue what;
  what.subject_key = subject.publicKey();
  what.identity = NetworkingIdentity::localHost();
  EXPECT_FALSE(issueCertificate(what, ca).ok());

  const wire::CertificateSigned cert = issueFor("str:bob", subject, ca);
  EXPECT_FALSE(withPrivateKey(cert, newKey()).ok());
  auto with_key = withPrivateKey(cert, subject);
  ASSERT_TRUE(with_key.ok());
  auto raw = subject.privateKey();
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(with_key->private_key_data(), std::string(raw->data(), raw->data() + raw->size()));
  EXPECT_EQ(with_key->cert(), cert.cert());
}

TEST(CertificateTest, PemRoundTripAndGnsLayout) {
  const crypto::Ed25519KeyPair ca = newKey(), subject = newKey();
  const wire::CertificateSigned cert = issueFor("str:alice", subject, ca);
  const std::string pem = certificateToPem(cert);
  EXPECT_EQ(pem.rfind("-----BEGIN STEAMDATAGRAM CERT-----\n", 0), 0u);
  EXPECT_NE(pem.find("\n-----END STEAMDATAGRAM CERT-----\n"), std::string::npos);
  // 72-character body lines, the last one shorter.
  size_t line_start = pem.find('\n') + 1;
  size_t lines = 0;
  while (pem.compare(line_start, 5, "-----") != 0) {
    const size_t end = pem.find('\n', line_start);
    EXPECT_LE(end - line_start, kPemLineLength);
    if (pem.compare(end + 1, 5, "-----") != 0) {
      EXPECT_EQ(end - line_start, kPemLineLength);
    }
    line_start = end + 1;
    ++lines;
  }
  EXPECT_GE(lines, 2u);

  auto back = certificateFromPem(pem);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), cert.SerializeAsString());
  EXPECT_TRUE(looksLikePem(asBytes("  \n-----BEGIN")));
  EXPECT_FALSE(looksLikePem(asBytes(cert.SerializeAsString())));
}

// crypto.md §6.4: the tolerant reader.
TEST(CertificateTest, PemReaderIsTolerantAsGns) {
  const crypto::Ed25519KeyPair ca = newKey(), subject = newKey();
  const wire::CertificateSigned cert = issueFor("str:alice", subject, ca);
  std::string bytes = cert.SerializeAsString();
  const std::string b64 = base64Encode(asBytes(bytes));
  const std::string body = b64.substr(0, 10) + "\r\n \t" + b64.substr(10);
  for (const std::string& text : {
           "\n  ---BEGIN steamdatagram cert (v1)---\n" + body +
               "\n--- end STEAMDATAGRAM CERT -\ntrailing",
           "-----BEGIN STEAMDATAGRAM CERT-----" + b64 + "-----END STEAMDATAGRAM CERT-----",
       }) {
    auto parsed = certificateFromPem(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
    EXPECT_EQ(parsed->cert(), cert.cert());
  }
  for (const std::string& bad : {
           std::string("BEGIN STEAMDATAGRAM CERT-----\n") + b64 +
               "\n-----END STEAMDATAGRAM CERT-----",
           "-----BEGIN OPENSSH PRIVATE KEY-----\n" + b64 + "\n-----END OPENSSH PRIVATE KEY-----",
           "-----BEGIN STEAMDATAGRAM CERT\n-----\n" + b64 + "\n-----END STEAMDATAGRAM CERT-----",
           "-----BEGIN STEAMDATAGRAM CERT-----\n" + b64 + "!\n-----END STEAMDATAGRAM CERT-----",
           "-----BEGIN STEAMDATAGRAM CERT-----\n" + b64,
           "-----BEGIN STEAMDATAGRAM CERT-----\n" + base64Encode(asBytes("hello")) +
               "\n-----END STEAMDATAGRAM CERT-----",
       }) {
    EXPECT_FALSE(certificateFromPem(bad).ok()) << bad;
  }
}

TEST(CertificateTest, ScopesIntersect) {
  const IdScope all;
  const IdScope a = std::vector<uint32_t>{1, 2};
  const IdScope b = std::vector<uint32_t>{2, 3};
  EXPECT_TRUE(scopeAllows(all, 7));
  EXPECT_EQ(intersectScopes(all, a), a);
  EXPECT_EQ(intersectScopes(a, all), a);
  EXPECT_EQ(intersectScopes(a, b), (IdScope{std::vector<uint32_t>{2}}));
  const IdScope none = intersectScopes(a, IdScope{std::vector<uint32_t>{9}});
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(scopeAllows(none, 1));
  EXPECT_FALSE(scopeAllows(none, 9));
}

// crypto.md §3.3: in every recorded session the crypt info of ConnectRequest and ConnectOK
// is signed by the key of the (unsigned) cert in the same packet, and not by the other's.
TEST(CertificateTest, RecordedCryptInfoSignaturesVerifyWithTheirCertKeys) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : testing::udpSessionNames()) {
    SCOPED_TRACE(session);
    testing_util::RecordedHandshake hs;
    ASSERT_NO_FATAL_FAILURE(testing_util::loadRecordedHandshake(session, &hs));
    auto client_cert = parseCertificateBody(hs.request.cert());
    auto server_cert = parseCertificateBody(hs.ok.cert());
    ASSERT_TRUE(client_cert.ok() && server_cert.ok());
    EXPECT_FALSE(hs.request.cert().has_ca_signature());  // the recorded certs are unsigned
    EXPECT_FALSE(hs.ok.cert().has_ca_signature());
    for (const auto& [crypt, cert, other] :
         {std::tuple{hs.request.crypt(), *client_cert, *server_cert},
          std::tuple{hs.ok.crypt(), *server_cert, *client_cert}}) {
      EXPECT_TRUE(crypto::ed25519Verify(asBytes(cert.key_data()), asBytes(crypt.info()),
                                        asBytes(crypt.signature()))
                      .ok());
      EXPECT_TRUE(verifyPeerCryptInfo(crypt, cert).ok());
      EXPECT_FALSE(crypto::ed25519Verify(asBytes(other.key_data()), asBytes(crypt.info()),
                                         asBytes(crypt.signature()))
                       .ok());
    }
  }
}

}  // namespace
}  // namespace opengns::connection
