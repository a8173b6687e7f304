// Identity, certificates and authenticated connections through the public API over real
// loopback UDP (p2p-and-auth.md §6, crypto.md §2 and §6, config.md §8): the six identity
// functions and network_authentication_status, a private CA trusted through
// opengns/trust.h, OPENGNS_RequireCA refusals seen on both sides, and the original's
// outcomes in the default mode.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "connection/certificate.h"
#include "connection/certificate_issuer.h"
#include "connection/crypt_info.h"
#include "connection/identity_fields.h"
#include "connection/local_credentials.h"
#include "loopback_peers.h"
#include "opengns/trust.h"
#include "wire/control_packet.h"

namespace opengns {
namespace {

using testing::listenOn;
using testing::Peer;
using testing::stateOf;
using testing::waitUntil;

constexpr int kBadCert = static_cast<int>(ConnectionEnd::kRemoteBadCert);  // 4003
constexpr int64_t kDay = 24 * 3600;

crypto::Ed25519KeyPair newKey() {
  auto key = crypto::Ed25519KeyPair::generate();
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

NetworkingIdentity identity(const char* text) {
  return NetworkingIdentity::parse(text).value_or(NetworkingIdentity());
}

int64_t now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string trustEntry(const crypto::Ed25519KeyPair& ca) {
  return absl::StrCat("ID", connection::keyIdOf(ca.publicKey()), ":",
                      connection::base64Encode(ca.publicKey()));
}

// A cert for `who` issued by `ca` to a fresh key, with that key embedded: the blob
// setCertificate takes.
wire::CertificateSigned certWithKey(const char* who, const crypto::Ed25519KeyPair& ca,
                                    int64_t expiry = now() + 30 * kDay) {
  crypto::Ed25519KeyPair key = newKey();
  connection::CertificateToIssue what;
  what.subject_key = key.publicKey();
  what.identity = identity(who);
  what.time_created_sec = now() - 60;
  what.time_expiry_sec = expiry;
  auto cert = connection::issueCertificate(what, ca);
  EXPECT_TRUE(cert.ok()) << cert.status();
  auto blob = connection::withPrivateKey(*cert, key);
  EXPECT_TRUE(blob.ok()) << blob.status();
  return *std::move(blob);
}

std::vector<uint8_t> bytesOf(const wire::CertificateSigned& cert) {
  const std::string s = cert.SerializeAsString();
  return std::vector<uint8_t>(s.begin(), s.end());
}

void setCert(Peer& peer, const wire::CertificateSigned& cert) {
  SetCertificateResult set = peer->setCertificate(bytesOf(cert));
  ASSERT_TRUE(set.response) << set.error;
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(addTrustedCA(trustEntry(ca_))); }
  void TearDown() override { clearTrustedCAs(); }

  const crypto::Ed25519KeyPair ca_ = newKey();
  const crypto::Ed25519KeyPair other_ca_ = newKey();
};

std::vector<ConfigOption> requireCA() {
  return {ConfigOption{ConfigValue::kOpengnsRequireCA, int32_t{1}}};
}

// Last recorded info of a connection.
ConnectionInfo lastInfo(const Peer& peer, ConnectionHandle handle) {
  std::vector<testing::RecordedEvent> events = peer.eventsFor(handle);
  return events.empty() ? ConnectionInfo{} : events.back().info;
}

// ---- identity functions and the status signal -----------------------------------------

TEST_F(AuthTest, IdentityRequestCertificateAndStatusSignal) {
  Peer peer;
  std::vector<AuthenticationStatusCallback> statuses;
  peer->setAuthenticationStatusCallback(
      [&](const AuthenticationStatusCallback& s) { statuses.push_back(s); });

  EXPECT_EQ(peer->getIdentity().toString(), "ip:::1");  // p2p-and-auth.md §6.1
  EXPECT_EQ(peer->getAuthenticationStatus(), Availability::kCannotTry);
  peer->resetIdentity(identity("str:alice"));
  EXPECT_EQ(peer->getIdentity().toString(), "str:alice");

  // §6.1: the request holds our new key and identity, no times, no app ids.
  CertificateRequestResult request = peer->getCertificateRequest();
  ASSERT_FALSE(request.certificate.empty()) << request.error_message;
  auto requested = connection::parseCertificateRequest(request.certificate);
  ASSERT_TRUE(requested.ok()) << requested.status();
  ASSERT_TRUE(requested->identity.has_value());
  EXPECT_EQ(requested->identity->toString(), "str:alice");
  wire::CertificateRequest parsed;
  ASSERT_TRUE(parsed.ParseFromArray(request.certificate.data(),
                                    static_cast<int>(request.certificate.size())));
  EXPECT_FALSE(parsed.cert().has_time_expiry());
  EXPECT_EQ(parsed.cert().app_ids_size(), 0);
  EXPECT_EQ(peer->getCertificateRequest().certificate, request.certificate);  // same key

  // The CA signs the request; the cert (without private key) is accepted for that key.
  connection::CertificateToIssue what;
  what.subject_key = requested->subject_key;
  what.identity = requested->identity;
  what.time_created_sec = now();
  what.time_expiry_sec = now() + kDay;
  auto cert = connection::issueCertificate(what, ca_);
  ASSERT_TRUE(cert.ok());

  // Refusals leave everything as it was: garbage, another identity, another key.
  SetCertificateResult bad = peer->setCertificate(std::vector<uint8_t>{1, 2, 3, 4});
  EXPECT_FALSE(bad.response);
  EXPECT_EQ(bad.error, "failed protobuf parse");
  EXPECT_FALSE(peer->setCertificate(bytesOf(certWithKey("str:bob", ca_))).response);
  EXPECT_FALSE(peer->setCertificate(bytesOf(certWithKey("str:alice", ca_))).response);
  peer->runNetworkingCallbacks();
  EXPECT_TRUE(statuses.empty());
  EXPECT_EQ(peer->getAuthenticationStatus(), Availability::kCannotTry);

  SetCertificateResult set = peer->setCertificate(bytesOf(*cert));
  ASSERT_TRUE(set.response) << set.error;
  EXPECT_EQ(peer->getAuthenticationStatus(), Availability::kCurrent);
  EXPECT_EQ(peer->initAuthentication(), Availability::kCurrent);
  peer->runNetworkingCallbacks();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].available, Availability::kCurrent);
  EXPECT_EQ(statuses[0].debug_message, "OK");

  // A second cert (PEM-like text, opengns extension) changes no value: no signal.
  const std::string pem = connection::certificateToPem(*cert);
  set = peer->setCertificate(std::vector<uint8_t>(pem.begin(), pem.end()));
  ASSERT_TRUE(set.response) << set.error;
  peer->runNetworkingCallbacks();
  EXPECT_EQ(statuses.size(), 1u);

  // resetIdentity: back to CannotTry, and (unlike the original) the change is reported.
  peer->resetIdentity(0);
  EXPECT_EQ(peer->getIdentity().toString(), "ip:::1");
  EXPECT_EQ(peer->getAuthenticationStatus(), Availability::kCannotTry);
  peer->runNetworkingCallbacks();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[1].available, Availability::kCannotTry);
  EXPECT_EQ(statuses[1].debug_message, "No certificate authority");
  // The key went with the reset: the old cert no longer fits.
  EXPECT_FALSE(peer->setCertificate(bytesOf(*cert)).response);
}

TEST_F(AuthTest, SetCertificateAdoptsTheIdentityAndStripsNothingButTheKey) {
  Peer peer;
  setCert(peer, certWithKey("str:carol", ca_));
  EXPECT_EQ(peer->getIdentity().toString(), "str:carol");
  // An expired cert, or one for an app we are not, is refused.
  Peer late;
  EXPECT_FALSE(late->setCertificate(bytesOf(certWithKey("str:erin", ca_, now() - 1))).response);
  Peer other;
  wire::CertificateSigned wrong_app = certWithKey("str:dave", ca_);
  wire::Certificate body;
  ASSERT_TRUE(body.ParseFromString(wrong_app.cert()));
  body.clear_app_ids();
  body.add_app_ids(480);
  wrong_app.set_cert(body.SerializeAsString());
  EXPECT_FALSE(other->setCertificate(bytesOf(wrong_app)).response);
  EXPECT_EQ(other->getAuthenticationStatus(), Availability::kCannotTry);
}

TEST_F(AuthTest, ResetIdentityDestroysConnectionsAndListenSockets) {
  Peer server(true), client;
  auto [listen, port] = listenOn(server, "127.0.0.1:0");
  auto [c, s] = testing::connectPair(client, server, "127.0.0.1", port);
  server->resetIdentity(identity("str:new"));
  EXPECT_EQ(server->getIdentity().toString(), "str:new");
  EXPECT_FALSE(server->getConnectionInfo(s).has_value());
  EXPECT_EQ(server->getListenSocketAddress(listen, true), "");
  // The client hears the best-effort close (2999).
  ASSERT_TRUE(waitUntil({&client}, [&, c = c] {  // clang 14 cannot capture a structured binding
    return stateOf(client, c) == ConnectionState::kClosedByPeer;
  }));
  EXPECT_EQ(static_cast<int>(client->getConnectionInfo(c)->end_reason), 2999);
}

// ---- authenticated connections --------------------------------------------------------

TEST_F(AuthTest, CaChainWithRequireCAConnectsAuthenticated) {
  Peer server(true), client;
  // The server's cert is set after its listen socket exists: new connections use it.
  auto [listen, port] = listenOn(server, "127.0.0.1:0", requireCA());
  setCert(server, certWithKey("str:server", ca_));
  setCert(client, certWithKey("str:client", ca_));
  std::vector<ConfigOption> options = requireCA();
  options.push_back({ConfigValue::kOpengnsExpectedRemoteIdentity, std::string("str:server")});
  auto [c, s] = testing::connectPair(client, server, "127.0.0.1", port, options);
  std::optional<ConnectionInfo> client_info = client->getConnectionInfo(c);
  std::optional<ConnectionInfo> server_info = server->getConnectionInfo(s);
  ASSERT_TRUE(client_info && server_info);
  EXPECT_EQ(client_info->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  EXPECT_EQ(server_info->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  EXPECT_EQ(client_info->identity.toString(), "str:server");
  EXPECT_EQ(server_info->identity.toString(), "str:client");
  (void)listen;
}

TEST_F(AuthTest, WithoutCertificatesConnectionsStayUnauthenticated) {
  Peer server(true), client;
  auto [listen, port] = listenOn(server, "127.0.0.1:0");
  auto [c, s] = testing::connectPair(client, server, "127.0.0.1", port);
  EXPECT_NE(client->getConnectionInfo(c)->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  EXPECT_NE(server->getConnectionInfo(s)->info_flags & kConnectionInfoFlagUnauthenticated, 0);
  (void)listen;
}

struct BadCert {
  const char* name;
  wire::CertificateSigned cert;  // with its private key
};

// Certs a host accepts as its own (setCertificate cannot verify its own CA) but a peer
// requiring a CA refuses. An expired cert is never presented by its host (setCertificate
// refuses it; p2p-and-auth.md §6.3), so it is forged below.
std::vector<BadCert> badCerts(const char* who, const crypto::Ed25519KeyPair& ca,
                              const crypto::Ed25519KeyPair& other_ca) {
  std::vector<BadCert> out;
  out.push_back({"wrong CA", certWithKey(who, other_ca)});
  wire::CertificateSigned tampered = certWithKey(who, ca);
  std::string body = tampered.cert();
  body[body.size() - 1] ^= 0x01;  // last byte of the identity string
  tampered.set_cert(body);
  wire::Certificate parsed;
  EXPECT_TRUE(parsed.ParseFromString(body));
  out.push_back({"tampered cert bytes", tampered});
  wire::CertificateSigned unsigned_cert = certWithKey(who, ca);
  unsigned_cert.clear_ca_key_id();
  unsigned_cert.clear_ca_signature();
  out.push_back({"unsigned", unsigned_cert});
  return out;
}

// The server refuses each bad client cert with 4003: the client is closed by its peer with
// 4003, the server's application sees the refused connection fail with 4003, and the
// server goes on serving a good client. Without RequireCA the same certs connect,
// unauthenticated (the original's outcome).
TEST_F(AuthTest, ServerRefusesBadClientCertsWith4003OnBothSides) {
  Peer server;  // no auto-accept: a refused connection is already failed when seen
  auto [listen, port] = listenOn(server, "127.0.0.1:0", requireCA());
  setCert(server, certWithKey("str:server", ca_));
  const std::string target = "127.0.0.1:" + std::to_string(port);
  for (const BadCert& bad : badCerts("str:client", ca_, other_ca_)) {
    SCOPED_TRACE(bad.name);
    Peer client;
    setCert(client, bad.cert);
    const size_t before = server.incoming().size();
    ConnectionHandle c = client->connectByIPAddress(target);
    ASSERT_NE(c, kInvalidConnection);
    ASSERT_TRUE(waitUntil({&client, &server}, [&] {
      return stateOf(client, c) == ConnectionState::kClosedByPeer &&
             server.incoming().size() > before &&
             lastInfo(server, server.incoming()[before]).connection_state ==
                 ConnectionState::kProblemDetectedLocally;
    }));
    EXPECT_EQ(static_cast<int>(client->getConnectionInfo(c)->end_reason), kBadCert);
    const ConnectionHandle refused = server.incoming()[before];
    EXPECT_EQ(static_cast<int>(lastInfo(server, refused).end_reason), kBadCert);
    EXPECT_TRUE(server->closeConnection(refused, 0, "", false));  // nothing leaks
  }
  Peer good;
  setCert(good, certWithKey("str:client", ca_));
  server.setAutoAccept(true);
  testing::connectPair(good, server, "127.0.0.1", port, requireCA());

  // Default mode: the same bad certs are "unsigned" and connect, unauthenticated.
  Peer lenient_server(true);
  auto [lenient_listen, lenient_port] = listenOn(lenient_server, "127.0.0.1:0");
  for (const BadCert& bad : badCerts("str:client", ca_, other_ca_)) {
    SCOPED_TRACE(bad.name);
    Peer client;
    setCert(client, bad.cert);
    auto [c, s] = testing::connectPair(client, lenient_server, "127.0.0.1", lenient_port);
    ASSERT_TRUE(lenient_server->getConnectionInfo(s).has_value());
    EXPECT_NE(lenient_server->getConnectionInfo(s)->info_flags & kConnectionInfoFlagUnauthenticated,
              0);
  }
  (void)listen;
  (void)lenient_listen;
}

// The client refuses each bad server cert with 4003 and tells the server.
TEST_F(AuthTest, ClientRefusesBadServerCertsWith4003OnBothSides) {
  std::vector<BadCert> cases = badCerts("str:server", ca_, other_ca_);
  // OPENGNS_ExpectedRemoteIdentity: a valid cert, but another identity's (a client's).
  cases.push_back({"another identity's valid cert", certWithKey("str:client", ca_)});
  for (const BadCert& bad : cases) {
    SCOPED_TRACE(bad.name);
    Peer server(true), client;
    setCert(server, bad.cert);
    auto [listen, port] = listenOn(server, "127.0.0.1:0");
    std::vector<ConfigOption> options = requireCA();
    options.push_back({ConfigValue::kOpengnsExpectedRemoteIdentity, std::string("str:server")});
    ConnectionHandle c = client->connectByIPAddress("127.0.0.1:" + std::to_string(port), options);
    ASSERT_NE(c, kInvalidConnection);
    ASSERT_TRUE(waitUntil({&client, &server}, [&] {
      return stateOf(client, c) == ConnectionState::kProblemDetectedLocally &&
             !server.incoming().empty() &&
             stateOf(server, server.incoming()[0]) == ConnectionState::kClosedByPeer;
    }));
    EXPECT_EQ(static_cast<int>(client->getConnectionInfo(c)->end_reason), kBadCert);
    EXPECT_EQ(static_cast<int>(server->getConnectionInfo(server.incoming()[0])->end_reason),
              kBadCert);
    (void)listen;
  }
}

// ---- forged handshakes (what our own library never sends) ------------------------------

// A raw UDP client that speaks the handshake with hand-made ConnectRequests.
class ForgingClient {
 public:
  explicit ForgingClient(uint16_t server_port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    EXPECT_GE(fd_, 0);
    server_.sin_family = AF_INET;
    server_.sin_port = htons(server_port);
    server_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~ForgingClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send(const wire::ControlMessage& message) {
    absl::StatusOr<Bytes> datagram = wire::encodeControlPacket(message);
    ASSERT_TRUE(datagram.ok());
    ASSERT_EQ(::sendto(fd_, datagram->data(), datagram->size(), 0,
                       reinterpret_cast<const sockaddr*>(&server_), sizeof(server_)),
              static_cast<ssize_t>(datagram->size()));
  }
  // The next control packet of type T, within the patience; `pump` runs between polls
  // (the server's callbacks, where it accepts).
  template <typename T>
  std::optional<T> receive(const std::function<void()>& pump = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + testing::kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pump) pump();
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      uint8_t buffer[2048];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) continue;
      auto packet = wire::decodeControlPacket(ByteSpan(buffer, static_cast<size_t>(n)));
      if (!packet.ok()) continue;
      if (const T* message = std::get_if<T>(&packet->message)) return *message;
    }
    return std::nullopt;
  }

  // ChallengeRequest -> ChallengeReply -> `request` with the challenge filled in.
  void connectWith(wire::ConnectRequest request) {
    wire::ChallengeRequest challenge_request;
    challenge_request.set_connection_id(request.client_connection_id());
    challenge_request.set_my_timestamp(1);
    challenge_request.set_protocol_version(13);
    send(challenge_request);
    std::optional<wire::ChallengeReply> reply = receive<wire::ChallengeReply>();
    ASSERT_TRUE(reply.has_value());
    request.set_challenge(reply->challenge());
    send(request);
  }

 private:
  int fd_ = -1;
  sockaddr_in server_{};
};

wire::ConnectRequest forgedRequest(const connection::LocalCredentials& creds) {
  auto crypt = connection::LocalCryptInfo::create(creds, {crypto::CipherId::kAes256Gcm});
  EXPECT_TRUE(crypt.ok());
  wire::ConnectRequest request;
  request.set_client_connection_id(0x12345678);
  *request.mutable_cert() = creds.signedCert();
  *request.mutable_crypt() = crypt->signedInfo();
  return request;
}

TEST_F(AuthTest, ExpiredCertForgedSignatureAndClaimedIdentityAreRefusedWith4003) {
  Peer server;
  auto [listen, port] = listenOn(server, "127.0.0.1:0", requireCA());
  setCert(server, certWithKey("str:server", ca_));

  auto credentialsOf = [](const wire::CertificateSigned& blob) {
    auto key = crypto::Ed25519KeyPair::fromPrivateKey(asBytes(blob.private_key_data()));
    EXPECT_TRUE(key.ok());
    auto creds =
        connection::LocalCredentials::fromSignedCert(*std::move(key), blob, identity("str:client"));
    EXPECT_TRUE(creds.ok()) << creds.status();
    return *std::move(creds);
  };
  const connection::LocalCredentials creds = credentialsOf(certWithKey("str:client", ca_));
  const connection::LocalCredentials expired =
      credentialsOf(certWithKey("str:client", ca_, now() - kDay));

  wire::ConnectRequest bad_signature = forgedRequest(creds);
  std::string signature = bad_signature.crypt().signature();
  signature[5] ^= 0x40;
  bad_signature.mutable_crypt()->set_signature(signature);

  wire::ConnectRequest claims_other = forgedRequest(creds);
  auto fields = connection::writeIdentityFields(identity("str:mallory"));
  ASSERT_TRUE(fields.ok());
  connection::setIdentityFields(*fields, &claims_other);

  size_t seen = 0;
  for (wire::ConnectRequest request : {forgedRequest(expired), bad_signature, claims_other}) {
    request.set_client_connection_id(0x12345678 + static_cast<uint32_t>(seen) * 0x10001);
    ForgingClient forger(port);
    ASSERT_NO_FATAL_FAILURE(forger.connectWith(request));
    std::optional<wire::ConnectionClosed> closed = forger.receive<wire::ConnectionClosed>();
    ASSERT_TRUE(closed.has_value());
    EXPECT_EQ(static_cast<int>(closed->reason_code()), kBadCert) << closed->debug();
    EXPECT_EQ(closed->to_connection_id(), request.client_connection_id());
    ASSERT_TRUE(waitUntil({&server}, [&] {
      return server.incoming().size() > seen &&
             lastInfo(server, server.incoming()[seen]).connection_state ==
                 ConnectionState::kProblemDetectedLocally;
    }));
    EXPECT_EQ(static_cast<int>(lastInfo(server, server.incoming()[seen]).end_reason), kBadCert);
    ++seen;
  }
  // The genuine request is accepted (the server accepts and answers ConnectOK).
  server.setAutoAccept(true);
  ForgingClient honest(port);
  wire::ConnectRequest genuine = forgedRequest(creds);
  genuine.set_client_connection_id(0x23456789);
  ASSERT_NO_FATAL_FAILURE(honest.connectWith(genuine));
  EXPECT_TRUE(
      honest.receive<wire::ConnectOK>([&] { server->runNetworkingCallbacks(); }).has_value());
  (void)listen;
}

}  // namespace
}  // namespace opengns
