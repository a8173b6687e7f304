#include "crypto/key_schedule.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace opengns::crypto {
namespace {

using opengns::testing::hexBytes;
using opengns::testing::keylogSessionNames;
using opengns::testing::loadJson;
using opengns::testing::loadJsonLines;
using opengns::testing::vectorsDir;

uint64_t decimalU64(const nlohmann::json& j) {
  return std::stoull(j.get<std::string>());
}

// Owns the byte strings a HandshakeSide borrows.
struct SideBytes {
  Bytes cert, crypt;
  HandshakeSide side(uint32_t cid, uint64_t nonce) const { return {cid, nonce, cert, crypt}; }
};

// Every step of crypto.md §4 from the vector's `inputs`, against `intermediate` and
// `outputs`, for all three recorded sessions.
TEST(KeyScheduleTest, ReproducesEveryStepOfKdfVectors) {
  OPENGNS_REQUIRE_SHARED();
  auto doc = loadJson(vectorsDir() / "kdf_vectors.json");
  ASSERT_EQ(doc["vectors"].size(), 3u);
  for (const auto& v : doc["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const auto& in = v["inputs"];
    const auto& mid = v["intermediate"];
    const auto& out = v["outputs"];
    ASSERT_EQ(in["label_ascii"].get<std::string>(), std::string(kExpandLabel));

    auto client_key = X25519KeyPair::fromPrivateKey(hexBytes(in["client_x25519_private"]));
    ASSERT_TRUE(client_key.ok());
    auto raw = client_key->sharedSecret(hexBytes(in["server_x25519_public"]));
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(toHex(raw->span()), mid["x25519_raw_shared_secret"]);

    SideBytes client{hexBytes(in["client_cert"]), hexBytes(in["client_crypt_info"])};
    SideBytes server{hexBytes(in["server_cert"]), hexBytes(in["server_crypt_info"])};
    HandshakeTranscript transcript{
        client.side(in["client_connection_id"], decimalU64(in["client_nonce"])),
        server.side(in["server_connection_id"], decimalU64(in["server_nonce"]))};

    KeyScheduleTrace trace;
    auto keys = deriveSessionKeys(*raw, transcript, &trace);
    ASSERT_TRUE(keys.ok()) << keys.status();
    EXPECT_EQ(toHex(trace.premaster.span()), mid["premaster"]);
    EXPECT_EQ(toHex(trace.salt), mid["salt"]);
    EXPECT_EQ(toHex(trace.prk.span()), mid["prk"]);
    EXPECT_EQ(toHex(trace.expand_info), mid["expand_info"]);
    EXPECT_EQ(trace.expand_info.size(), 256u);  // §4.6: 8 + 14 + 68 + 68 + 49 + 49
    EXPECT_EQ(toHex(buildExpandInfo(transcript)), mid["expand_info"]);

    // T1..T4 as defined in §4.4, and the outputs cut from them.
    EXPECT_EQ(toHex(trace.t[0].span()), out["key_client_to_server"]);
    EXPECT_EQ(toHex(trace.t[1].span()), out["key_server_to_client"]);
    EXPECT_EQ(toHex(trace.t[2].span().first(kAesGcmIvBytes)), out["iv_client_to_server"]);
    EXPECT_EQ(toHex(trace.t[3].span().first(kAesGcmIvBytes)), out["iv_server_to_client"]);
    EXPECT_EQ(toHex(keys->key_client_to_server.span()), out["key_client_to_server"]);
    EXPECT_EQ(toHex(keys->key_server_to_client.span()), out["key_server_to_client"]);
    EXPECT_EQ(toHex(keys->iv_client_to_server), out["iv_client_to_server"]);
    EXPECT_EQ(toHex(keys->iv_server_to_client), out["iv_server_to_client"]);
  }
}

// §7.2: the worked example's full T3 and T4 (the 20 discarded bytes included).
TEST(KeyScheduleTest, WorkedExampleFullT3T4) {
  OPENGNS_REQUIRE_SHARED();
  auto doc = loadJson(vectorsDir() / "kdf_vectors.json");
  const auto& v = doc["vectors"][0];
  ASSERT_EQ(v["name"], "encrypted_session");
  const auto& in = v["inputs"];
  auto server_key = X25519KeyPair::fromPrivateKey(hexBytes(in["server_x25519_private"]));
  ASSERT_TRUE(server_key.ok());
  SideBytes client{hexBytes(in["client_cert"]), hexBytes(in["client_crypt_info"])};
  SideBytes server{hexBytes(in["server_cert"]), hexBytes(in["server_crypt_info"])};
  HandshakeTranscript transcript{
      client.side(in["client_connection_id"], decimalU64(in["client_nonce"])),
      server.side(in["server_connection_id"], decimalU64(in["server_nonce"]))};
  KeyScheduleTrace trace;
  auto keys = deriveEndpointKeys(Role::kServer, *server_key, hexBytes(in["client_x25519_public"]),
                                 transcript, &trace);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(toHex(trace.t[2].span()),
            "8a5cfe00f045ef416608508d99a2930ed416acacd9b9b74a9936cbf01b494697");
  EXPECT_EQ(toHex(trace.t[3].span()),
            "a87abc5916e58b02e0937b99253c99bea07b81ad2ea5785e0033de3a30623f3b");
}

// Each endpoint's keylog line: from its own private key, the remote public key and the
// local/remote handshake values, derive the keys from its point of view.
TEST(KeyScheduleTest, ReproducesBothEndpointsOfEveryKeylog) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : keylogSessionNames()) {
    auto lines = loadJsonLines(vectorsDir() / (session + ".keylog.jsonl"));
    ASSERT_EQ(lines.size(), 2u) << session;
    std::map<std::string, EndpointKeys> by_role;
    for (const auto& e : lines) {
      const std::string role_name = e["role"];
      SCOPED_TRACE(session + " " + role_name);
      ASSERT_TRUE(role_name == "client" || role_name == "server");
      const Role role = role_name == "client" ? Role::kClient : Role::kServer;

      auto own = X25519KeyPair::fromPrivateKey(hexBytes(e["x25519_private_local"]));
      ASSERT_TRUE(own.ok());
      EXPECT_EQ(toHex(own->publicKey()), e["x25519_public_local"]);
      SideBytes local{hexBytes(e["cert_local"]), hexBytes(e["crypt_info_local"])};
      SideBytes remote{hexBytes(e["cert_remote"]), hexBytes(e["crypt_info_remote"])};
      HandshakeTranscript transcript =
          transcriptFor(role, local.side(e["connection_id_local"], decimalU64(e["nonce_local"])),
                        remote.side(e["connection_id_remote"], decimalU64(e["nonce_remote"])));

      KeyScheduleTrace trace;
      auto keys =
          deriveEndpointKeys(role, *own, hexBytes(e["x25519_public_remote"]), transcript, &trace);
      ASSERT_TRUE(keys.ok()) << keys.status();
      EXPECT_EQ(toHex(trace.premaster.span()), e["premaster_shared_secret"]);
      EXPECT_EQ(toHex(trace.salt), e["hkdf_salt"]);
      EXPECT_EQ(toHex(trace.prk.span()), e["hkdf_prk"]);
      EXPECT_EQ(toHex(trace.expand_info), e["expand_context"]);
      EXPECT_EQ(toHex(keys->send_key.span()), e["key_send"]);
      EXPECT_EQ(toHex(keys->recv_key.span()), e["key_recv"]);
      EXPECT_EQ(toHex(keys->send_iv), e["iv_send"]);
      EXPECT_EQ(toHex(keys->recv_iv), e["iv_recv"]);
      by_role.emplace(role_name, *keys);
    }
    ASSERT_EQ(by_role.size(), 2u);
    const EndpointKeys& c = by_role.at("client");
    const EndpointKeys& s = by_role.at("server");
    EXPECT_TRUE(c.send_key == s.recv_key) << session;
    EXPECT_TRUE(c.recv_key == s.send_key) << session;
    EXPECT_EQ(c.send_iv, s.recv_iv) << session;
    EXPECT_EQ(c.recv_iv, s.send_iv) << session;
    EXPECT_FALSE(c.send_key == c.recv_key) << session;
  }
}

// Two fresh endpoints agree, and every transcript input changes the keys.
TEST(KeyScheduleTest, FreshHandshakeAgreesAndEveryInputMatters) {
  auto client_key = X25519KeyPair::generate();
  auto server_key = X25519KeyPair::generate();
  ASSERT_TRUE(client_key.ok() && server_key.ok());
  SideBytes client{Bytes(68, 0xc1), Bytes(49, 0xc2)};
  SideBytes server{Bytes(68, 0x51), Bytes(49, 0x52)};
  HandshakeSide c = client.side(0x11223344, 0x0102030405060708ull);
  HandshakeSide s = server.side(0x55667788, 0x1112131415161718ull);

  auto at_client = deriveEndpointKeys(Role::kClient, *client_key, server_key->publicKey(),
                                      transcriptFor(Role::kClient, c, s));
  auto at_server = deriveEndpointKeys(Role::kServer, *server_key, client_key->publicKey(),
                                      transcriptFor(Role::kServer, s, c));
  ASSERT_TRUE(at_client.ok() && at_server.ok());
  EXPECT_TRUE(at_client->send_key == at_server->recv_key);
  EXPECT_TRUE(at_client->recv_key == at_server->send_key);
  EXPECT_EQ(at_client->send_iv, at_server->recv_iv);
  EXPECT_EQ(at_client->recv_iv, at_server->send_iv);

  auto raw = client_key->sharedSecret(server_key->publicKey());
  ASSERT_TRUE(raw.ok());
  auto base = deriveSessionKeys(*raw, {c, s});
  ASSERT_TRUE(base.ok());
  Bytes other_cert(68, 0xc1);
  other_cert[67] ^= 1;
  Bytes other_crypt(49, 0x52);
  other_crypt[0] ^= 1;
  std::vector<HandshakeTranscript> variants;
  for (int i = 0; i < 7; ++i)
    variants.push_back({c, s});
  variants[0].client.nonce ^= 1;
  variants[1].server.nonce ^= 1ull << 63;
  variants[2].client.connection_id ^= 1;
  variants[3].server.connection_id ^= 0x80000000u;
  variants[4].client.cert_body = other_cert;
  variants[5].server.crypt_info = other_crypt;
  variants[6] = {s, c};  // roles swapped
  for (size_t i = 0; i < variants.size(); ++i) {
    auto k = deriveSessionKeys(*raw, variants[i]);
    ASSERT_TRUE(k.ok());
    EXPECT_FALSE(k->key_client_to_server == base->key_client_to_server) << "variant " << i;
    EXPECT_NE(k->iv_server_to_client, base->iv_server_to_client) << "variant " << i;
  }
}

TEST(KeyScheduleTest, LowOrderPeerKeyFailsTheHandshake) {
  auto own = X25519KeyPair::generate();
  ASSERT_TRUE(own.ok());
  auto keys = deriveEndpointKeys(Role::kClient, *own, Bytes(32, 0), HandshakeTranscript{});
  EXPECT_FALSE(keys.ok());
  EXPECT_FALSE(deriveEndpointKeys(Role::kClient, *own, Bytes(5, 1), HandshakeTranscript{}).ok());
}

}  // namespace
}  // namespace opengns::crypto
