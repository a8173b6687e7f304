// Instance: createSocketPair (lifecycle.md §9) and the API calls on the in-process pipes
// it makes. A loopback pair (§9.2) is two ordinary UDP connections on 127.0.0.1 whose
// keys were agreed in process (UdpConnection::createPaired); from then on every API call
// treats them like connections we initiated. A pipe pair (§9.1) is two records holding a
// PipeConnection each: a send hands the message straight to the partner's receive queue,
// and a close moves the partner to ClosedByPeer. Every method here runs with the
// instance lock held (the public one takes it).
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/connection_id_registry.h"
#include "api/connection_settings.h"
#include "api/detailed_status.h"
#include "api/inbound_message.h"
#include "api/instance.h"
#include "api/socket_address_convert.h"
#include "connection/connection_state.h"
#include "transport/socket_address.h"

namespace opengns::api {
namespace {

SendMessageResult failed(Result result) {
  SendMessageResult out;
  out.result = result;
  out.message_number = -1;
  return out;
}

NetworkingIdentity orLocalHost(const NetworkingIdentity& identity) {
  return identity.isInvalid() ? NetworkingIdentity::localHost() : identity;
}

// lifecycle.md §9.1: a pipe's buffers are effectively unlimited.
constexpr ConfigValue kPipeUnlimitedValues[] = {
    ConfigValue::kSendRateMin,        ConfigValue::kSendRateMax,
    ConfigValue::kRecvBufferSize,     ConfigValue::kRecvBufferMessages,
    ConfigValue::kRecvMaxMessageSize,
};

}  // namespace

SocketPairResult Instance::createSocketPair(bool loopback, const NetworkingIdentity& identity1,
                                            const NetworkingIdentity& identity2) {
  Locked lock(this);
  const NetworkingIdentity remote1 = orLocalHost(identity1);
  const NetworkingIdentity remote2 = orLocalHost(identity2);
  return loopback ? createLoopbackPair(remote1, remote2) : createPipePair(remote1, remote2);
}

ConnectionRecord& Instance::addPairRecord(uint32_t id) {
  auto owned = std::make_unique<ConnectionRecord>();
  ConnectionRecord& record = *owned;
  record.id = id;
  record.config = std::make_unique<ConfigStore>(ConfigScope::kConnection, &config_);
  // As for connectByIPAddress: crypto values and user data are bound at creation.
  record.config->lockFlagged(kConfigFlagLockedOnConnection);
  record.config->pinEffectiveValue(ConfigValue::kConnectionUserData);
  record.user_data = record.config->getInt64(ConfigValue::kConnectionUserData);
  record.status_handler = statusChangedHandlerLocked(*record.config);
  connections_.emplace(id, std::move(owned));
  return record;
}

// ---- creation -------------------------------------------------------------------------------

std::optional<std::pair<uint32_t, uint32_t>> Instance::allocatePairIds() {
  const uint32_t id1 = allocateConnectionId();
  const uint32_t id2 = id1 != 0 ? allocateConnectionId() : 0;
  if (id2 == 0) {
    if (id1 != 0) releaseConnectionId(id1);
    deferLog(DebugOutputType::kError, "createSocketPair: too many connections in this process");
    return std::nullopt;
  }
  return std::make_pair(id1, id2);
}

SocketPairResult Instance::createPipePair(const NetworkingIdentity& remote1,
                                          const NetworkingIdentity& remote2) {
  const std::optional<std::pair<uint32_t, uint32_t>> ids = allocatePairIds();
  if (!ids) return SocketPairResult{};
  const uint32_t id1 = ids->first;
  const uint32_t id2 = ids->second;
  const std::pair<uint32_t, uint32_t> ends[] = {{id1, id2}, {id2, id1}};
  for (const auto& [id, partner] : ends) {
    ConnectionRecord& record = addPairRecord(id);
    record.pipe = std::make_unique<PipeConnection>(id, partner, id == id1 ? remote1 : remote2);
    for (ConfigValue value : kPipeUnlimitedValues) {
      record.config->set(value, ConfigArg(kPipeUnlimited));
    }
  }
  // T21: both are Connected from the start, and no callback says so.
  return SocketPairResult{true, ConnectionHandle{id1}, ConnectionHandle{id2}};
}

SocketPairResult Instance::createLoopbackPair(const NetworkingIdentity& remote1,
                                              const NetworkingIdentity& remote2) {
  // Each side presents a self-made cert naming what its partner is to see: side 2 is
  // remote1 to side 1, side 1 is remote2 to side 2.
  absl::StatusOr<connection::LocalCredentials> credentials1 =
      connection::LocalCredentials::createUnsigned(remote2, app_id_);
  absl::StatusOr<connection::LocalCredentials> credentials2 =
      connection::LocalCredentials::createUnsigned(remote1, app_id_);
  if (!credentials1.ok() || !credentials2.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createSocketPair: certificate: ",
                          (!credentials1.ok() ? credentials1 : credentials2).status().message()));
    return SocketPairResult{};
  }
  // Two sockets on 127.0.0.1, ephemeral ports; each talks to the other only.
  std::unique_ptr<transport::SocketEndpoint> endpoints[2];
  for (std::unique_ptr<transport::SocketEndpoint>& endpoint : endpoints) {
    absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> opened =
        openEndpoint(transport::SocketAddress::ipv4Loopback(0), false);
    if (!opened.ok()) {
      deferLog(DebugOutputType::kError,
               absl::StrCat("createSocketPair: cannot open a socket: ", opened.status().message()));
      return SocketPairResult{};
    }
    endpoint = *std::move(opened);
  }
  if (absl::Status loop = ensureServiceLoop(); !loop.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createSocketPair: no service thread: ", loop.message()));
    return SocketPairResult{};
  }
  const std::optional<std::pair<uint32_t, uint32_t>> ids = allocatePairIds();
  if (!ids) return SocketPairResult{};
  const uint32_t id1 = ids->first;
  const uint32_t id2 = ids->second;

  // The records exist before the connections: the data-plane factory reads their config.
  ConnectionRecord& record1 = addPairRecord(id1);
  ConnectionRecord& record2 = addPairRecord(id2);
  record1.endpoint = std::move(endpoints[0]);
  record2.endpoint = std::move(endpoints[1]);
  record1.sink = std::make_unique<EndpointDatagramSink>(record1.endpoint.get());
  record2.sink = std::make_unique<EndpointDatagramSink>(record2.endpoint.get());
  auto sideParams = [&](ConnectionRecord& record, const ConnectionRecord& partner,
                        connection::LocalCredentials credentials) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    connection::PairedSideParams params;
    params.local_connection_id = record.id;
    params.peer_address = toNetworkingIPAddr(partner.endpoint->localAddress());
    params.credentials =
        std::make_shared<const connection::LocalCredentials>(std::move(credentials));
    params.config = connectionConfigFrom(*record.config, app_id_);
    params.env = environmentFor(record.sink.get(), record.id);
    return params;
  };
  absl::StatusOr<connection::PairedConnections> pair = connection::UdpConnection::createPaired(
      now_usec_, sideParams(record1, record2, *std::move(credentials1)),
      sideParams(record2, record1, *std::move(credentials2)));
  if (pair.ok()) {
    record1.client = std::move(pair->first);
    record2.client = std::move(pair->second);
  }
  absl::Status registered = pair.status();
  for (ConnectionRecord* record : {&record1, &record2}) {
    if (!registered.ok()) break;
    absl::StatusOr<uint64_t> token =
        registerEndpoint(record->endpoint.get(), EndpointOwner{false, record->id});
    if (token.ok()) record->endpoint_token = *token;
    registered = token.status();
  }
  if (!registered.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createSocketPair: ", std::string(registered.message())));
    // The application never saw these handles: they go without a callback.
    for (ConnectionRecord* record : {&record1, &record2}) {
      record->visible = false;
      record->dead = true;
    }
    reapDeadConnections();
    return SocketPairResult{};
  }
  wakeService();  // keepalive timers are running
  return SocketPairResult{true, ConnectionHandle{id1}, ConnectionHandle{id2}};
}

// ---- pipes ----------------------------------------------------------------------------------

void Instance::queueReceived(ConnectionRecord& record, MessagePtr message,
                             int64_t time_received_usec) {
  const uint64_t sequence = next_message_sequence_++;
  if (record.poll_group != 0) {
    if (PollGroup* group = poll_groups_.find(record.poll_group)) {
      group->queue.push(PollGroupEntry{record.id, sequence, time_received_usec});
    }
  }
  record.queue.push(sequence, std::move(message));
}

SendMessageResult Instance::pipeSend(ConnectionRecord& record, std::span<const std::byte> data,
                                     int flags, int lane) {
  PipeConnection& pipe = *record.pipe;
  if (pipe.state() == ConnectionState::kClosedByPeer) return failed(Result::kNoConnection);
  if (pipe.state() != ConnectionState::kConnected) return failed(Result::kInvalidState);
  // While this end is Connected its partner is alive and Connected too: closing either
  // end moves the other to ClosedByPeer.
  ConnectionRecord* partner = findRecord(pipe.partnerId());
  if (partner == nullptr || partner->pipe == nullptr || !partner->visible) {
    return failed(Result::kNoConnection);
  }
  // §9.1: the largest message is the partner's receive limit.
  const int64_t limit = partner->config->getInt32(ConfigValue::kRecvMaxMessageSize);
  if (static_cast<int64_t>(data.size()) > limit) {
    deferLog(DebugOutputType::kWarning,
             absl::StrCat("connection #", record.id, ": message of ", data.size(),
                          " bytes refused: the partner receives at most ", limit, " bytes"));
    return failed(Result::kInvalidParam);
  }
  const bool reliable = (flags & kSendReliable) != 0;
  absl::StatusOr<int64_t> number = pipe.numberOutgoing(now_usec_, lane, data.size(), reliable);
  if (!number.ok()) return failed(Result::kInvalidParam);
  partner->pipe->countIncoming(now_usec_, data.size(), reliable);

  snp::ReceivedMessage received;
  received.lane = static_cast<uint32_t>(lane);
  received.message_number = static_cast<uint64_t>(*number);
  received.reliable = reliable;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  received.data.assign(bytes, bytes + data.size());
  InboundFields fields;
  fields.connection = ConnectionHandle{partner->id};
  fields.identity = partner->pipe->remoteIdentity();
  fields.receiver_user_data = partner->user_data;
  fields.time_received_usec = now_usec_;  // = the send time
  if (MessagePtr message = makeInboundMessage(std::move(received), fields)) {
    queueReceived(*partner, std::move(message), now_usec_);
  }
  SendMessageResult out;
  out.result = Result::kOK;
  out.message_number = *number;
  return out;
}

Result Instance::pipeFlush(ConnectionRecord& record) {
  // Nothing is ever pending on a pipe.
  return record.pipe->state() == ConnectionState::kConnected ? Result::kOK : Result::kNoConnection;
}

bool Instance::pipeClose(ConnectionRecord& record, int reason, std::string_view debug) {
  PipeConnection& pipe = *record.pipe;
  const ConnectionState old_state = pipe.state();
  const connection::AppCloseReason app = connection::appCloseReason(reason, debug);
  pipe.closeByApp(app.reason, app.debug);
  onStatusChanged(record.id, old_state, pipeInfo(record));  // x -> 0, leaves the API
  // §9.1: the partner sees ClosedByPeer with this end's reason and text (3 -> 4). If this
  // end was ClosedByPeer already, the partner is gone.
  if (old_state == ConnectionState::kConnected) {
    ConnectionRecord* partner = findRecord(pipe.partnerId());
    if (partner != nullptr && partner->pipe != nullptr &&
        partner->pipe->closedByPeer(pipe.endReason(), pipe.endDebug())) {
      onStatusChanged(partner->id, ConnectionState::kConnected, pipeInfo(*partner));
    }
  }
  // Linger never applies: nothing is pending. The record goes now.
  leaveApi(record);
  record.dead = true;
  reapDeadConnections();
  return true;
}

ConnectionInfo Instance::pipeInfo(ConnectionRecord& record) {
  ConnectionInfo info = record.pipe->info(record.name);
  info.user_data = record.user_data;
  return info;
}

RealTimeStatusResult Instance::pipeRealTimeStatus(ConnectionRecord& record, int lanes,
                                                  bool get_status) {
  RealTimeStatusResult result;
  const PipeConnection& pipe = *record.pipe;
  if (lanes < 0 || static_cast<size_t>(lanes) > pipe.laneCount()) {
    result.result = Result::kInvalidParam;
    return result;
  }
  result.result = Result::kOK;
  if (get_status) result.connection_status = pipe.realTimeStatus(now_usec_);
  result.lanes_status.assign(static_cast<size_t>(lanes), pipe.laneStatus());
  return result;
}

DetailedConnectionStatus Instance::pipeDetailedStatus(ConnectionRecord& record) {
  DetailedStatusInputs inputs;
  inputs.info = pipeInfo(record);
  const RealTimeStatus status = record.pipe->realTimeStatus(now_usec_);
  inputs.status = &status;
  inputs.counters = &record.pipe->counters();
  DetailedConnectionStatus result;
  result.success = 0;
  result.buffer = describeConnectionStatus(inputs);
  return result;
}

}  // namespace opengns::api
