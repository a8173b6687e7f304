#include "enet_transport.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace opengns::bench {
namespace {

// opengns's default SendBufferSize (config.md §1.4.2): the same queue bound for both.
constexpr int64_t kSendQueueLimitBytes = 512 * 1024;
constexpr size_t kChannels = 1;
constexpr uint8_t kChannel = 0;

EnetTransport* g_transport = nullptr;  // for the intercept hook (one transport per process)

}  // namespace

EnetTransport::EnetTransport() {
  initialized_ = enet_initialize() == 0;
  g_transport = this;
}

EnetTransport::~EnetTransport() {
  if (host_ != nullptr) {
    enet_host_flush(host_);  // sends queued disconnects
    enet_host_destroy(host_);
  }
  if (initialized_) enet_deinitialize();
  g_transport = nullptr;
}

absl::Status EnetTransport::createHost(const ENetAddress* address, int max_connections) {
  if (!initialized_) return absl::InternalError("enet_initialize failed");
  // 0, 0: no incoming / outgoing bandwidth limit.
  host_ = enet_host_create(address, static_cast<size_t>(max_connections), kChannels, 0, 0);
  if (host_ == nullptr) return absl::InternalError("enet_host_create failed");
  host_->intercept = &EnetTransport::interceptHook;
  return absl::OkStatus();
}

absl::StatusOr<uint16_t> EnetTransport::listen(int max_connections) {
  ENetAddress address{};
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = 0;  // ephemeral; enet_host_create reads the bound address back
  absl::Status status = createHost(&address, max_connections);
  if (!status.ok()) return status;
  if (host_->address.port == 0) return absl::InternalError("enet: bound port unknown");
  return host_->address.port;
}

absl::Status EnetTransport::startClient(int max_connections) {
  return createHost(nullptr, max_connections);
}

absl::StatusOr<ConnId> EnetTransport::connect(uint16_t port) {
  ENetAddress address{};
  enet_address_set_host_ip(&address, "127.0.0.1");
  address.port = port;
  ENetPeer* peer = enet_host_connect(host_, &address, kChannels, 0);
  if (peer == nullptr) return absl::ResourceExhaustedError("enet_host_connect: no free peer");
  return static_cast<ConnId>(peer - host_->peers);
}

ENetPeer* EnetTransport::peer(ConnId conn) const {
  if (host_ == nullptr || conn >= host_->peerCount) return nullptr;
  return &host_->peers[conn];
}

void EnetTransport::onPacketFreed(ENetPacket* packet) {
  auto* self = static_cast<EnetTransport*>(packet->userData);
  if (self != nullptr) self->queued_bytes_ -= static_cast<int64_t>(packet->dataLength);
}

SendStatus EnetTransport::send(ConnId conn, std::span<const uint8_t> data, SendMode mode) {
  ENetPeer* target = peer(conn);
  if (target == nullptr || target->state != ENET_PEER_STATE_CONNECTED) return SendStatus::kError;
  if (queued_bytes_ >= kSendQueueLimitBytes) return SendStatus::kBusy;
  ENetPacket* packet =
      enet_packet_create(data.data(), data.size(), mode.reliable ? ENET_PACKET_FLAG_RELIABLE : 0);
  if (packet == nullptr) return SendStatus::kError;
  packet->userData = this;
  packet->freeCallback = &EnetTransport::onPacketFreed;
  queued_bytes_ += static_cast<int64_t>(data.size());
  if (enet_peer_send(target, kChannel, packet) < 0) {
    enet_packet_destroy(packet);
    return SendStatus::kError;
  }
  if (!mode.nagle) enet_host_flush(host_);
  return SendStatus::kOk;
}

void EnetTransport::dispatch(const ENetEvent& event, TransportHandler& handler) {
  ConnId conn = static_cast<ConnId>(event.peer - host_->peers);
  switch (event.type) {
    case ENET_EVENT_TYPE_CONNECT:
      handler.onConnected(conn);
      break;
    case ENET_EVENT_TYPE_DISCONNECT:
      if (closed_locally_.erase(conn) == 0) handler.onClosed(conn);
      break;
    case ENET_EVENT_TYPE_RECEIVE:
      if (closed_locally_.count(conn) == 0) {
        handler.onMessage(conn, {event.packet->data, event.packet->dataLength});
      }
      enet_packet_destroy(event.packet);
      break;
    case ENET_EVENT_TYPE_NONE:
      break;
  }
}

int EnetTransport::poll(TransportHandler& handler, int64_t max_wait_us) {
  if (host_ == nullptr) return 0;
  // enet_host_service waits in whole milliseconds but returns as soon as a datagram arrives.
  enet_uint32 timeout_ms =
      max_wait_us <= 0 ? 0 : static_cast<enet_uint32>(std::max<int64_t>(1, max_wait_us / 1000));
  ENetEvent event{};
  int handled = 0;
  int result = enet_host_service(host_, &event, timeout_ms);
  while (result > 0) {
    dispatch(event, handler);
    ++handled;
    result = enet_host_check_events(host_, &event);
  }
  return handled;
}

void EnetTransport::close(ConnId conn, bool linger) {
  ENetPeer* target = peer(conn);
  if (target == nullptr || target->state == ENET_PEER_STATE_DISCONNECTED) return;
  closed_locally_.insert(conn);
  if (linger) {
    enet_peer_disconnect_later(target, 0);  // after the queued packets
  } else {
    enet_peer_disconnect(target, 0);
  }
}

int EnetTransport::interceptHook(ENetHost*, ENetEvent*) {
  EnetTransport* self = g_transport;
  if (self == nullptr || self->loss_pct_ <= 0) return 0;
  std::uniform_real_distribution<double> percent(0.0, 100.0);
  return percent(self->rng_) < self->loss_pct_ ? 1 : 0;  // 1 = consumed (dropped)
}

}  // namespace opengns::bench
