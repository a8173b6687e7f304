// UdpConnection, handshake part (udp.md §2.2-2.5, §3.4, §5.1-5.2): creation of both
// roles, the client's ChallengeRequest / ConnectRequest, ChallengeReply and ConnectOK
// processing, the server's accept and ConnectOK (re)sends, and the switch to Connected.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "connection/cipher_negotiation.h"
#include "connection/connection_state.h"
#include "connection/identity_fields.h"
#include "connection/udp_connection.h"
#include "crypto/crypto_constants.h"
#include "wire/udp_constants.h"

namespace opengns::connection {
namespace {

size_t tagBytesOf(crypto::CipherId cipher) {
  return cipher == crypto::CipherId::kNull ? 0 : crypto::kAesGcmTagBytes;
}

// The cipher a client will most likely end with, before the server chose (crypto.md
// §3.6): AES-GCM whenever we offer it (every server Unencrypted value but 2 and 3 picks
// it), else NULL. Only the data plane's provisional budget depends on it.
crypto::CipherId guessClientCipher(const std::vector<crypto::CipherId>& own) {
  for (crypto::CipherId cipher : own) {
    if (cipher == crypto::CipherId::kAes256Gcm) return cipher;
  }
  return own.empty() ? crypto::CipherId::kAes256Gcm : own.front();
}

}  // namespace

absl::StatusOr<std::unique_ptr<UdpConnection>> UdpConnection::connect(snp::Usec now,
                                                                      ClientConnectParams params,
                                                                      ConnectionEnvironment env) {
  if (params.local_connection_id == 0) {
    return absl::InvalidArgumentError("connect: local connection id 0");
  }
  if (params.credentials == nullptr) {
    return absl::InvalidArgumentError("connect: no local credentials");
  }
  if (HandshakeCheck refused = checkOwnCredentialsAllowed(*params.credentials, params.config.auth,
                                                          params.server_address)) {
    return absl::FailedPreconditionError(absl::StrCat("connect: ", refused->debug));
  }
  absl::StatusOr<LocalCryptInfo> crypt = LocalCryptInfo::create(
      *params.credentials, cipherListForUnencrypted(params.config.unencrypted));
  if (!crypt.ok()) return crypt.status();

  std::unique_ptr<UdpConnection> conn(new UdpConnection(Role::kClient, params.local_connection_id,
                                                        params.server_address, params.config, env));
  conn->credentials_ = std::move(params.credentials);
  conn->client_crypt_info_ = *std::move(crypt);
  conn->client_policy_ = params.config.auth;
  conn->expected_server_identity_ = params.expected_server_identity;
  if (params.expected_server_identity) conn->peer_identity_ = *params.expected_server_identity;
  conn->createDataPlane(now, tagBytesOf(guessClientCipher(conn->client_crypt_info_->ciphers())));
  conn->setState(now, ConnectionState::kConnecting);  // T1: 0 -> 1
  conn->sendChallengeRequest(now);                    // udp.md §5.1 step 1: at once
  return conn;
}

std::unique_ptr<UdpConnection> UdpConnection::createIncoming(snp::Usec now,
                                                             ServerConnectionParams params,
                                                             ConnectionEnvironment env) {
  std::unique_ptr<UdpConnection> conn(new UdpConnection(Role::kServer, params.local_connection_id,
                                                        params.request.client_address,
                                                        params.config, env));
  IncomingConnectRequest& request = params.request;
  conn->listen_socket_ = params.listen_socket;
  conn->credentials_ = std::move(params.credentials);
  conn->remote_id_ = request.client_connection_id;
  conn->peer_identity_ = request.client.identity;
  conn->peer_authenticated_ = request.client.authenticated;
  conn->first_request_timestamp_ = request.client_timestamp;
  conn->first_request_received_usec_ = request.received_at;
  // udp.md §2.4 step 7: ping_est_ms up to 1500 is an initial ping sample.
  if (request.ping_est_ms && *request.ping_est_ms <= kMaxAcceptedPingEstimateMs) {
    conn->handshake_ping_usec_ = static_cast<snp::Usec>(*request.ping_est_ms) * snp::kUsecPerMsec;
  }
  conn->verified_client_ = std::move(request.client);
  // The cipher accept() would choose with today's Unencrypted value (it may still change).
  HandshakeOr<crypto::CipherId> cipher =
      chooseCipherAsServer(cipherListForUnencrypted(conn->config_.unencrypted),
                           conn->verified_client_->crypt.fields.ciphers);
  conn->createDataPlane(now, tagBytesOf(cipher.ok() ? *cipher : crypto::CipherId::kAes256Gcm));
  if (conn->handshake_ping_usec_ && conn->data_plane_ != nullptr) {
    conn->data_plane_->onHandshakeRttSample(now, *conn->handshake_ping_usec_);
  }
  conn->setState(now, ConnectionState::kConnecting);  // T3: 0 -> 1, nothing sent
  return conn;
}

void UdpConnection::takeHandshakeRttSample(snp::Usec now, snp::Usec rtt_usec) {
  if (rtt_usec < 0 || rtt_usec > kMaxHandshakeRttUsec) return;  // udp.md §3.4 sanity range
  // Rounded to the nearest ms, as GNS does ((elapsed + 500) / 1000).
  const snp::Usec ping_ms = (rtt_usec + snp::kUsecPerMsec / 2) / snp::kUsecPerMsec;
  handshake_ping_usec_ = ping_ms * snp::kUsecPerMsec;
  if (data_plane_ != nullptr) data_plane_->onHandshakeRttSample(now, rtt_usec);
}

DataPlaneParams UdpConnection::dataPlaneParams(snp::Usec now, bool connected,
                                               uint32_t peer_protocol_version,
                                               size_t tag_bytes) const {
  DataPlaneParams params;
  params.now = now;
  params.connected = connected;
  params.peer_protocol_version = peer_protocol_version;
  params.max_plaintext_bytes = maxPlaintextBytesWithTag(tag_bytes, 0, 0);
  params.mtu_bytes = static_cast<uint32_t>(mtuBytes());
  params.cipher_tag_bytes = static_cast<uint32_t>(tag_bytes);
  return params;
}

void UdpConnection::createDataPlane(snp::Usec now, size_t guessed_tag_bytes) {
  // Before the handshake the peer version is unknown: ours stands in until onConnected.
  if (env_.data_plane_factory) {
    data_plane_ = env_.data_plane_factory(
        dataPlaneParams(now, false, wire::kProtocolVersion, guessed_tag_bytes));
  }
}

int UdpConnection::dataPlaneLaneCount() const {
  return data_plane_ != nullptr ? data_plane_->laneCount() : 1;
}

// --- client ---

void UdpConnection::sendChallengeRequest(snp::Usec now) {
  wire::ChallengeRequest request;
  request.set_connection_id(local_id_);
  request.set_my_timestamp(static_cast<uint64_t>(now));
  request.set_protocol_version(wire::kProtocolVersion);
  sendControl(now, peer_address_, request);
  last_request_sent_usec_ = now;
}

void UdpConnection::sendConnectRequest(snp::Usec now, uint64_t challenge) {
  wire::ConnectRequest request;
  request.set_client_connection_id(local_id_);
  request.set_challenge(challenge);
  *request.mutable_cert() = credentials_->signedCert();
  request.set_my_timestamp(static_cast<uint64_t>(now));
  if (handshake_ping_usec_) {
    request.set_ping_est_ms(static_cast<uint32_t>(*handshake_ping_usec_ / snp::kUsecPerMsec));
  }
  *request.mutable_crypt() = client_crypt_info_->signedInfo();
  if (absl::Status s =
          setSenderIdentity(credentials_->identity(), credentials_->certHasIdentity(), &request);
      !s.ok()) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscInternalError),
                absl::StrCat("cannot write own identity: ", s.message()));
    return;
  }
  sendControl(now, peer_address_, request);
  last_request_sent_usec_ = now;
}

void UdpConnection::onChallengeReply(snp::Usec now, const wire::ChallengeReply& reply) {
  // udp.md §2.3 processing order.
  if (role_ == Role::kServer) return;
  if (state_ != ConnectionState::kConnecting) return;  // duplicate or late
  if (reply.connection_id() != local_id_) return;
  if (reply.protocol_version() < wire::kMinPeerProtocolVersion) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscGeneric),
                absl::StrCat("peer is running old software (protocol version ",
                             reply.protocol_version(), ") and needs to be updated"));
    return;
  }
  challenge_reply_version_ = reply.protocol_version();
  if (reply.has_your_timestamp()) {
    takeHandshakeRttSample(now, now - static_cast<snp::Usec>(reply.your_timestamp()));
  }
  sendConnectRequest(now, reply.challenge());  // one per reply, duplicates included
}

void UdpConnection::onConnectOK(snp::Usec now, const wire::ConnectOK& ok) {
  // udp.md §2.5 processing order.
  if (role_ == Role::kServer) return;
  if (ok.client_connection_id() != local_id_) return;
  HandshakeOr<ResolvedPeerIdentity> resolved =
      resolvePeerIdentity(peerHelloOf(ok), peer_address_, client_policy_);
  if (!resolved.ok()) return;  // step 3: drop
  // Step 4. An identity demanded by OPENGNS_ExpectedRemoteIdentity is not a routing
  // filter: a mismatch fails the connection with 4003 in processConnectOK (config.md §8).
  if (!expected_server_identity_ && !peer_identity_.isInvalid() &&
      !(resolved->identity == peer_identity_)) {
    return;
  }
  if (ok.has_your_timestamp()) {  // step 5
    takeHandshakeRttSample(now, now - static_cast<snp::Usec>(ok.your_timestamp()) -
                                    static_cast<snp::Usec>(ok.delay_time_usec()));
  }
  if (state_ == ConnectionState::kConnected || state_ == ConnectionState::kLinger) return;
  if (isClosingState(state_)) {
    sendClosingReply(now);
    return;
  }
  if (state_ != ConnectionState::kConnecting) return;
  // The client takes the server's ID right before checking it (udp.md §2.5): a rejected
  // ConnectOK still names that server in our ConnectionClosed.
  if (ok.server_connection_id() != 0) remote_id_ = ok.server_connection_id();

  ClientHandshakeContext context;
  context.server_address = peer_address_;
  context.policy = client_policy_;
  context.expected_server_identity = expected_server_identity_;
  context.challenge_reply_version = challenge_reply_version_;
  context.own_ciphers = client_crypt_info_->ciphers();
  context.own = ownMaterialOf(*credentials_, *client_crypt_info_, local_id_);
  context.local_lane_count = dataPlaneLaneCount();  // lanes configured while connecting
  HandshakeOr<HandshakeResult> session = processConnectOK(ok, context);
  if (!session.ok()) {
    if (session.error().drop_packet) return;
    failLocally(now, session.error().end_reason, session.error().debug);
    return;
  }
  becomeConnected(now, *std::move(session));  // T4: 1 -> 3
}

// --- server ---

Result UdpConnection::accept(snp::Usec now) {
  if (role_ != Role::kServer) return Result::kInvalidParam;
  if (collapseState(state_) == ConnectionState::kNone) return Result::kInvalidParam;
  if (state_ != ConnectionState::kConnecting) return Result::kInvalidState;
  // Crypto values are read now, at accept time (lifecycle.md §3.1).
  HandshakeOr<ServerAcceptResult> accepted =
      acceptConnectRequest(*verified_client_, remote_id_, *credentials_, local_id_,
                           config_.unencrypted, config_.auth, peer_address_, dataPlaneLaneCount());
  if (!accepted.ok()) {
    failLocally(now, accepted.error().end_reason, accepted.error().debug);
    return Result::kHandshakeFailed;
  }
  server_crypt_info_ = std::move(accepted->crypt_info);
  sendConnectOK(now);                                  // at once
  becomeConnected(now, std::move(accepted->session));  // T5: 1 -> 3
  return Result::kOK;
}

void UdpConnection::refuseHandshake(snp::Usec now, int reason, std::string_view debug) {
  if (role_ != Role::kServer || state_ != ConnectionState::kConnecting) return;
  failLocally(now, reason, debug);
}

void UdpConnection::sendConnectOK(snp::Usec now) {
  if (!server_crypt_info_) return;
  wire::ConnectOK ok;
  ok.set_client_connection_id(remote_id_);
  // udp.md §2.5 field 3/4: the first ConnectRequest's timestamp, while < 4 s old; after
  // that it is discarded and omitted on every later resend.
  if (first_request_timestamp_) {
    const snp::Usec held_usec = now - first_request_received_usec_;
    if (held_usec >= 0 && held_usec < kMaxEchoedTimestampAgeUsec) {
      ok.set_your_timestamp(*first_request_timestamp_);
      ok.set_delay_time_usec(static_cast<uint32_t>(held_usec));
    } else {
      first_request_timestamp_.reset();
    }
  }
  ok.set_server_connection_id(local_id_);
  *ok.mutable_crypt() = server_crypt_info_->signedInfo();
  *ok.mutable_cert() = credentials_->signedCert();
  if (absl::Status s =
          setSenderIdentity(credentials_->identity(), credentials_->certHasIdentity(), &ok);
      !s.ok()) {
    OPENGNS_BUG("connection #", local_id_, ": cannot write own identity: ", s.ToString());
    return;
  }
  sendControl(now, peer_address_, ok);
}

// --- both ---

void UdpConnection::becomeConnected(snp::Usec now, HandshakeResult session) {
  peer_identity_ = session.peer_identity;
  peer_authenticated_ = session.peer_authenticated;
  peer_protocol_version_ = session.peer_protocol_version;
  cipher_.emplace(std::move(session.packet_cipher));
  window_ = snp::PacketNumberWindow(snp::initialHighestReceived(peer_protocol_version_));
  liveness_.emplace(now);
  // The data plane was created with the connection (messages sent while connecting are
  // queued in it); the handshake's samples already went in as they were taken.
  if (data_plane_ == nullptr) {
    failLocally(now, static_cast<int>(ConnectionEnd::kMiscInternalError), "no data plane");
    return;
  }
  if (std::optional<DataPlaneFailure> failure = data_plane_->onConnected(
          dataPlaneParams(now, true, peer_protocol_version_, cipher_->overheadBytes()))) {
    failLocally(now, failure->end_reason, failure->debug);
    return;
  }
  setState(now, ConnectionState::kConnected);
  service(now);  // sends what was queued while connecting
}

}  // namespace opengns::connection
