#include "crypto/x25519.h"

#include <gtest/gtest.h>

#include "crypto/kat_files.h"
#include "support/vectors.h"

namespace opengns::crypto {
namespace {

using opengns::testing::hexBytes;

const std::string kBasePointHex =
    "0900000000000000000000000000000000000000000000000000000000000000";

// RFC 7748 §5.2 single-step vectors: scalar × u-coordinate.
TEST(X25519Test, MatchesRfc7748) {
  OPENGNS_REQUIRE_KAT_DIR();
  auto records = testing::readKatRecords(testing::katDir() / "asymmetric/X25519/rfc7748.txt");
  ASSERT_GE(records.size(), 3u);
  int base_point_cases = 0;
  for (const auto& r : records) {
    auto pair = X25519KeyPair::fromPrivateKey(r.bytes("INPUT_SCALAR"));
    ASSERT_TRUE(pair.ok()) << pair.status();
    auto shared = pair->sharedSecret(r.bytes("INPUT_U"));
    ASSERT_TRUE(shared.ok()) << shared.status();
    EXPECT_EQ(toHex(shared->span()), r.at("OUTPUT_U")) << "COUNT = " << r.at("COUNT");
    if (r.at("INPUT_U") == kBasePointHex) {
      // scalar × base point is the public key.
      EXPECT_EQ(toHex(pair->publicKey()), r.at("OUTPUT_U"));
      ++base_point_cases;
    }
  }
  EXPECT_GE(base_point_cases, 1);
}

TEST(X25519Test, RecordedKeysGiveRecordedPublicKeysAndSecret) {
  OPENGNS_REQUIRE_SHARED();
  auto vectors = opengns::testing::loadJson(opengns::testing::vectorsDir() / "kdf_vectors.json");
  ASSERT_EQ(vectors["vectors"].size(), 3u);
  for (const auto& v : vectors["vectors"]) {
    const auto& in = v["inputs"];
    auto client = X25519KeyPair::fromPrivateKey(hexBytes(in["client_x25519_private"]));
    auto server = X25519KeyPair::fromPrivateKey(hexBytes(in["server_x25519_private"]));
    ASSERT_TRUE(client.ok() && server.ok());
    EXPECT_EQ(toHex(client->publicKey()), in["client_x25519_public"]);
    EXPECT_EQ(toHex(server->publicKey()), in["server_x25519_public"]);
    auto from_client = client->sharedSecret(server->publicKey());
    auto from_server = server->sharedSecret(client->publicKey());
    ASSERT_TRUE(from_client.ok() && from_server.ok());
    EXPECT_EQ(toHex(from_client->span()), v["intermediate"]["x25519_raw_shared_secret"]);
    EXPECT_TRUE(*from_client == *from_server);
  }
}

TEST(X25519Test, GeneratedPairsAgreeAndDiffer) {
  auto a = X25519KeyPair::generate();
  auto b = X25519KeyPair::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->publicKey(), b->publicKey());
  auto ab = a->sharedSecret(b->publicKey());
  auto ba = b->sharedSecret(a->publicKey());
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_TRUE(*ab == *ba);

  // The exported private key rebuilds the same pair.
  auto raw = a->privateKey();
  ASSERT_TRUE(raw.ok());
  auto again = X25519KeyPair::fromPrivateKey(raw->span());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->publicKey(), a->publicKey());
}

TEST(X25519Test, RejectsWrongSizes) {
  auto a = X25519KeyPair::generate();
  ASSERT_TRUE(a.ok());
  auto short_peer = a->sharedSecret(Bytes(31, 9));
  ASSERT_FALSE(short_peer.ok());
  EXPECT_NE(short_peer.status().message().find("31 bytes"), std::string::npos)
      << short_peer.status();
  EXPECT_FALSE(a->sharedSecret(Bytes(33, 9)).ok());
  EXPECT_FALSE(a->sharedSecret({}).ok());
  EXPECT_FALSE(X25519KeyPair::fromPrivateKey(Bytes(16, 1)).ok());
}

// crypto.md §4.2: a peer key that yields an all-zero shared secret is refused. u = 0
// and u = 1 are points of small order (RFC 7748 §6.1), so every scalar maps them to 0.
TEST(X25519Test, RejectsLowOrderPeerKeys) {
  auto a = X25519KeyPair::generate();
  ASSERT_TRUE(a.ok());
  Bytes zero(32, 0);
  Bytes one(32, 0);
  one[0] = 1;
  for (const Bytes& peer : {zero, one}) {
    auto shared = a->sharedSecret(peer);
    ASSERT_FALSE(shared.ok()) << "peer " << toHex(peer);
    EXPECT_NE(shared.status().message().find(toHex(peer)), std::string::npos) << shared.status();
  }
  // The pair still works after a refused exchange.
  auto b = X25519KeyPair::generate();
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(a->sharedSecret(b->publicKey()).ok());
}

}  // namespace
}  // namespace opengns::crypto
