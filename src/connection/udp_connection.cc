// UdpConnection, lifecycle part: creation, state transitions and events, closing, close
// packets, control-message dispatch and timers (see udp_connection.h). The handshake
// messages are in udp_connection_handshake.cc, data packets in udp_connection_data.cc.
#include "connection/udp_connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "connection/close_packets.h"
#include "connection/connection_description.h"
#include "connection/connection_state.h"
#include "wire/udp_constants.h"

namespace opengns::connection {

UdpConnection::UdpConnection(Role role, uint32_t local_id, PeerAddress peer,
                             ConnectionConfig config, ConnectionEnvironment env)
    : role_(role),
      local_id_(local_id),
      peer_address_(peer),
      config_(std::move(config)),
      env_(std::move(env)),
      decrypt_buffer_(wire::kMaxDatagramReceiveSize) {}

UdpConnection::~UdpConnection() = default;

void UdpConnection::updateConfig(const ConnectionConfig& config) {
  config_ = config;
}

void UdpConnection::setAppName(std::string_view name) {
  app_name_ = std::string(name.substr(0, kMaxConnectionAppNameLength - 1));
}

snp::Usec UdpConnection::timeoutInitialUsec() const {
  return static_cast<snp::Usec>(std::max(config_.timeout_initial_ms, 0)) * snp::kUsecPerMsec;
}

snp::Usec UdpConnection::timeoutConnectedUsec() const {
  return static_cast<snp::Usec>(std::max(config_.timeout_connected_ms, 0)) * snp::kUsecPerMsec;
}

std::optional<int> UdpConnection::handshakePingMs() const {
  if (!handshake_ping_usec_) return std::nullopt;
  return static_cast<int>(*handshake_ping_usec_ / snp::kUsecPerMsec);
}

ConnectionInfo UdpConnection::info() const {
  ConnectionInfo info;
  info.identity = peer_identity_;
  info.listen_socket = listen_socket_;
  info.remote_address = peer_address_;
  info.connection_state = collapseState(state_);
  info.end_reason = end_reason_;
  info.end_debug = end_debug_;
  info.debug_description =
      describeUdpConnection(local_id_, peer_identity_, peer_address_, app_name_);
  info.info_flags = udpConnectionInfoFlags(peer_authenticated_, cipher_.has_value(),
                                           cipher_ && cipher_->cipher() == crypto::CipherId::kNull,
                                           peer_address_);
  return info;
}

// --- state transitions ---

void UdpConnection::setState(snp::Usec now, ConnectionState new_state) {
  const ConnectionState old_state = state_;
  if (old_state == new_state) return;
  wire_state_ = nextWireState(old_state, wire_state_, new_state);
  state_ = new_state;
  state_entered_usec_ = now;
  if (shouldNotify(old_state, new_state) && env_.events != nullptr) {
    env_.events->onStatusChanged(local_id_, collapseState(old_state), info());
  }
  if (new_state == ConnectionState::kDead && env_.events != nullptr) {
    env_.events->onConnectionDead(local_id_);
  }
}

void UdpConnection::recordEnd(int reason, std::string_view debug, bool overwrite) {
  if (end_reason_ != ConnectionEnd::kInvalid && !overwrite) return;
  end_reason_ = static_cast<ConnectionEnd>(reason);
  end_debug_ = truncateEndDebug(debug);
}

void UdpConnection::failLocally(snp::Usec now, int reason, std::string_view debug) {
  switch (state_) {
    case ConnectionState::kConnecting:
    case ConnectionState::kFindingRoute:
    case ConnectionState::kConnected:  // T10
      OPENGNS_LOG(LogLevel::kMsg, "connection #", local_id_, " problem detected locally: ", reason,
                  " ", absl::string_view(debug.data(), debug.size()));
      recordEnd(reason, debug, false);
      data_plane_.reset();
      setState(now, ConnectionState::kProblemDetectedLocally);
      sendClosingReply(now);
      return;
    case ConnectionState::kLinger:  // T11: the local problem overwrites the app's reason
      recordEnd(reason, debug, true);
      enterFinWait(now);
      return;
    default:  // T12: first reason wins, nothing changes
      return;
  }
}

void UdpConnection::closedByPeer(snp::Usec now, int reason, std::string_view debug) {
  switch (state_) {
    case ConnectionState::kConnecting:
    case ConnectionState::kFindingRoute:
    case ConnectionState::kConnected:  // T7
      recordEnd(reason, debug, false);
      data_plane_.reset();
      setState(now, ConnectionState::kClosedByPeer);
      return;
    case ConnectionState::kLinger:  // T8: straight to FinWait, app's reason kept
      enterFinWait(now);
      return;
    default:  // T9
      return;
  }
}

void UdpConnection::enterFinWait(snp::Usec now) {
  data_plane_.reset();
  liveness_.reset();
  setState(now, ConnectionState::kFinWait);
  sendClosingReply(now);
}

bool UdpConnection::close(snp::Usec now, int reason, std::string_view debug, bool linger) {
  if (collapseState(state_) == ConnectionState::kNone) return false;
  if (isActiveOnWire(state_)) {
    const AppCloseReason app = appCloseReason(reason, debug);
    recordEnd(static_cast<int>(app.reason), app.debug, false);
    if (state_ == ConnectionState::kConnected && linger && data_plane_ != nullptr &&
        data_plane_->hasPendingReliableData(now)) {  // T14
      data_plane_->discardUnreliableQueue();
      data_plane_->discardReceivedMessages();  // acked, never delivered (lifecycle.md §4.4)
      setState(now, ConnectionState::kLinger);
      service(now);
      return true;
    }
  }
  enterFinWait(now);  // T13, T17, T18
  return true;
}

void UdpConnection::destroySilently(snp::Usec now) {
  if (state_ == ConnectionState::kDead) return;
  data_plane_.reset();
  liveness_.reset();
  setState(now, ConnectionState::kDead);
}

// --- close packets ---

void UdpConnection::sendControl(snp::Usec now, const PeerAddress& to,
                                const wire::ControlMessage& message) {
  absl::StatusOr<Bytes> datagram = wire::encodeControlPacket(message);
  if (!datagram.ok()) {
    OPENGNS_BUG("connection #", local_id_,
                ": cannot encode control packet: ", datagram.status().ToString());
    return;
  }
  if (env_.datagrams != nullptr) env_.datagrams->sendDatagram(to, *datagram);
  // The status's traffic numbers count every datagram to the peer (lifecycle.md §8.4).
  if (data_plane_ != nullptr) data_plane_->countControlDatagramOut(now, datagram->size());
}

void UdpConnection::sendClosingReply(snp::Usec now) {
  if (wire_state_ == ConnectionState::kClosedByPeer) {  // N2
    sendControl(now, peer_address_, makeNoConnection(local_id_, remote_id_));
  } else {
    sendControl(
        now, peer_address_,
        makeConnectionClosed(local_id_, remote_id_, static_cast<int>(end_reason_), end_debug_));
  }
}

// --- receive dispatch (udp.md §10) ---

void UdpConnection::onDatagram(snp::Usec now, ByteSpan datagram) {
  if (state_ == ConnectionState::kDead || state_ == ConnectionState::kNone) return;
  switch (wire::classifyDatagram(datagram)) {
    case wire::DatagramKind::kTooShort:
      return;
    case wire::DatagramKind::kData:
      onDataPacket(now, datagram);
      return;
    case wire::DatagramKind::kControl:
    case wire::DatagramKind::kUnknown:
      onControlDatagram(now, datagram);
      return;
  }
}

void UdpConnection::onControlDatagram(snp::Usec now, ByteSpan datagram) {
  // GNS counts any non-data datagram from the peer's address as received (udp.md §1.1).
  if (liveness_) liveness_->onReceived(now);
  if (data_plane_ != nullptr) data_plane_->countControlDatagramIn(now, datagram.size());
  absl::StatusOr<wire::ControlPacket> packet = wire::decodeControlPacket(datagram);
  if (!packet.ok()) return;
  std::visit(
      [&](const auto& message) {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, wire::ChallengeRequest>) {
          onRepeatedRequest(now, message.connection_id());
        } else if constexpr (std::is_same_v<T, wire::ConnectRequest>) {
          onRepeatedRequest(now, message.client_connection_id());
        } else if constexpr (std::is_same_v<T, wire::ChallengeReply>) {
          onChallengeReply(now, message);
        } else if constexpr (std::is_same_v<T, wire::ConnectOK>) {
          onConnectOK(now, message);
        } else if constexpr (std::is_same_v<T, wire::ConnectionClosed>) {
          onConnectionClosed(now, message);
        } else if constexpr (std::is_same_v<T, wire::NoConnection>) {
          onNoConnection(now, message);
        }
      },
      packet->message);
  service(now);
}

void UdpConnection::onRepeatedRequest(snp::Usec now, uint32_t id) {
  if (id == 0 || id != remote_id_) return;  // udp.md §1.1: other IDs are dropped silently
  if (state_ == ConnectionState::kConnected || state_ == ConnectionState::kLinger) {
    if (role_ == Role::kServer) sendConnectOK(now);  // the lost-ConnectOK recovery path
    return;
  }
  if (isClosingState(state_)) sendClosingReply(now);
  // Connecting: the server waits for the application.
}

void UdpConnection::onConnectionClosed(snp::Usec now, const wire::ConnectionClosed& closed) {
  const std::optional<wire::NoConnection> echo = echoNoConnection(closed);
  if (!connectionClosedMatches(closed, local_id_, remote_id_)) {
    if (echo && env_.spam_limiter != nullptr && env_.spam_limiter->allow(now)) {
      sendControl(now, peer_address_, *echo);
    }
    return;
  }
  if (echo) sendControl(now, peer_address_, *echo);  // N1, always for a matching close
  const std::string_view debug =
      closed.debug().empty() ? kDefaultPeerClosedDebug : std::string_view(closed.debug());
  closedByPeer(now, static_cast<int>(closed.reason_code()), debug);
}

void UdpConnection::onNoConnection(snp::Usec now, const wire::NoConnection& no_connection) {
  // Never answered (udp.md §2.7).
  if (!noConnectionMatches(no_connection, local_id_, remote_id_)) return;
  closedByPeer(now, static_cast<int>(ConnectionEnd::kMiscPeerSentNoConnection),
               kPeerSentNoConnectionDebug);
}

// --- timers ---

void UdpConnection::onTimer(snp::Usec now) {
  switch (state_) {
    case ConnectionState::kConnecting:
      // udp.md §5.1: the timeout is checked before any retry.
      if (now >= state_entered_usec_ + timeoutInitialUsec()) {
        failLocally(now, static_cast<int>(ConnectionEnd::kMiscTimeout),
                    role_ == Role::kClient ? kConnectTimeoutDebug : kAcceptTimeoutDebug);
        return;
      }
      if (role_ == Role::kClient && now >= last_request_sent_usec_ + kHandshakeRetryIntervalUsec) {
        sendChallengeRequest(now);
      }
      return;
    case ConnectionState::kConnected:
    case ConnectionState::kLinger:
      service(now);
      return;
    case ConnectionState::kFinWait:
      if (now >= state_entered_usec_ + kFinWaitUsec) setState(now, ConnectionState::kDead);  // T19
      return;
    default:
      return;
  }
}

snp::Usec UdpConnection::nextWakeTime(snp::Usec now) {
  switch (state_) {
    case ConnectionState::kConnecting: {
      snp::Usec wake = state_entered_usec_ + timeoutInitialUsec();
      if (role_ == Role::kClient) {
        wake = std::min(wake, last_request_sent_usec_ + kHandshakeRetryIntervalUsec);
      }
      return wake;
    }
    case ConnectionState::kConnected:
    case ConnectionState::kLinger: {
      snp::Usec wake = snp::kNever;
      if (liveness_) wake = liveness_->nextWakeTime(timeoutConnectedUsec());
      if (data_plane_ != nullptr) wake = std::min(wake, data_plane_->nextWakeTime(now));
      return wake;
    }
    case ConnectionState::kFinWait:
      return state_entered_usec_ + kFinWaitUsec;
    default:
      return snp::kNever;
  }
}

}  // namespace opengns::connection
