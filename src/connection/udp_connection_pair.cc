// UdpConnection, socket-pair part (lifecycle.md §9.2, T21): two connections of one
// process that agree their keys in process. Each side's cert and crypt info are made and
// checked as a ConnectRequest / ConnectOK would carry them (crypt-info signature and
// parse), the cipher is negotiated with the first side as the client and the second as
// the server (crypto.md §3.6), the keys come from the normal key schedule (crypto.md §4),
// and both sides enter Connected with no packet on the wire and no status event. From
// then on they are ordinary connections: encrypted data packets, keepalives, timeouts,
// close packets.
#include <utility>

#include "absl/strings/str_cat.h"
#include "connection/cipher_negotiation.h"
#include "connection/udp_connection.h"

namespace opengns::connection {
namespace {

// What the partner's Connect message would have told this side, verified the way a
// received one is. Certs are self-made (no CA): never authenticated, as in any
// unsigned-cert connection (lifecycle.md §9.2: flags Unauthenticated | Fast).
HandshakeOr<VerifiedPeer> verifyPartner(const LocalCredentials& partner,
                                        const LocalCryptInfo& partner_crypt) {
  wire::Certificate cert;
  if (!cert.ParseFromString(partner.signedCert().cert())) {
    return handshakeFail(ConnectionEnd::kRemoteBadCert, "partner cert does not parse");
  }
  HandshakeOr<PeerCryptInfo> crypt = verifyPeerCryptInfo(partner_crypt.signedInfo(), cert);
  if (!crypt.ok()) return crypt.error();
  VerifiedPeer peer;
  peer.identity = partner.identity();
  peer.authenticated = false;
  peer.cert_body.assign(partner.certBody().begin(), partner.certBody().end());
  peer.crypt = *std::move(crypt);
  return peer;
}

absl::Status failure(const char* step, const HandshakeError& error) {
  return absl::FailedPreconditionError(absl::StrCat("socket pair: ", step, ": ", error.debug,
                                                    " (end reason ", error.end_reason, ")"));
}

}  // namespace

absl::StatusOr<PairedConnections> UdpConnection::createPaired(snp::Usec now, PairedSideParams first,
                                                              PairedSideParams second) {
  if (first.local_connection_id == 0 || second.local_connection_id == 0 ||
      first.local_connection_id == second.local_connection_id) {
    return absl::InvalidArgumentError("socket pair: connection ids must be distinct and non-zero");
  }
  if (first.credentials == nullptr || second.credentials == nullptr) {
    return absl::InvalidArgumentError("socket pair: no local credentials");
  }
  // crypto.md §3.6: the first side offers its list, the second picks from its own list and
  // answers with exactly that cipher.
  absl::StatusOr<LocalCryptInfo> first_crypt = LocalCryptInfo::create(
      *first.credentials, cipherListForUnencrypted(first.config.unencrypted));
  if (!first_crypt.ok()) return first_crypt.status();
  HandshakeOr<crypto::CipherId> cipher = chooseCipherAsServer(
      cipherListForUnencrypted(second.config.unencrypted), first_crypt->ciphers());
  if (!cipher.ok()) return failure("cipher", cipher.error());
  absl::StatusOr<LocalCryptInfo> second_crypt =
      LocalCryptInfo::create(*second.credentials, {*cipher});
  if (!second_crypt.ok()) return second_crypt.status();

  HandshakeOr<VerifiedPeer> second_seen_by_first =
      verifyPartner(*second.credentials, *second_crypt);
  if (!second_seen_by_first.ok()) return failure("first side", second_seen_by_first.error());
  HandshakeOr<VerifiedPeer> first_seen_by_second = verifyPartner(*first.credentials, *first_crypt);
  if (!first_seen_by_second.ok()) return failure("second side", first_seen_by_second.error());

  const uint32_t first_id = first.local_connection_id;
  const uint32_t second_id = second.local_connection_id;
  HandshakeOr<HandshakeResult> first_session = deriveSession(
      crypto::Role::kClient, ownMaterialOf(*first.credentials, *first_crypt, first_id), second_id,
      *second_seen_by_first, *cipher);
  if (!first_session.ok()) return failure("first side keys", first_session.error());
  HandshakeOr<HandshakeResult> second_session = deriveSession(
      crypto::Role::kServer, ownMaterialOf(*second.credentials, *second_crypt, second_id), first_id,
      *first_seen_by_second, *cipher);
  if (!second_session.ok()) return failure("second side keys", second_session.error());

  // T21: no status event while the connections come up (None -> Connecting ->
  // Connected); their event sinks are attached once both are up.
  ConnectionEventSink* first_events = std::exchange(first.env.events, nullptr);
  ConnectionEventSink* second_events = std::exchange(second.env.events, nullptr);
  PairedConnections pair;
  absl::StatusOr<std::unique_ptr<UdpConnection>> made =
      createPairedSide(now, Role::kClient, std::move(first), second_id, *std::move(first_session));
  if (!made.ok()) return made.status();
  pair.first = *std::move(made);
  made =
      createPairedSide(now, Role::kServer, std::move(second), first_id, *std::move(second_session));
  if (!made.ok()) return made.status();  // the first side goes without a word
  pair.second = *std::move(made);
  pair.first->env_.events = first_events;
  pair.second->env_.events = second_events;
  return pair;
}

absl::StatusOr<std::unique_ptr<UdpConnection>> UdpConnection::createPairedSide(
    snp::Usec now, Role role, PairedSideParams params, uint32_t partner_id,
    HandshakeResult session) {
  std::unique_ptr<UdpConnection> conn(new UdpConnection(
      role, params.local_connection_id, params.peer_address, params.config, std::move(params.env)));
  conn->credentials_ = std::move(params.credentials);
  conn->remote_id_ = partner_id;
  conn->createDataPlane(now, session.packet_cipher.overheadBytes());
  conn->setState(now, ConnectionState::kConnecting);
  conn->becomeConnected(now, std::move(session));  // also sends nothing: nothing is queued
  if (conn->state_ != ConnectionState::kConnected) {
    return absl::InternalError(absl::StrCat("socket pair: connection #", conn->local_id_,
                                            " could not start: ", conn->end_debug_));
  }
  return conn;
}

}  // namespace opengns::connection
