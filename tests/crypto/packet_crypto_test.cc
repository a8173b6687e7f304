#include "crypto/packet_crypto.h"

#include <gtest/gtest.h>

#include "support/vectors.h"

namespace opengns::crypto {
namespace {

using opengns::testing::hexBytes;
using opengns::testing::loadJson;
using opengns::testing::vectorsDir;

AesGcmIv ivFromHex(const std::string& hex) {
  Bytes b = hexBytes(hex);
  AesGcmIv iv{};
  EXPECT_EQ(b.size(), iv.size());
  std::copy_n(b.begin(), std::min(b.size(), iv.size()), iv.begin());
  return iv;
}

// crypto.md §5.3 and its examples (§7.3, §7.4).
TEST(PacketNonceTest, AddsPacketNumberToLittleEndianCounter) {
  EXPECT_EQ(toHex(packetNonce(ivFromHex("8a5cfe00f045ef416608508d"), 2)),
            "8c5cfe00f045ef416608508d");
  EXPECT_EQ(toHex(packetNonce(ivFromHex("a87abc5916e58b02e0937b99"), 2)),
            "aa7abc5916e58b02e0937b99");
  // Carry across bytes, little-endian.
  EXPECT_EQ(toHex(packetNonce(ivFromHex("ff00000000000000aabbccdd"), 1)),
            "0001000000000000aabbccdd");
  EXPECT_EQ(toHex(packetNonce(ivFromHex("0000000000000000aabbccdd"), 0x0102030405060708ull)),
            "0807060504030201aabbccdd");
  // Wraps mod 2^64 without touching bytes 8..11.
  EXPECT_EQ(toHex(packetNonce(ivFromHex("feffffffffffffff01020304"), 3)),
            "010000000000000001020304");
  EXPECT_EQ(toHex(packetNonce(ivFromHex("ffffffffffffffffffffffff"), 1)),
            "0000000000000000ffffffff");
}

struct SessionCiphers {
  std::optional<PacketCipher> client;
  std::optional<PacketCipher> server;
  SessionKeys keys;
};

// Derives both endpoints' keys with our own key schedule from the vector's inputs.
SessionCiphers ciphersFor(const std::string& session, CipherId cipher) {
  auto doc = loadJson(vectorsDir() / "kdf_vectors.json");
  for (const auto& v : doc["vectors"]) {
    if (v["name"] != session) continue;
    const auto& in = v["inputs"];
    auto client_key = X25519KeyPair::fromPrivateKey(hexBytes(in["client_x25519_private"]));
    EXPECT_TRUE(client_key.ok());
    auto raw = client_key->sharedSecret(hexBytes(in["server_x25519_public"]));
    EXPECT_TRUE(raw.ok());
    Bytes cc = hexBytes(in["client_cert"]), ci = hexBytes(in["client_crypt_info"]);
    Bytes sc = hexBytes(in["server_cert"]), si = hexBytes(in["server_crypt_info"]);
    HandshakeTranscript t{
        {in["client_connection_id"], std::stoull(in["client_nonce"].get<std::string>()), cc, ci},
        {in["server_connection_id"], std::stoull(in["server_nonce"].get<std::string>()), sc, si}};
    auto keys = deriveSessionKeys(*raw, t);
    EXPECT_TRUE(keys.ok());
    SessionCiphers out;
    out.keys = *keys;
    auto c = PacketCipher::create(cipher, endpointKeys(Role::kClient, *keys));
    auto s = PacketCipher::create(cipher, endpointKeys(Role::kServer, *keys));
    EXPECT_TRUE(c.ok() && s.ok());
    out.client.emplace(*std::move(c));
    out.server.emplace(*std::move(s));
    return out;
  }
  ADD_FAILURE() << "no kdf vector for " << session;
  return {};
}

struct DataPacket {
  int index;
  bool client_to_server;
  uint64_t packet_number;
  Bytes chunk;
  std::string plaintext_hex;
  std::string nonce_hex;
};

// Fields absent or null in some sessions (no nonce under NULL) read as "".
std::string stringOrEmpty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<DataPacket> dataPackets(const std::string& session) {
  auto doc = loadJson(vectorsDir() / (session + ".packets.json"));
  std::vector<DataPacket> out;
  for (const auto& p : doc["packets"]) {
    if (p["kind"] != "data") continue;
    Bytes payload = hexBytes(p["udp_payload_hex"]);
    size_t offset = p["chunk_offset"];
    EXPECT_LE(offset, payload.size());
    EXPECT_EQ(payload.size() - offset, p["chunk_len"].get<size_t>());
    out.push_back({p["index"], p["direction"] == "c2s", p["full_packet_number"],
                   Bytes(payload.begin() + offset, payload.end()),
                   stringOrEmpty(p, "plaintext_hex"), stringOrEmpty(p, "aead_nonce_hex")});
  }
  return out;
}

class EncryptedSessionTest : public ::testing::TestWithParam<std::string> {};

// crypto.md §7.5: every data packet decrypts to the recorded plaintext, with the
// recorded nonce; re-encrypting gives the captured bytes back; tampering fails.
TEST_P(EncryptedSessionTest, DecryptsReencryptsAndRejectsTampering) {
  OPENGNS_REQUIRE_SHARED();
  const std::string session = GetParam();
  SessionCiphers ciphers = ciphersFor(session, CipherId::kAes256Gcm);
  ASSERT_TRUE(ciphers.client && ciphers.server);
  EXPECT_EQ(ciphers.client->overheadBytes(), kAesGcmTagBytes);
  auto packets = dataPackets(session);
  ASSERT_EQ(packets.size(), session == "chat_session" ? 9u : 21u);

  for (const DataPacket& p : packets) {
    SCOPED_TRACE(::testing::Message()
                 << session << " packet index " << p.index << " pn " << p.packet_number);
    PacketCipher& sender = p.client_to_server ? *ciphers.client : *ciphers.server;
    PacketCipher& receiver = p.client_to_server ? *ciphers.server : *ciphers.client;
    const AesGcmIv& base_iv =
        p.client_to_server ? ciphers.keys.iv_client_to_server : ciphers.keys.iv_server_to_client;
    EXPECT_EQ(toHex(packetNonce(base_iv, p.packet_number)), p.nonce_hex);

    Bytes plain(p.chunk.size());
    auto opened = receiver.decryptChunk(p.packet_number, p.chunk, plain);
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(toHex(*opened), p.plaintext_hex);
    EXPECT_EQ(opened->size() + kAesGcmTagBytes, p.chunk.size());

    Bytes sealed(opened->size() + sender.overheadBytes());
    auto sealed_len = sender.encryptChunk(p.packet_number, *opened, sealed);
    ASSERT_TRUE(sealed_len.ok()) << sealed_len.status();
    EXPECT_EQ(toHex(ByteSpan(sealed).first(*sealed_len)), toHex(p.chunk));

    // A flipped bit anywhere (ciphertext or tag) or a wrong packet number fails, and
    // the failure leaves the cipher usable.
    Bytes sink(p.chunk.size());
    for (size_t bit : {size_t{0}, p.chunk.size() * 8 / 2, p.chunk.size() * 8 - 1}) {
      Bytes bad = p.chunk;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      auto r = receiver.decryptChunk(p.packet_number, bad, sink);
      EXPECT_FALSE(r.ok()) << "bit " << bit;
    }
    auto wrong_pn = receiver.decryptChunk(p.packet_number + 1, p.chunk, sink);
    ASSERT_FALSE(wrong_pn.ok());
    EXPECT_NE(wrong_pn.status().message().find(std::to_string(p.packet_number + 1)),
              std::string::npos)
        << wrong_pn.status();
    EXPECT_FALSE(receiver.decryptChunk(p.packet_number + (1ull << 16), p.chunk, sink).ok());
    // The sender's own receive direction uses the other key and IV.
    EXPECT_FALSE(sender.decryptChunk(p.packet_number, p.chunk, sink).ok());
    // Truncated chunks: shorter than a tag, and missing the last tag byte.
    EXPECT_FALSE(receiver.decryptChunk(p.packet_number, ByteSpan(p.chunk).first(15), sink).ok());
    EXPECT_FALSE(
        receiver.decryptChunk(p.packet_number, ByteSpan(p.chunk).first(p.chunk.size() - 1), sink)
            .ok());

    // In place, as the receive path will do it, after all those failures.
    Bytes in_place = p.chunk;
    auto again = receiver.decryptChunk(p.packet_number, in_place, in_place);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(toHex(*again), p.plaintext_hex);
  }
}

INSTANTIATE_TEST_SUITE_P(RecordedSessions, EncryptedSessionTest,
                         ::testing::Values("encrypted_session", "chat_session"));

// §5.5: under NULL the chunk is the plaintext, in both directions.
TEST(NullCipherTest, PassesUnencryptedSessionChunksThrough) {
  OPENGNS_REQUIRE_SHARED();
  SessionCiphers ciphers = ciphersFor("unencrypted_session", CipherId::kNull);
  ASSERT_TRUE(ciphers.client && ciphers.server);
  EXPECT_EQ(ciphers.client->overheadBytes(), 0u);
  auto packets = dataPackets("unencrypted_session");
  ASSERT_EQ(packets.size(), 21u);
  for (const DataPacket& p : packets) {
    SCOPED_TRACE(::testing::Message() << "packet index " << p.index);
    PacketCipher& sender = p.client_to_server ? *ciphers.client : *ciphers.server;
    PacketCipher& receiver = p.client_to_server ? *ciphers.server : *ciphers.client;
    auto opened = receiver.decryptChunk(p.packet_number, p.chunk, MutableByteSpan());
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(opened->data(), p.chunk.data());  // no copy
    EXPECT_EQ(toHex(*opened), p.plaintext_hex);
    Bytes out(p.chunk.size());
    auto len = sender.encryptChunk(p.packet_number, *opened, out);
    ASSERT_TRUE(len.ok());
    EXPECT_EQ(out, p.chunk);
    Bytes too_small(p.chunk.size() - 1);
    EXPECT_FALSE(sender.encryptChunk(p.packet_number, *opened, too_small).ok());
  }
}

TEST(PacketCipherTest, RejectsUnknownCiphersAndSmallBuffers) {
  EndpointKeys keys;
  EXPECT_FALSE(PacketCipher::create(CipherId::kInvalid, keys).ok());
  EXPECT_FALSE(PacketCipher::create(static_cast<CipherId>(3), keys).ok());
  auto aes = PacketCipher::create(CipherId::kAes256Gcm, keys);
  ASSERT_TRUE(aes.ok());
  Bytes pt(10), out(25);
  EXPECT_FALSE(aes->encryptChunk(2, pt, out).ok());
  out.resize(26);
  ASSERT_TRUE(aes->encryptChunk(2, pt, out).ok());
  Bytes small(9);
  EXPECT_FALSE(aes->decryptChunk(2, out, small).ok());
}

}  // namespace
}  // namespace opengns::crypto
