// The recorded keylog sessions end to end: the ConnectRequest and ConnectOK from the
// capture go through our server-side and client-side processing with the logged X25519
// private key of that side; the derived keys, the cipher and the peer identity must equal
// what GNS logged, and the resulting PacketCipher must open every recorded data packet.
#include <gtest/gtest.h>

#include "connection/cipher_negotiation.h"
#include "connection/handshake_crypto.h"
#include "recorded_handshake.h"
#include "support/vectors.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;
using testing::hexBytes;
using testing::vectorsDir;
using testing_util::loadRecordedHandshake;
using testing_util::RecordedHandshake;

nlohmann::json keylogLine(const std::string& session, const std::string& role) {
  for (const auto& line : testing::loadJsonLines(vectorsDir() / (session + ".keylog.jsonl"))) {
    if (line["role"] == role) return line;
  }
  ADD_FAILURE() << session << ": no keylog line for " << role;
  return {};
}

// The Unencrypted value a side used (app_messages listen/connect events); chat_session
// logs none and ran with the default, 0 (vectors/README.md).
int unencryptedOf(const std::string& session, const std::string& event) {
  auto doc = testing::loadJson(vectorsDir() / (session + ".app_messages.json"));
  for (const auto& e : doc["app_events"]) {
    if (e["event"] == event && e.contains("unencrypted_cfg")) return e["unencrypted_cfg"];
  }
  return kUnencryptedForbidden;
}

// Connected-state info flags a side reported, without Fast (8), which the connection adds.
std::optional<int> connectedFlagsOf(const std::string& session, const std::string& side) {
  auto doc = testing::loadJson(vectorsDir() / (session + ".app_messages.json"));
  for (const auto& e : doc["app_events"]) {
    if (e["event"] == "status" && e["side"] == side && e["new_state"] == 3) {
      return e["info_flags"].get<int>() & ~kConnectionInfoFlagFast;
    }
  }
  return std::nullopt;
}

void expectKeysEqualLog(const crypto::EndpointKeys& keys, const nlohmann::json& log) {
  EXPECT_EQ(toHex(keys.send_key.span()), log["key_send"]);
  EXPECT_EQ(toHex(keys.recv_key.span()), log["key_recv"]);
  EXPECT_EQ(toHex(keys.send_iv), log["iv_send"]);
  EXPECT_EQ(toHex(keys.recv_iv), log["iv_recv"]);
}

uint64_t nonceOf(const wire::SessionCryptInfoSigned& crypt) {
  wire::SessionCryptInfo info;
  EXPECT_TRUE(info.ParseFromString(crypt.info()));
  return info.nonce();
}

std::vector<CipherId> ciphersOf(const wire::SessionCryptInfoSigned& crypt) {
  wire::SessionCryptInfo info;
  EXPECT_TRUE(info.ParseFromString(crypt.info()));
  std::vector<CipherId> list;
  for (int c : info.ciphers())
    list.push_back(static_cast<CipherId>(c));
  return list;
}

// Opens every recorded data packet of one direction with `cipher`.
void expectOpensRecordedPackets(const std::string& session, const std::string& direction,
                                crypto::PacketCipher& cipher) {
  auto doc = testing::loadJson(vectorsDir() / (session + ".packets.json"));
  int opened = 0;
  for (const auto& p : doc["packets"]) {
    if (p["kind"] != "data" || p["direction"] != direction || p["plaintext_hex"].is_null())
      continue;
    const Bytes payload = hexBytes(p["udp_payload_hex"]);
    const ByteSpan chunk = ByteSpan(payload).subspan(p["chunk_offset"].get<size_t>());
    Bytes out(chunk.size());
    auto plain = cipher.decryptChunk(p["full_packet_number"].get<uint64_t>(), chunk, out);
    ASSERT_TRUE(plain.ok()) << session << " idx " << p["index"] << ": " << plain.status();
    EXPECT_EQ(toHex(*plain), p["plaintext_hex"]) << "idx " << p["index"];
    ++opened;
  }
  EXPECT_GT(opened, 0) << direction;
}

class HandshakeVectorsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HandshakeVectorsTest, ServerSideReproducesLoggedKeys) {
  OPENGNS_REQUIRE_SHARED();
  const std::string session = GetParam();
  RecordedHandshake hs;
  ASSERT_NO_FATAL_FAILURE(loadRecordedHandshake(session, &hs));
  const nlohmann::json log = keylogLine(session, "server");

  // Arrival of the ConnectRequest (both sides ran with IP_AllowWithoutAuth = 2).
  AuthPolicy policy;
  HandshakeOr<VerifiedPeer> client = checkConnectRequest(hs.request, hs.client_address, policy);
  ASSERT_TRUE(client.ok()) << client.error().debug;
  // ip:::1 in the cert, replaced by the client's real address and port (crypto.md §1.3).
  EXPECT_EQ(client->identity.toString(), "ip:" + hs.client_address.toString());
  EXPECT_EQ(toHex(client->crypt.fields.key_data), log["x25519_public_remote"]);
  EXPECT_EQ(std::to_string(client->crypt.fields.nonce), log["nonce_remote"]);
  EXPECT_EQ(toHex(client->cert_body), log["cert_remote"]);
  EXPECT_EQ(toHex(client->crypt.info_bytes), log["crypt_info_remote"]);

  // Accept: negotiation from the server's own Unencrypted value.
  HandshakeOr<CipherId> cipher = chooseCipherAsServer(
      cipherListForUnencrypted(unencryptedOf(session, "listen")), client->crypt.fields.ciphers);
  ASSERT_TRUE(cipher.ok()) << cipher.error().debug;
  EXPECT_EQ(static_cast<int>(*cipher), log["negotiated_cipher"].get<int>());
  EXPECT_EQ(ciphersOf(hs.ok.crypt()), std::vector<CipherId>{*cipher});  // what GNS answered

  // Our own material as GNS sent it in the ConnectOK, with the logged private key.
  auto key = crypto::X25519KeyPair::fromPrivateKey(hexBytes(log["x25519_private_local"]));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(toHex(key->publicKey()), log["x25519_public_local"]);
  const OwnHandshakeMaterial own{&*key, hs.ok.server_connection_id(), nonceOf(hs.ok.crypt()),
                                 asBytes(hs.ok.cert().cert()), asBytes(hs.ok.crypt().info())};
  EXPECT_EQ(own.connection_id, log["connection_id_local"].get<uint32_t>());
  HandshakeOr<HandshakeResult> result = deriveSession(
      crypto::Role::kServer, own, hs.request.client_connection_id(), *client, *cipher);
  ASSERT_TRUE(result.ok()) << result.error().debug;
  expectKeysEqualLog(result->keys, log);
  EXPECT_EQ(result->cipher, *cipher);
  EXPECT_EQ(result->peer_protocol_version, 13u);
  EXPECT_FALSE(result->peer_authenticated);
  if (auto flags = connectedFlagsOf(session, "server")) {
    EXPECT_EQ(result->info_flags, *flags);
  }
  expectOpensRecordedPackets(session, "c2s", result->packet_cipher);
}

TEST_P(HandshakeVectorsTest, ClientSideReproducesLoggedKeys) {
  OPENGNS_REQUIRE_SHARED();
  const std::string session = GetParam();
  RecordedHandshake hs;
  ASSERT_NO_FATAL_FAILURE(loadRecordedHandshake(session, &hs));
  const nlohmann::json log = keylogLine(session, "client");

  auto key = crypto::X25519KeyPair::fromPrivateKey(hexBytes(log["x25519_private_local"]));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(toHex(key->publicKey()), log["x25519_public_local"]);
  ClientHandshakeContext context;
  context.server_address = hs.server_address;
  context.challenge_reply_version = hs.challenge_reply.protocol_version();
  context.own_ciphers = ciphersOf(hs.request.crypt());
  EXPECT_EQ(context.own_ciphers, cipherListForUnencrypted(unencryptedOf(session, "connect")));
  context.own =
      OwnHandshakeMaterial{&*key, hs.request.client_connection_id(), nonceOf(hs.request.crypt()),
                           asBytes(hs.request.cert().cert()), asBytes(hs.request.crypt().info())};

  HandshakeOr<HandshakeResult> result = processConnectOK(hs.ok, context);
  ASSERT_TRUE(result.ok()) << result.error().debug;
  expectKeysEqualLog(result->keys, log);
  EXPECT_EQ(static_cast<int>(result->cipher), log["negotiated_cipher"].get<int>());
  EXPECT_EQ(result->peer_identity.toString(), "ip:" + hs.server_address.toString());
  EXPECT_EQ(result->peer_protocol_version, 13u);
  if (auto flags = connectedFlagsOf(session, "client")) {
    EXPECT_EQ(result->info_flags, *flags);
  }
  expectOpensRecordedPackets(session, "s2c", result->packet_cipher);
}

INSTANTIATE_TEST_SUITE_P(Keylogs, HandshakeVectorsTest,
                         ::testing::Values("unencrypted_session", "encrypted_session",
                                           "chat_session"),
                         [](const auto& info) { return info.param; });

// The recorded ConnectRequests of every UDP session pass the server's arrival checks and
// their ConnectOKs the client's checks up to the keys (no keylog: keys cannot be compared).
TEST(HandshakeVectorsAllSessionsTest, RecordedPeersPassOurChecks) {
  OPENGNS_REQUIRE_SHARED();
  for (const std::string& session : testing::udpSessionNames()) {
    SCOPED_TRACE(session);
    RecordedHandshake hs;
    ASSERT_NO_FATAL_FAILURE(loadRecordedHandshake(session, &hs));
    AuthPolicy policy;
    auto client = checkConnectRequest(hs.request, hs.client_address, policy);
    ASSERT_TRUE(client.ok()) << client.error().debug;
    EXPECT_EQ(client->identity.toString(), "ip:" + hs.client_address.toString());
    auto cipher = chooseCipherAsServer(cipherListForUnencrypted(unencryptedOf(session, "listen")),
                                       client->crypt.fields.ciphers);
    ASSERT_TRUE(cipher.ok());
    EXPECT_EQ(ciphersOf(hs.ok.crypt()), std::vector<CipherId>{*cipher});
    const PeerHello hello = peerHelloOf(hs.ok);
    auto resolved = resolvePeerIdentity(hello, hs.server_address, policy);
    ASSERT_TRUE(resolved.ok());
    auto server = verifyPeerCredentials(hello, *resolved, policy, hs.server_address);
    ASSERT_TRUE(server.ok()) << server.error().debug;
    EXPECT_EQ(server->identity.toString(), "ip:" + hs.server_address.toString());
    EXPECT_TRUE(
        checkServerCipher(ciphersOf(hs.request.crypt()), server->crypt.fields.ciphers).ok());
  }
}

}  // namespace
}  // namespace opengns::connection
