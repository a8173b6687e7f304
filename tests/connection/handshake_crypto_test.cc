#include "connection/handshake_crypto.h"

#include <gtest/gtest.h>

#include "connection/cipher_negotiation.h"

namespace opengns::connection {
namespace {

using crypto::CipherId;

constexpr uint32_t kClientId = 0x30ae8a22;
constexpr uint32_t kServerId = 0x46c12620;
const PeerAddress kClientAddress = NetworkingIPAddr::fromIPv4(0x7f000001, 50267);
const PeerAddress kServerAddress = NetworkingIPAddr::fromIPv4(0x7f000001, 27020);
const PeerAddress kRemoteClient = NetworkingIPAddr::fromIPv4(0xc0000202, 40000);  // 192.0.2.2

NetworkingIdentity identity(const char* text) {
  auto parsed = NetworkingIdentity::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(NetworkingIdentity());
}

LocalCredentials unsignedCreds(const char* text = nullptr) {
  auto creds = LocalCredentials::createUnsigned(text ? identity(text) : NetworkingIdentity());
  EXPECT_TRUE(creds.ok()) << creds.status();
  return *std::move(creds);
}

// Credentials whose cert body is `edit`ed after the standard build (app ids, identity...).
template <typename Edit>
LocalCredentials editedCreds(const NetworkingIdentity& who, Edit edit) {
  auto key = crypto::Ed25519KeyPair::generate();
  EXPECT_TRUE(key.ok());
  auto body = buildUnsignedCertBody(key->publicKey(), who);
  EXPECT_TRUE(body.ok());
  wire::Certificate cert;
  EXPECT_TRUE(cert.ParseFromArray(body->data(), body->size()));
  edit(cert);
  wire::CertificateSigned wrapper;
  wrapper.set_cert(cert.SerializeAsString());
  auto creds = LocalCredentials::fromSignedCert(*std::move(key), wrapper, who);
  EXPECT_TRUE(creds.ok()) << creds.status();
  return *std::move(creds);
}

LocalCryptInfo cryptInfo(const LocalCredentials& creds, std::vector<CipherId> ciphers) {
  auto info = LocalCryptInfo::create(creds, std::move(ciphers));
  EXPECT_TRUE(info.ok()) << info.status();
  return *std::move(info);
}

// A crypt info with arbitrary fields, correctly signed by `creds`.
wire::SessionCryptInfoSigned signedFields(const LocalCredentials& creds,
                                          const CryptInfoFields& fields) {
  const Bytes info = serializeCryptInfo(fields);
  auto signature = creds.sign(info);
  EXPECT_TRUE(signature.ok());
  wire::SessionCryptInfoSigned s;
  s.set_info(std::string(info.begin(), info.end()));
  s.set_signature(std::string(signature->begin(), signature->end()));
  return s;
}

wire::ConnectRequest makeRequest(const LocalCredentials& creds,
                                 const wire::SessionCryptInfoSigned& crypt) {
  wire::ConnectRequest request;
  request.set_client_connection_id(kClientId);
  request.set_challenge(0x1234);
  *request.mutable_cert() = creds.signedCert();
  *request.mutable_crypt() = crypt;
  EXPECT_TRUE(setSenderIdentity(creds.identity(), creds.certHasIdentity(), &request).ok());
  return request;
}

wire::ConnectOK makeOK(const LocalCredentials& creds, const wire::SessionCryptInfoSigned& crypt,
                       uint32_t server_id = kServerId) {
  wire::ConnectOK ok;
  ok.set_client_connection_id(kClientId);
  ok.set_server_connection_id(server_id);
  *ok.mutable_cert() = creds.signedCert();
  *ok.mutable_crypt() = crypt;
  EXPECT_TRUE(setSenderIdentity(creds.identity(), creds.certHasIdentity(), &ok).ok());
  return ok;
}

ClientHandshakeContext clientContext(const LocalCredentials& creds, const LocalCryptInfo& crypt) {
  ClientHandshakeContext context;
  context.server_address = kServerAddress;
  context.challenge_reply_version = 13;
  context.own_ciphers = crypt.ciphers();
  context.own = ownMaterialOf(creds, crypt, kClientId);
  return context;
}

void expectFailure(const HandshakeError& error, int end_reason, bool drop) {
  EXPECT_EQ(error.end_reason, end_reason) << error.debug;
  EXPECT_EQ(error.drop_packet, drop) << error.debug;
  EXPECT_FALSE(error.debug.empty());
}

// Our client against our server for every (client, server) Unencrypted pair: the outcome
// of crypto.md §3.6, mirrored keys, working packet ciphers, the flags and identities.
TEST(HandshakeCryptoTest, FullHandshakeEveryUnencryptedPair) {
  const LocalCredentials client_creds = unsignedCreds();
  const LocalCredentials server_creds = unsignedCreds();
  const AuthPolicy policy;
  for (int c = 0; c < 4; ++c) {
    for (int s = 0; s < 4; ++s) {
      SCOPED_TRACE(::testing::Message() << "client " << c << " server " << s);
      const LocalCryptInfo client_crypt = cryptInfo(client_creds, cipherListForUnencrypted(c));
      auto client = checkConnectRequest(makeRequest(client_creds, client_crypt.signedInfo()),
                                        kClientAddress, policy);
      ASSERT_TRUE(client.ok()) << client.error().debug;
      EXPECT_EQ(client->identity.toString(), "ip:127.0.0.1:50267");

      auto accepted = acceptConnectRequest(*client, kClientId, server_creds, kServerId, s, policy,
                                           kClientAddress);
      if ((c == 0 && s == 3) || (c == 3 && s == 0)) {
        ASSERT_FALSE(accepted.ok());
        expectFailure(accepted.error(), 4002, false);
        continue;
      }
      ASSERT_TRUE(accepted.ok()) << accepted.error().debug;
      HandshakeResult& server = accepted->session;
      EXPECT_EQ(accepted->crypt_info.ciphers(), std::vector<CipherId>{server.cipher});

      auto result = processConnectOK(makeOK(server_creds, accepted->crypt_info.signedInfo()),
                                     clientContext(client_creds, client_crypt));
      ASSERT_TRUE(result.ok()) << result.error().debug;
      EXPECT_EQ(result->cipher, server.cipher);
      EXPECT_EQ(result->peer_identity.toString(), "ip:127.0.0.1:27020");
      EXPECT_TRUE(result->keys.send_key == server.keys.recv_key);
      EXPECT_TRUE(result->keys.recv_key == server.keys.send_key);
      EXPECT_EQ(result->keys.send_iv, server.keys.recv_iv);
      EXPECT_EQ(result->keys.recv_iv, server.keys.send_iv);
      EXPECT_FALSE(result->keys.send_key == result->keys.recv_key);
      const bool null_cipher = server.cipher == CipherId::kNull;
      const int flags = 1 | (null_cipher ? 2 : 0);
      EXPECT_EQ(server.info_flags, flags);
      EXPECT_EQ(result->info_flags, flags);
      EXPECT_FALSE(server.peer_authenticated || result->peer_authenticated);

      // A chunk sealed by the client opens at the server.
      const Bytes plain = {1, 2, 3, 4, 5};
      Bytes sealed(plain.size() + result->packet_cipher.overheadBytes());
      auto sealed_len = result->packet_cipher.encryptChunk(2, plain, sealed);
      ASSERT_TRUE(sealed_len.ok());
      EXPECT_EQ(*sealed_len, plain.size() + (null_cipher ? 0 : 16));
      Bytes opened(sealed.size());
      auto back = server.packet_cipher.decryptChunk(2, ByteSpan(sealed).first(*sealed_len), opened);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(Bytes(back->begin(), back->end()), plain);
    }
  }
}

// crypto.md §2.7 / udp.md §2.4 step 4, on the receiving side, for each effective value:
// anonymous peer: 0 = drop, else identity = address; unsigned cert naming an identity:
// 0 = 4003, else accepted.
TEST(HandshakeCryptoTest, AllowWithoutAuthPeerTable) {
  const LocalCredentials anonymous = unsignedCreds();
  const LocalCredentials named = unsignedCreds("str:alice");
  struct Row {
    AuthPolicy policy;
    PeerAddress from;
    int effective;
  };
  const Row rows[] = {
      {{0, 0, 0}, kClientAddress, 0}, {{1, 0, 0}, kClientAddress, 1},
      {{2, 0, 0}, kClientAddress, 2}, {{0, 2, 0}, kClientAddress, 2},  // localhost variant
      {{0, 1, 0}, kClientAddress, 1}, {{0, 2, 0}, kRemoteClient, 0},   // not loopback
      {{2, 0, 0}, kRemoteClient, 2},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(::testing::Message()
                 << "allow " << row.policy.ip_allow_without_auth << "/"
                 << row.policy.ip_localhost_allow_without_auth << " from " << row.from.toString());
    ASSERT_EQ(effectiveAllowWithoutAuth(row.policy, row.from), row.effective);
    auto anon = checkConnectRequest(
        makeRequest(anonymous, cryptInfo(anonymous, {CipherId::kAes256Gcm}).signedInfo()), row.from,
        row.policy);
    auto alice = checkConnectRequest(
        makeRequest(named, cryptInfo(named, {CipherId::kAes256Gcm}).signedInfo()), row.from,
        row.policy);
    if (row.effective == 0) {
      ASSERT_FALSE(anon.ok());
      expectFailure(anon.error(), 4003, true);
      ASSERT_FALSE(alice.ok());
      expectFailure(alice.error(), 4003, false);
    } else {
      ASSERT_TRUE(anon.ok()) << anon.error().debug;
      EXPECT_EQ(anon->identity.toString(), "ip:" + row.from.toString());
      ASSERT_TRUE(alice.ok()) << alice.error().debug;
      EXPECT_EQ(alice->identity.toString(), "str:alice");  // unproven (security note)
      EXPECT_FALSE(alice->authenticated);
    }
  }
  // The same rule on the client for an anonymous server: the ConnectOK is ignored.
  const LocalCryptInfo client_crypt = cryptInfo(anonymous, {CipherId::kAes256Gcm});
  ClientHandshakeContext context = clientContext(anonymous, client_crypt);
  context.policy = AuthPolicy{0, 0, 0};
  auto result = processConnectOK(
      makeOK(anonymous, cryptInfo(anonymous, {CipherId::kAes256Gcm}).signedInfo()), context);
  ASSERT_FALSE(result.ok());
  expectFailure(result.error(), 4003, true);
}

// Effective 1: the peer's unsigned cert is accepted, but our own is not (5002 at accept).
TEST(HandshakeCryptoTest, AllowWithoutAuthOneFailsAtAcceptWith5002) {
  const LocalCredentials creds = unsignedCreds();
  const AuthPolicy policy{1, 1, 0};
  auto client =
      checkConnectRequest(makeRequest(creds, cryptInfo(creds, {CipherId::kAes256Gcm}).signedInfo()),
                          kClientAddress, policy);
  ASSERT_TRUE(client.ok()) << client.error().debug;
  auto accepted = acceptConnectRequest(*client, kClientId, unsignedCreds(), kServerId, 0, policy,
                                       kClientAddress);
  ASSERT_FALSE(accepted.ok());
  expectFailure(accepted.error(), 5002, false);
}

TEST(HandshakeCryptoTest, IdentityFromMessageFieldsWhenCertHasNone) {
  const AuthPolicy policy;
  auto no_identity = [](wire::Certificate& cert) {
    cert.clear_identity_string();
    cert.clear_legacy_identity_binary();
  };
  const LocalCredentials bob = editedCreds(identity("str:bob"), no_identity);
  EXPECT_FALSE(bob.certHasIdentity());
  const wire::ConnectRequest request =
      makeRequest(bob, cryptInfo(bob, {CipherId::kAes256Gcm}).signedInfo());
  EXPECT_EQ(request.identity_string(), "str:bob");  // udp.md §2.4: fields 10 and 9
  EXPECT_TRUE(request.has_legacy_identity_binary());
  auto peer = checkConnectRequest(request, kClientAddress, policy);
  ASSERT_TRUE(peer.ok()) << peer.error().debug;
  EXPECT_EQ(peer->identity.toString(), "str:bob");

  // A specific IP identity that only the message fields name: dropped.
  const LocalCredentials ip = editedCreds(identity("ip:10.0.0.1:5"), no_identity);
  auto ip_peer = checkConnectRequest(
      makeRequest(ip, cryptInfo(ip, {CipherId::kAes256Gcm}).signedInfo()), kClientAddress, policy);
  ASSERT_FALSE(ip_peer.ok());
  expectFailure(ip_peer.error(), 4003, true);

  // Nothing names an identity at all: anonymous, replaced by the address.
  wire::ConnectRequest bare = request;
  bare.clear_identity_string();
  bare.clear_legacy_identity_binary();
  auto anon = checkConnectRequest(bare, kClientAddress, policy);
  ASSERT_TRUE(anon.ok()) << anon.error().debug;
  EXPECT_EQ(anon->identity.toString(), "ip:127.0.0.1:50267");
}

TEST(HandshakeCryptoTest, IpIdentityNamedByCertIsKept) {
  const LocalCredentials creds = unsignedCreds("ip:10.0.0.1:5");
  const LocalCryptInfo crypt = cryptInfo(creds, {CipherId::kAes256Gcm});
  auto peer = checkConnectRequest(makeRequest(creds, crypt.signedInfo()), kClientAddress, {});
  ASSERT_TRUE(peer.ok()) << peer.error().debug;
  EXPECT_EQ(peer->identity.toString(), "ip:10.0.0.1:5");
  EXPECT_FALSE(peer->authenticated);
}

TEST(HandshakeCryptoTest, BadCertOrIdentityIsDropped) {
  const LocalCredentials creds = unsignedCreds();
  const LocalCryptInfo crypt = cryptInfo(creds, {CipherId::kAes256Gcm});
  wire::ConnectRequest garbage_body = makeRequest(creds, crypt.signedInfo());
  garbage_body.mutable_cert()->set_cert(std::string("\xff\xff\xff", 3));
  auto r = checkConnectRequest(garbage_body, kClientAddress, {});
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, true);

  // A cert naming an identity that does not parse (LocalCredentials refuses to make one).
  wire::ConnectRequest bogus = makeRequest(creds, crypt.signedInfo());
  wire::Certificate body;
  ASSERT_TRUE(body.ParseFromString(bogus.cert().cert()));
  body.set_identity_string("bogus");
  bogus.mutable_cert()->set_cert(body.SerializeAsString());
  r = checkConnectRequest(bogus, kClientAddress, {});
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4003, true);
  EXPECT_NE(r.error().debug.find("bogus"), std::string::npos);
}

TEST(HandshakeCryptoTest, MissingCertOrCryptIsBadCrypt) {
  const LocalCredentials creds = unsignedCreds();
  wire::ConnectRequest request =
      makeRequest(creds, cryptInfo(creds, {CipherId::kAes256Gcm}).signedInfo());
  wire::ConnectRequest no_cert = request;
  no_cert.clear_cert();
  auto r = checkConnectRequest(no_cert, kClientAddress, {});
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);
  wire::ConnectRequest no_crypt = request;
  no_crypt.clear_crypt();
  r = checkConnectRequest(no_crypt, kClientAddress, {});
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);
  // A crypt info signed by another key than the cert's.
  wire::ConnectRequest foreign = request;
  *foreign.mutable_crypt() = cryptInfo(unsignedCreds(), {CipherId::kAes256Gcm}).signedInfo();
  r = checkConnectRequest(foreign, kClientAddress, {});
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);
}

// crypto.md §2.6 app id rules.
TEST(HandshakeCryptoTest, AppIdRules) {
  const LocalCredentials app480 = editedCreds(identity("str:game"), [](wire::Certificate& c) {
    c.clear_app_ids();
    c.add_app_ids(480);
  });
  const wire::ConnectRequest request =
      makeRequest(app480, cryptInfo(app480, {CipherId::kAes256Gcm}).signedInfo());
  auto wrong_app = checkConnectRequest(request, kClientAddress, AuthPolicy{2, 2, 0});
  ASSERT_FALSE(wrong_app.ok());
  expectFailure(wrong_app.error(), 4003, false);
  EXPECT_TRUE(checkConnectRequest(request, kClientAddress, AuthPolicy{2, 2, 480}).ok());

  const LocalCredentials unbound =
      editedCreds(identity("str:game"), [](wire::Certificate& c) { c.clear_app_ids(); });
  auto no_apps = checkConnectRequest(
      makeRequest(unbound, cryptInfo(unbound, {CipherId::kAes256Gcm}).signedInfo()), kClientAddress,
      {});
  ASSERT_FALSE(no_apps.ok());
  expectFailure(no_apps.error(), 4003, false);
}

TEST(HandshakeCryptoTest, ClientChecksOnConnectOK) {
  const LocalCredentials client_creds = unsignedCreds();
  const LocalCredentials server_creds = unsignedCreds("str:server");
  const LocalCryptInfo client_crypt = cryptInfo(client_creds, {CipherId::kAes256Gcm});
  const LocalCryptInfo server_crypt = cryptInfo(server_creds, {CipherId::kAes256Gcm});
  const ClientHandshakeContext context = clientContext(client_creds, client_crypt);
  auto run = [&](const wire::ConnectOK& ok, const ClientHandshakeContext& ctx) {
    return processConnectOK(ok, ctx);
  };

  auto good = run(makeOK(server_creds, server_crypt.signedInfo()), context);
  ASSERT_TRUE(good.ok()) << good.error().debug;
  EXPECT_EQ(good->peer_identity.toString(), "str:server");

  // udp.md §2.5 step 7: server id with low 16 bits 0.
  auto r = run(makeOK(server_creds, server_crypt.signedInfo(), 0x00010000), context);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);

  // udp.md §3.5: crypt info version must equal the ChallengeReply's.
  ClientHandshakeContext v12 = context;
  v12.challenge_reply_version = 12;
  r = run(makeOK(server_creds, server_crypt.signedInfo()), v12);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4006, false);

  // crypto.md §3.6: exactly one cipher, one we offered.
  r = run(makeOK(server_creds,
                 cryptInfo(server_creds, {CipherId::kAes256Gcm, CipherId::kNull}).signedInfo()),
          context);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);
  r = run(makeOK(server_creds, cryptInfo(server_creds, {CipherId::kNull}).signedInfo()), context);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4002, false);

  // Version below 8 in the server's crypt info.
  CryptInfoFields old{
      kKeyExchangeKeyTypeCurve25519,
      Bytes(server_crypt.keyPair().publicKey().begin(), server_crypt.keyPair().publicKey().end()),
      5,
      7,
      {CipherId::kAes256Gcm}};
  r = run(makeOK(server_creds, signedFields(server_creds, old)), context);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4006, false);

  // OPENGNS_ExpectedRemoteIdentity (config.md §8): another identity is 4003.
  ClientHandshakeContext expecting = context;
  expecting.expected_server_identity = identity("str:other");
  r = run(makeOK(server_creds, server_crypt.signedInfo()), expecting);
  ASSERT_FALSE(r.ok());
  expectFailure(r.error(), 4003, false);
  expecting.expected_server_identity = identity("str:server");
  EXPECT_TRUE(run(makeOK(server_creds, server_crypt.signedInfo()), expecting).ok());
}

// crypto.md §3.4 check 3: more than one lane needs a peer at version >= 11.
TEST(HandshakeCryptoTest, LanesNeedVersion11) {
  const LocalCredentials client_creds = unsignedCreds();
  const LocalCredentials server_creds = unsignedCreds();
  const LocalCryptInfo client_crypt = cryptInfo(client_creds, {CipherId::kAes256Gcm});
  const LocalCryptInfo server_crypt = cryptInfo(server_creds, {CipherId::kAes256Gcm});
  const auto& pub = server_crypt.keyPair().publicKey();
  CryptInfoFields v10{kKeyExchangeKeyTypeCurve25519,
                      Bytes(pub.begin(), pub.end()),
                      server_crypt.nonce(),
                      10,
                      {CipherId::kAes256Gcm}};
  const wire::ConnectOK ok = makeOK(server_creds, signedFields(server_creds, v10));
  ClientHandshakeContext context = clientContext(client_creds, client_crypt);
  context.challenge_reply_version = 10;
  auto one_lane = processConnectOK(ok, context);
  ASSERT_TRUE(one_lane.ok()) << one_lane.error().debug;
  EXPECT_EQ(one_lane->peer_protocol_version, 10u);
  context.local_lane_count = 2;
  auto two_lanes = processConnectOK(ok, context);
  ASSERT_FALSE(two_lanes.ok());
  expectFailure(two_lanes.error(), 4006, false);
}

// crypto.md §3.6/§4.1: an unusable X25519 key passes the arrival checks and fails at
// accept with 4002 (GNS then sends a ConnectionClosed).
TEST(HandshakeCryptoTest, BadX25519KeyFailsAtAccept) {
  const LocalCredentials creds = unsignedCreds();
  const std::pair<uint32_t, Bytes> bad_keys[] = {
      {kKeyExchangeKeyTypeCurve25519, Bytes(32, 0)},  // low order: all-zero shared secret
      {0, Bytes(32, 9)},                              // wrong key type
      {kKeyExchangeKeyTypeCurve25519, Bytes(16, 9)},  // wrong size
  };
  for (const auto& [key_type, key] : bad_keys) {
    CryptInfoFields fields{key_type, key, 1, 13, {CipherId::kAes256Gcm}};
    auto client =
        checkConnectRequest(makeRequest(creds, signedFields(creds, fields)), kClientAddress, {});
    ASSERT_TRUE(client.ok()) << client.error().debug;
    auto accepted =
        acceptConnectRequest(*client, kClientId, unsignedCreds(), kServerId, 0, {}, kClientAddress);
    ASSERT_FALSE(accepted.ok());
    expectFailure(accepted.error(), 4002, false);
  }
}

}  // namespace
}  // namespace opengns::connection
