// The listen socket's unknown-host handler and routing (see listen_socket_core.h).
#include "connection/listen_socket_core.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/log.h"
#include "connection/close_packets.h"
#include "connection/connection_state.h"
#include "connection/handshake_crypto.h"
#include "wire/control_packet.h"
#include "wire/udp_constants.h"

namespace opengns::connection {

ListenSocketCore::ListenSocketCore(ListenSocketHandle handle, ChallengeGenerator challenges,
                                   std::shared_ptr<const LocalCredentials> credentials,
                                   ConnectionConfig config, ListenSocketEnvironment env)
    : handle_(handle),
      challenges_(std::move(challenges)),
      credentials_(std::move(credentials)),
      config_(std::move(config)),
      env_(std::move(env)) {}

ListenSocketCore::~ListenSocketCore() = default;

UdpConnection* ListenSocketCore::findConnection(uint32_t local_connection_id) {
  auto it = by_id_.find(local_connection_id);
  return it == by_id_.end() ? nullptr : it->second;
}

UdpConnection* ListenSocketCore::connectionAt(const PeerAddress& address) {
  auto it = by_address_.find(keyOf(address));
  return it == by_address_.end() ? nullptr : it->second.get();
}

void ListenSocketCore::send(const PeerAddress& to, const wire::ControlMessage& message) {
  absl::StatusOr<Bytes> datagram = wire::encodeControlPacket(message);
  if (!datagram.ok()) {
    OPENGNS_BUG("listen socket: cannot encode reply: ", datagram.status().ToString());
    return;
  }
  if (env_.connection.datagrams != nullptr) env_.connection.datagrams->sendDatagram(to, *datagram);
}

void ListenSocketCore::onDatagram(snp::Usec now, const PeerAddress& from, ByteSpan datagram) {
  if (datagram.size() < wire::kMinDatagramSize) return;
  if (UdpConnection* conn = connectionAt(from)) {
    conn->onDatagram(now, datagram);  // routed by address whatever it contains (udp.md §1)
    return;
  }
  onUnknownHost(now, from, datagram);
}

void ListenSocketCore::onUnknownHost(snp::Usec now, const PeerAddress& from, ByteSpan datagram) {
  if (wire::classifyDatagram(datagram) != wire::DatagramKind::kControl) return;  // stray data
  absl::StatusOr<wire::ControlPacket> packet = wire::decodeControlPacket(datagram);
  if (!packet.ok()) return;
  if (const auto* request = std::get_if<wire::ChallengeRequest>(&packet->message)) {
    if (request->connection_id() == 0) return;
    wire::ChallengeReply reply;
    reply.set_connection_id(request->connection_id());
    reply.set_challenge(challenges_.make(static_cast<uint64_t>(now), from));
    reply.set_your_timestamp(request->my_timestamp());  // copied unconditionally (udp.md §2.3)
    reply.set_protocol_version(wire::kProtocolVersion);
    send(from, reply);
  } else if (const auto* connect = std::get_if<wire::ConnectRequest>(&packet->message)) {
    onConnectRequest(now, from, *connect);
  } else if (const auto* closed = std::get_if<wire::ConnectionClosed>(&packet->message)) {
    if (std::optional<wire::NoConnection> echo = echoNoConnection(*closed)) send(from, *echo);
  }
  // ChallengeReply, ConnectOK, NoConnection: dropped (udp.md §5.6: never answered).
}

void ListenSocketCore::onConnectRequest(snp::Usec now, const PeerAddress& from,
                                        const wire::ConnectRequest& request) {
  // udp.md §2.4 server checks, in GNS's order; every failure is a silent drop except
  // the duplicate pair of step 5.
  if (!request.has_challenge() ||
      !challenges_.verify(request.challenge(), static_cast<uint64_t>(now), from)) {
    return;  // step 1
  }
  const uint32_t client_id = request.client_connection_id();
  if (client_id == 0) return;  // step 2
  const PeerHello hello = peerHelloOf(request);
  HandshakeOr<ResolvedPeerIdentity> resolved = resolvePeerIdentity(hello, from, config_.auth);
  if (!resolved.ok()) return;                    // steps 3-4
  for (const auto& [key, conn] : by_address_) {  // step 5
    if (!conn->isDead() && conn->remoteId() == client_id &&
        conn->peerIdentity() == resolved->identity) {
      send(from, makeConnectionClosed(0, client_id, static_cast<int>(ConnectionEnd::kMiscGeneric),
                                      kDuplicateConnectionDebug));
      return;
    }
  }
  HandshakeOr<VerifiedPeer> verified = verifyPeerCredentials(hello, *resolved, config_.auth, from);
  const bool refuse_visibly =
      !verified.ok() && config_.auth.require_ca &&
      verified.error().end_reason == static_cast<int>(ConnectionEnd::kRemoteBadCert);
  if (!verified.ok() && !refuse_visibly) {  // step 6: GNS destroys it and sends nothing
    OPENGNS_LOG(LogLevel::kMsg, "listen socket: dropping ConnectRequest from ", from.toString(),
                ": ", verified.error().debug);
    return;
  }
  const uint32_t local_id = env_.allocate_connection_id ? env_.allocate_connection_id() : 0;
  if (local_id == 0) return;
  std::optional<HandshakeError> refusal;
  if (refuse_visibly) {
    // Strict mode (config.md §8): the refusal becomes a connection that fails at once
    // with 4003, so the application sees it and the client gets a ConnectionClosed.
    refusal = verified.error();
    VerifiedPeer unproven;
    unproven.identity = resolved->identity;
    verified = std::move(unproven);
  }

  ServerConnectionParams params;
  params.local_connection_id = local_id;
  params.listen_socket = handle_;
  params.credentials = credentials_;
  params.config = config_;
  params.request.client_address = from;
  params.request.client_connection_id = client_id;
  params.request.client = *std::move(verified);
  if (request.has_my_timestamp()) params.request.client_timestamp = request.my_timestamp();
  if (request.has_ping_est_ms()) params.request.ping_est_ms = request.ping_est_ms();
  params.request.received_at = now;
  std::unique_ptr<UdpConnection> conn =
      UdpConnection::createIncoming(now, std::move(params), env_.connection);
  UdpConnection* created = conn.get();
  by_id_[local_id] = created;
  by_address_[keyOf(from)] = std::move(conn);
  if (refusal) {
    OPENGNS_LOG(LogLevel::kMsg, "listen socket: refusing ConnectRequest from ", from.toString(),
                ": ", refusal->debug);
    created->refuseHandshake(now, refusal->end_reason, refusal->debug);
  }
}

void ListenSocketCore::reapDead() {
  for (auto it = by_address_.begin(); it != by_address_.end();) {
    if (it->second->isDead()) {
      by_id_.erase(it->second->localId());
      it = by_address_.erase(it);
    } else {
      ++it;
    }
  }
}

void ListenSocketCore::onTimer(snp::Usec now) {
  for (auto& [key, conn] : by_address_) {
    if (conn->nextWakeTime(now) <= now) conn->onTimer(now);
  }
  reapDead();
}

snp::Usec ListenSocketCore::nextWakeTime(snp::Usec now) {
  snp::Usec wake = snp::kNever;
  for (auto& [key, conn] : by_address_)
    wake = std::min(wake, conn->nextWakeTime(now));
  return wake;
}

void ListenSocketCore::closeAll(snp::Usec now) {
  for (auto& [key, conn] : by_address_)
    conn->destroySilently(now);
  by_address_.clear();
  by_id_.clear();
}

}  // namespace opengns::connection
