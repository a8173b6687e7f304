// Instance: the service thread's side (transport::ServiceHandler), the connection layer's
// events (connection::ConnectionEventSink), socket endpoints and their routing, the SNP
// data planes handed to connections, reaping of dead connections and shutdown.
// Everything here runs under the instance lock (instance.h).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/connection_id_registry.h"
#include "api/connection_settings.h"
#include "api/inbound_message.h"
#include "api/instance.h"
#include "api/socket_address_convert.h"
#include "connection/connection_state.h"
#include "connection/snp_data_plane.h"

namespace opengns::api {
namespace {

// lifecycle.md T20b: what the destructor closes connections with.
constexpr int kShutdownReason = static_cast<int>(ConnectionEnd::kAppExceptionMax);
constexpr std::string_view kShutdownDebug = "SteamNetworkingSockets shutdown";

// Kernel buffers asked for a listen socket (many peers share it) and for an outbound
// connection's own socket. Capped by the kernel's limits unless we run as root.
constexpr int kListenSocketReceiveBufferBytes = 4 << 20;
constexpr int kListenSocketSendBufferBytes = 1 << 20;
constexpr int kClientSocketBufferBytes = 1 << 20;
// An outbound connection's socket carries one peer: small batches (a process may hold
// thousands of them), no GRO arena.
constexpr size_t kClientSendQueueDatagrams = 32;
constexpr size_t kClientReceiveBatchDatagrams = 16;

}  // namespace

// ---- connection events ----------------------------------------------------------------------

void Instance::onStatusChanged(uint32_t connection_id, ConnectionState old_api_state,
                               const ConnectionInfo& info) {
  ConnectionRecord* record = findRecord(connection_id);
  if (record == nullptr) return;
  ConnectionStatusChangedCallback callback;
  callback.connect_handle = ConnectionHandle{connection_id};
  callback.connection = info;
  callback.connection.user_data = record->user_data;  // as it is now (lifecycle.md §1.3)
  callback.old_state = old_api_state;
  postStatusChanged(record->status_handler, callback);
  if (info.connection_state == ConnectionState::kNone) leaveApi(*record);
}

void Instance::onMessagesReceived(uint32_t connection_id,
                                  std::vector<snp::ReceivedMessage>&& messages) {
  ConnectionRecord* record = findRecord(connection_id);
  if (record == nullptr || !record->visible) return;
  connection::UdpConnection* wire = wireOf(*record);
  InboundFields fields;
  fields.connection = ConnectionHandle{connection_id};
  if (wire != nullptr) fields.identity = wire->peerIdentity();
  fields.receiver_user_data = record->user_data;
  fields.time_received_usec = now_usec_;
  PollGroup* group = record->poll_group != 0 ? poll_groups_.find(record->poll_group) : nullptr;
  for (snp::ReceivedMessage& received : messages) {
    MessagePtr message = makeInboundMessage(std::move(received), fields);
    if (message == nullptr) continue;
    const uint64_t sequence = next_message_sequence_++;
    if (group != nullptr) {
      group->queue.push(PollGroupEntry{connection_id, sequence, fields.time_received_usec});
    }
    record->queue.push(sequence, std::move(message));
  }
}

void Instance::onConnectionDead(uint32_t connection_id) {
  ConnectionRecord* record = findRecord(connection_id);
  if (record == nullptr) return;
  leaveApi(*record);
  record->dead = true;  // freed by reapDeadConnections() once the current call returned
}

// ---- data planes ------------------------------------------------------------------------------

connection::ConnectionEnvironment Instance::environmentFor(connection::DatagramSink* sink,
                                                           uint32_t client_connection_id) {
  connection::ConnectionEnvironment env;
  env.datagrams = sink;
  env.events = this;
  env.spam_limiter = &spam_limiter_;
  // Outbound connections have their own environment; a listen socket's is shared by its
  // connections, created right after createInboundRecord() named them (factory_target_).
  env.data_plane_factory =
      [this, client_connection_id](const connection::DataPlaneParams& params)
          ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return makeDataPlane(client_connection_id != 0 ? client_connection_id : factory_target_,
                                 params);
          };
  return env;
}

std::unique_ptr<connection::DataPlane> Instance::makeDataPlane(
    uint32_t connection_id, const connection::DataPlaneParams& params) {
  // The connection's SNP values (an inbound one inherits its listen socket's); the peer
  // version, budget and cipher overhead are the connection's (provisional until
  // Connected, then confirmed through DataPlane::onConnected).
  ConnectionRecord* record = findRecord(connection_id);
  snp::SnpConfig config = record != nullptr ? snpConfigFrom(*record->config) : snp::SnpConfig{};
  config.peer_protocol_version = params.peer_protocol_version;
  config.mtu_bytes = params.mtu_bytes;
  config.cipher_tag_bytes = params.cipher_tag_bytes;
  config.connected = params.connected;
  connection::AppQueueProbe probe = [this, connection_id]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    snp::ReceiveQueueState state;
    if (ConnectionRecord* owner = findRecord(connection_id)) {
      state.messages = owner->queue.size();
      state.bytes = owner->queue.bytes();
    }
    return state;
  };
  return std::make_unique<connection::SnpDataPlane>(std::move(config), std::move(probe));
}

snp::SnpSession* Instance::sessionOf(ConnectionRecord& record) {
  connection::UdpConnection* wire = wireOf(record);
  if (wire == nullptr) return nullptr;
  connection::DataPlane* plane = wire->dataPlane();
  // Every data plane is made by makeDataPlane(): an SnpDataPlane.
  return plane != nullptr ? &static_cast<connection::SnpDataPlane*>(plane)->session() : nullptr;
}

// ---- endpoints and the service thread
// ------------------------------------------------------------

absl::Status Instance::ensureServiceLoop() {
  if (loop_ != nullptr) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<transport::ServiceLoop>> loop =
      transport::ServiceLoop::create(static_cast<transport::ServiceHandler*>(this));
  if (!loop.ok()) return loop.status();
  // The thread's first iteration waits for the lock we hold; it runs once we return.
  if (absl::Status started = (*loop)->start(); !started.ok()) return started;
  loop_ = *std::move(loop);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> Instance::openEndpoint(
    const transport::SocketAddress& bind_address, bool for_listen_socket) {
  transport::SocketEndpointOptions options;
  if (for_listen_socket) {
    options.socket.receive_buffer_bytes = kListenSocketReceiveBufferBytes;
    options.socket.send_buffer_bytes = kListenSocketSendBufferBytes;
  } else {
    options.socket.receive_buffer_bytes = kClientSocketBufferBytes;
    options.socket.send_buffer_bytes = kClientSocketBufferBytes;
    options.socket.enable_gro = false;
    options.send_queue_datagrams = kClientSendQueueDatagrams;
    options.receive_batch_datagrams = kClientReceiveBatchDatagrams;
  }
  absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> endpoint =
      transport::SocketEndpoint::open(bind_address, options);
  if (!endpoint.ok()) return endpoint;
  const FakeNetworkSettings fake = fakeNetworkFrom(config_);
  (*endpoint)->setFakeNetwork(fake.send, fake.receive);
  return endpoint;
}

absl::StatusOr<uint64_t> Instance::registerEndpoint(transport::SocketEndpoint* endpoint,
                                                    EndpointOwner owner) {
  if (loop_ == nullptr) return absl::FailedPreconditionError("no service thread");
  const uint64_t token = next_endpoint_token_++;
  if (absl::Status registered = loop_->registerEndpoint(endpoint, token); !registered.ok()) {
    return registered;
  }
  endpoint_owners_[token] = owner;
  return token;
}

void Instance::unregisterEndpoint(uint64_t token) {
  if (token == 0) return;
  endpoint_owners_.erase(token);
  if (loop_ != nullptr) {
    if (absl::Status status = loop_->unregisterEndpoint(token); !status.ok()) {
      deferLog(DebugOutputType::kBug, absl::StrCat("unregister endpoint: ", status.message()));
    }
  }
}

transport::SocketEndpoint* Instance::endpointOf(const EndpointOwner& owner) {
  if (owner.listen_socket) {
    ListenSocketRecord* socket = findListenSocket(ListenSocketHandle{owner.handle});
    return socket != nullptr ? socket->endpoint.get() : nullptr;
  }
  ConnectionRecord* record = findRecord(owner.handle);
  return record != nullptr ? record->endpoint.get() : nullptr;
}

transport::SocketEndpoint* Instance::endpointOf(ConnectionRecord& record) {
  if (record.endpoint != nullptr) return record.endpoint.get();
  ListenSocketRecord* socket = findListenSocket(ListenSocketHandle{record.listen_socket});
  return socket != nullptr ? socket->endpoint.get() : nullptr;
}

void Instance::flushEndpoint(transport::SocketEndpoint& endpoint) {
  if (absl::Status flushed = endpoint.flush(); !flushed.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("socket ", endpoint.localAddress().toString(), ": ", flushed.message()));
  }
}

void Instance::wakeService() {
  if (loop_ != nullptr) loop_->wake();
}

void Instance::afterApiSend(ConnectionRecord& record, bool on_caller_thread) {
  transport::SocketEndpoint* endpoint = endpointOf(record);
  if (endpoint != nullptr && endpoint->queuedSendDatagrams() != 0) {
    if (!on_caller_thread) {
      wakeService();  // it writes them, and re-reads every timer
      return;
    }
    flushEndpoint(*endpoint);
  }
  // Nothing left to write here; the service thread only needs to hear about a timer that
  // is now earlier than the one it sleeps for (a Nagle deadline, a resend timer, a datagram
  // held back by fake lag).
  transport::MonotonicUsec due = transport::kNeverUsec;
  if (endpoint != nullptr) due = endpoint->nextWakeTime();
  if (connection::UdpConnection* wire = wireOf(record)) {
    due = std::min(due, wire->nextWakeTime(now_usec_));
  }
  if (due < scheduled_wake_usec_) wakeService();
}

void Instance::receiveOnCallerThread() {
  if (endpoint_owners_.empty()) return;
  owners_scratch_.clear();
  for (const auto& [token, owner] : endpoint_owners_)
    owners_scratch_.push_back(owner);
  size_t received = 0;
  for (const EndpointOwner& owner : owners_scratch_)
    received += receiveOn(owner, true);
  if (received == 0) return;  // nothing changed
  reapDeadConnections();
  // Acks and replies go out now; the service thread re-reads the timers (a delayed ack,
  // datagrams held back by fake lag) after one coalesced wake.
  for (const EndpointOwner& owner : owners_scratch_) {
    transport::SocketEndpoint* endpoint = endpointOf(owner);
    if (endpoint != nullptr && endpoint->queuedSendDatagrams() != 0) flushEndpoint(*endpoint);
  }
  wakeService();
}

size_t Instance::receiveOn(const EndpointOwner& owner, bool from_socket) {
  transport::SocketEndpoint* endpoint = endpointOf(owner);
  if (endpoint == nullptr) return 0;
  absl::StatusOr<size_t> received = 0;
  if (owner.listen_socket) {
    ListenSocketRecord* socket = findListenSocket(ListenSocketHandle{owner.handle});
    auto handler = [&](transport::MonotonicUsec at_usec, const transport::SocketAddress& peer,
                       ByteSpan payload) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      now_usec_ = std::max<snp::Usec>(now_usec_, at_usec);  // the cores need monotonic time
      socket->core->onDatagram(now_usec_, toNetworkingIPAddr(peer), payload);
      factory_target_ = 0;  // set by createInboundRecord() for a new connection
    };
    received = from_socket ? endpoint->receive(handler) : endpoint->deliverDue(handler);
  } else {
    ConnectionRecord* record = findRecord(owner.handle);
    if (record == nullptr || record->client == nullptr) return 0;
    connection::UdpConnection* client = record->client.get();
    auto handler = [&](transport::MonotonicUsec at_usec, const transport::SocketAddress& peer,
                       ByteSpan payload) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      now_usec_ = std::max<snp::Usec>(now_usec_, at_usec);
      // An outbound connection's socket talks to its server only (udp.md §1).
      if (toNetworkingIPAddr(peer) != client->peerAddress()) return;
      client->onDatagram(now_usec_, payload);
    };
    received = from_socket ? endpoint->receive(handler) : endpoint->deliverDue(handler);
  }
  if (!received.ok()) {
    deferLog(DebugOutputType::kError, absl::StrCat("socket ", endpoint->localAddress().toString(),
                                                   ": ", received.status().message()));
    return 0;
  }
  return *received;
}

void Instance::onReadable(uint64_t token, transport::MonotonicUsec /*now_usec*/) {
  Locked lock(this);
  auto it = endpoint_owners_.find(token);
  if (it == endpoint_owners_.end()) return;  // unregistered meanwhile
  const EndpointOwner owner = it->second;
  receiveOn(owner, true);
  reapDeadConnections();
}

transport::MonotonicUsec Instance::onService(transport::MonotonicUsec /*now_usec*/) {
  Locked lock(this);
  const snp::Usec now = now_usec_;
  refreshConfigIfChanged();
  // Fake-network datagrams that became due, then every due timer.
  std::vector<EndpointOwner> owners;
  owners.reserve(endpoint_owners_.size());
  for (const auto& [token, owner] : endpoint_owners_)
    owners.push_back(owner);
  for (const EndpointOwner& owner : owners) {
    transport::SocketEndpoint* endpoint = endpointOf(owner);
    if (endpoint != nullptr && endpoint->nextWakeTime() <= now) receiveOn(owner, false);
  }
  for (auto& [id, record] : connections_) {
    connection::UdpConnection* client = record->client.get();
    if (client != nullptr && !record->dead && client->nextWakeTime(now) <= now) {
      client->onTimer(now);
    }
  }
  listen_sockets_.forEach([&](uint32_t, std::unique_ptr<ListenSocketRecord>& socket)
                              ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                if (socket->core->nextWakeTime(now) <= now) {
                                  socket->core->onTimer(now);
                                }
                              });
  reapDeadConnections();

  // Send what was queued, and find the next wake time.
  transport::MonotonicUsec next = transport::kNeverUsec;
  for (const auto& [token, owner] : endpoint_owners_) {
    if (transport::SocketEndpoint* endpoint = endpointOf(owner)) {
      flushEndpoint(*endpoint);
      next = std::min(next, endpoint->nextWakeTime());
    }
  }
  for (auto& [id, record] : connections_) {
    if (record->client != nullptr && !record->dead) {
      next = std::min(next, record->client->nextWakeTime(now));
    }
  }
  listen_sockets_.forEach([&](uint32_t, std::unique_ptr<ListenSocketRecord>& socket)
                              ABSL_NO_THREAD_SAFETY_ANALYSIS {
                                next = std::min(next, socket->core->nextWakeTime(now));
                              });
  scheduled_wake_usec_ = next;
  return next;
}

void Instance::refreshConfigIfChanged() {
  const uint64_t generation = configGeneration();
  if (generation == config_generation_seen_) return;
  config_generation_seen_ = generation;
  // Timeouts and MTU apply at once (lifecycle.md §5.1); the crypto values were frozen by
  // the connection itself (client: at connect; server: at accept).
  for (auto& [id, record] : connections_) {
    if (record->dead) continue;
    if (connection::UdpConnection* wire = wireOf(*record)) {
      wire->updateConfig(connectionConfigFrom(*record->config, app_id_));
    }
  }
  listen_sockets_.forEach(
      [&](uint32_t, std::unique_ptr<ListenSocketRecord>& socket) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        socket->core->updateConfig(connectionConfigFrom(*socket->config, app_id_));
      });
  const FakeNetworkSettings fake = fakeNetworkFrom(config_);
  for (const auto& [token, owner] : endpoint_owners_) {
    if (transport::SocketEndpoint* endpoint = endpointOf(owner)) {
      endpoint->setFakeNetwork(fake.send, fake.receive);
    }
  }
}

void Instance::reapDeadConnections() {
  std::vector<uint32_t> dead;
  for (const auto& [id, record] : connections_) {
    if (record->dead) dead.push_back(id);
  }
  for (uint32_t id : dead) {
    ConnectionRecord& record = *connections_.at(id);
    leaveApi(record);
    unregisterEndpoint(record.endpoint_token);
    record.client.reset();  // before the endpoint and sink it sends through
    connections_.erase(id);
    releaseConnectionId(id);
  }
}

void Instance::shutdownLocked() {
  // lifecycle.md T20b / T20c: connections still active on the wire send one
  // ConnectionClosed(2999); the others just go. Callbacks posted here are dropped.
  for (auto& [id, record] : connections_) {
    if (record->dead) continue;
    connection::UdpConnection* wire = wireOf(*record);
    if (wire == nullptr) continue;
    const ConnectionState state = wire->state();
    if (record->visible &&
        (state == ConnectionState::kConnecting || state == ConnectionState::kFindingRoute ||
         state == ConnectionState::kConnected)) {
      wire->close(now_usec_, kShutdownReason, kShutdownDebug, false);
    }
    leaveApi(*record);
  }
  for (const auto& [token, owner] : endpoint_owners_) {
    if (transport::SocketEndpoint* endpoint = endpointOf(owner)) flushEndpoint(*endpoint);
  }
}

}  // namespace opengns::api
