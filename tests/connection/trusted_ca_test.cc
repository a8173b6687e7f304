#include "connection/trusted_ca.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "connection/certificate_issuer.h"

namespace opengns::connection {
namespace {

constexpr int64_t kNow = 1750000000;
constexpr uint32_t kApp = 0;

crypto::Ed25519KeyPair newKey() {
  auto key = crypto::Ed25519KeyPair::generate();
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

wire::CertificateSigned issue(const crypto::Ed25519PublicKey& subject,
                              const crypto::Ed25519KeyPair& ca, const char* identity = "str:alice",
                              int64_t expiry = kNow + 3600, std::vector<uint32_t> apps = {0}) {
  CertificateToIssue what;
  what.subject_key = subject;
  if (identity != nullptr) what.identity = NetworkingIdentity::parse(identity);
  what.app_ids = std::move(apps);
  what.time_created_sec = kNow - 60;
  what.time_expiry_sec = expiry;
  auto issued = issueCertificate(what, ca);
  EXPECT_TRUE(issued.ok()) << issued.status();
  return *std::move(issued);
}

std::string keyEntry(const crypto::Ed25519PublicKey& key) {
  return absl::StrCat("ID", keyIdOf(key), ":", base64Encode(key));
}

std::string certEntry(const wire::CertificateSigned& cert) {
  return base64Encode(asBytes(cert.SerializeAsString()));
}

TEST(TrustStoreTest, RootKeyEntryVerifiesItsCerts) {
  const crypto::Ed25519KeyPair ca = newKey(), other_ca = newKey(), leaf = newKey();
  TrustStore store;
  EXPECT_TRUE(store.empty());
  ASSERT_TRUE(store.addList(" " + keyEntry(ca.publicKey()) + " ,").ok());
  EXPECT_FALSE(store.empty());

  auto verified = store.verify(issue(leaf.publicKey(), ca), kNow, kApp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->body.identity_string(), "str:alice");
  EXPECT_EQ(verified->ca_key_id, keyIdOf(ca.publicKey()));

  // Wrong CA, unsigned, expired (exactly now is still fine), tampered bytes.
  EXPECT_FALSE(store.verify(issue(leaf.publicKey(), other_ca), kNow, kApp).ok());
  wire::CertificateSigned unsigned_cert;
  unsigned_cert.set_cert(issue(leaf.publicKey(), ca).cert());
  EXPECT_FALSE(store.verify(unsigned_cert, kNow, kApp).ok());
  EXPECT_TRUE(store.verify(issue(leaf.publicKey(), ca, "str:a", kNow), kNow, kApp).ok());
  EXPECT_FALSE(store.verify(issue(leaf.publicKey(), ca, "str:a", kNow - 1), kNow, kApp).ok());
  wire::CertificateSigned tampered = issue(leaf.publicKey(), ca);
  std::string bytes = tampered.cert();
  bytes[bytes.size() - 2] ^= 0x20;
  tampered.set_cert(bytes);
  EXPECT_FALSE(store.verify(tampered, kNow, kApp).ok());

  // Revoked subject key and revoked CA key.
  TrustStore revoking = store;
  revoking.revokeKey(keyIdOf(leaf.publicKey()));
  EXPECT_FALSE(revoking.verify(issue(leaf.publicKey(), ca), kNow, kApp).ok());
  revoking = store;
  revoking.revokeKey(keyIdOf(ca.publicKey()));
  EXPECT_FALSE(revoking.verify(issue(newKey().publicKey(), ca), kNow, kApp).ok());
}

TEST(TrustStoreTest, MalformedEntriesAreRefusedAndGoodOnesKept) {
  const crypto::Ed25519KeyPair ca = newKey(), other = newKey();
  TrustStore store;
  const std::string wrong_id =
      absl::StrCat("ID", keyIdOf(other.publicKey()), ":", base64Encode(ca.publicKey()));
  for (const std::string& bad :
       {std::string("ID12:"), std::string("IDx:AAAA"), wrong_id, std::string("not base64!"),
        base64Encode(asBytes("garbage")), std::string("ID5")}) {
    EXPECT_FALSE(store.addEntry(bad).ok()) << bad;
  }
  EXPECT_TRUE(store.empty());
  EXPECT_FALSE(store.addList("IDbad:xx," + keyEntry(ca.publicKey())).ok());
  EXPECT_TRUE(store.verify(issue(newKey().publicKey(), ca), kNow, kApp).ok());
}

TEST(TrustStoreTest, SelfSignedRootAndIntermediateChain) {
  const crypto::Ed25519KeyPair root = newKey(), inter = newKey(), leaf = newKey();
  // A self-signed root cert needs an expiry; the intermediate is scoped to apps 0 and 7.
  const wire::CertificateSigned root_cert = issue(root.publicKey(), root, nullptr, kNow + 7200, {});
  const wire::CertificateSigned inter_cert =
      issue(inter.publicKey(), root, nullptr, kNow + 3600, {0, 7});
  TrustStore store;
  // Order does not matter: the intermediate first.
  ASSERT_TRUE(store.addList(certEntry(inter_cert) + "," + certEntry(root_cert)).ok());
  auto verified = store.verify(issue(leaf.publicKey(), inter), kNow, kApp);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->app_scope, (IdScope{std::vector<uint32_t>{0, 7}}));
  // App 9 is outside the intermediate's scope.
  EXPECT_FALSE(store.verify(issue(leaf.publicKey(), inter, "str:a", kNow + 60, {9}), kNow, 9).ok());
  // The intermediate expired: its chain is no longer trusted.
  EXPECT_FALSE(store.verify(issue(leaf.publicKey(), inter), kNow + 3601, kApp).ok());

  // Without the root, the intermediate alone proves nothing.
  TrustStore lonely;
  ASSERT_TRUE(lonely.addEntry(certEntry(inter_cert)).ok());
  EXPECT_FALSE(lonely.verify(issue(leaf.publicKey(), inter), kNow, kApp).ok());

  // A root cert without expiry, or with a bad self-signature, is refused.
  TrustStore strict;
  EXPECT_FALSE(strict.addCaCertificate(issue(root.publicKey(), root, nullptr, 0, {})).ok());
  wire::CertificateSigned forged = root_cert;
  forged.set_ca_signature(std::string(64, '\1'));
  EXPECT_FALSE(strict.addCaCertificate(forged).ok());
}

TEST(TrustStoreTest, CyclesAreRefused) {
  const crypto::Ed25519KeyPair a = newKey(), b = newKey(), leaf = newKey();
  TrustStore store;
  ASSERT_TRUE(store.addCaCertificate(issue(a.publicKey(), b, nullptr)).ok());
  ASSERT_TRUE(store.addCaCertificate(issue(b.publicKey(), a, nullptr)).ok());
  auto verified = store.verify(issue(leaf.publicKey(), a), kNow, kApp);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.status().message().find("cycle"), std::string::npos) << verified.status();
}

}  // namespace
}  // namespace opengns::connection
