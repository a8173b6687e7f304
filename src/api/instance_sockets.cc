// Instance: listen sockets, connecting, accepting, closing, the per-connection properties
// and the listen-socket / connection config scopes (lifecycle.md §3, §4, §6; config.md
// §1.9, §2.1). Every method takes the instance lock (instance.h).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "api/connection_id_registry.h"
#include "api/connection_settings.h"
#include "api/instance.h"
#include "api/socket_address_convert.h"
#include "api/trusted_ca_config.h"
#include "connection/challenge.h"
#include "connection/connection_state.h"
#include "transport/socket_address.h"

namespace opengns::api {
namespace {

// lifecycle.md §6.3: names keep at most 31 bytes.
constexpr size_t kMaxConnectionNameBytes = kMaxConnectionAppNameLength - 1;

std::string statusText(const absl::Status& status) {
  return std::string(status.message());
}

}  // namespace

// ---- listen sockets ----------------------------------------------------------------------

ListenSocketHandle Instance::createListenSocket(const NetworkingIPAddr& address,
                                                std::span<const ConfigOption> options) {
  Locked lock(this);
  auto config = std::make_unique<ConfigStore>(ConfigScope::kListenSocket, &config_);
  if (absl::Status applied = applyOptions(*config, options); !applied.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createListenSocketIP ", address.toString(), ": ", statusText(applied)));
    return kInvalidListenSocket;
  }
  config->lockFlagged(kConfigFlagLockedOnListenSocket);  // config.md §1.9.1

  absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> creds = credentials();
  absl::StatusOr<connection::ChallengeGenerator> challenges =
      connection::ChallengeGenerator::create();
  if (!creds.ok() || !challenges.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createListenSocketIP: ",
                          statusText(!creds.ok() ? creds.status() : challenges.status())));
    return kInvalidListenSocket;
  }
  // The all-zero address binds [::]:port, dual-stack (IPv4 peers too).
  const transport::SocketAddress bind_address =
      address.isAny() ? transport::SocketAddress::ipv6Any(address.port())
                      : toSocketAddress(address);
  absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> endpoint =
      openEndpoint(bind_address, true);
  if (!endpoint.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createListenSocketIP ", address.toString(),
                          ": cannot bind: ", statusText(endpoint.status())));
    return kInvalidListenSocket;
  }
  if (absl::Status loop = ensureServiceLoop(); !loop.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createListenSocketIP: no service thread: ", statusText(loop)));
    return kInvalidListenSocket;
  }

  const uint32_t handle = listen_sockets_.insert(std::make_unique<ListenSocketRecord>());
  if (handle == 0) {
    deferLog(DebugOutputType::kError, "createListenSocketIP: too many listen sockets");
    return kInvalidListenSocket;
  }
  ListenSocketRecord& record = **listen_sockets_.find(handle);
  record.handle = ListenSocketHandle{handle};
  record.config = std::move(config);
  record.endpoint = *std::move(endpoint);
  record.local_address = toNetworkingIPAddr(record.endpoint->localAddress());
  record.sink = std::make_unique<EndpointDatagramSink>(record.endpoint.get());

  connection::ListenSocketEnvironment env;
  env.connection = environmentFor(record.sink.get(), 0);
  ListenSocketRecord* raw = &record;
  env.allocate_connection_id = [this, raw]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return createInboundRecord(*raw);  // called inside the core, under mutex_
  };
  record.core = std::make_unique<connection::ListenSocketCore>(
      record.handle, *std::move(challenges), *std::move(creds),
      connectionConfigFrom(*record.config, app_id_), std::move(env));

  absl::StatusOr<uint64_t> token =
      registerEndpoint(record.endpoint.get(), EndpointOwner{true, handle});
  if (!token.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("createListenSocketIP: ", statusText(token.status())));
    listen_sockets_.erase(handle);
    return kInvalidListenSocket;
  }
  record.endpoint_token = *token;
  return record.handle;
}

bool Instance::closeListenSocket(ListenSocketHandle socket) {
  Locked lock(this);
  ListenSocketRecord* record = findListenSocket(socket);
  if (record == nullptr) return false;
  // lifecycle.md §3.5 (T20): every connection destroyed at once, x -> 0 for the visible
  // ones, nothing sent; the records go with the connections.
  record->core->closeAll(now_usec_);
  for (auto& [id, connection] : connections_) {
    if (connection->listen_socket == static_cast<uint32_t>(socket)) {
      leaveApi(*connection);
      connection->dead = true;
    }
  }
  reapDeadConnections();
  unregisterEndpoint(record->endpoint_token);
  listen_sockets_.erase(static_cast<uint32_t>(socket));
  return true;
}

std::string Instance::listenSocketAddress(ListenSocketHandle socket, bool with_port) {
  Locked lock(this);
  ListenSocketRecord* record = findListenSocket(socket);
  if (record == nullptr) return {};
  return record->local_address.toString(with_port);
}

uint32_t Instance::createInboundRecord(ListenSocketRecord& listen_socket) {
  const uint32_t id = allocateConnectionId();
  if (id == 0) {
    deferLog(DebugOutputType::kWarning,
             "listen socket: refusing a connection: too many connections in this process");
    return 0;
  }
  auto record = std::make_unique<ConnectionRecord>();
  record->id = id;
  record->listen_socket = static_cast<uint32_t>(listen_socket.handle);
  record->config =
      std::make_unique<ConfigStore>(ConfigScope::kConnection, listen_socket.config.get());
  // lifecycle.md §6.2: the user data is bound to the connection from its creation on.
  record->config->pinEffectiveValue(ConfigValue::kConnectionUserData);
  record->user_data = record->config->getInt64(ConfigValue::kConnectionUserData);
  record->status_handler = statusChangedHandlerLocked(*record->config);
  connections_.emplace(id, std::move(record));
  factory_target_ = id;  // the core creates the connection (and its data plane) next
  return id;
}

// ---- connecting ---------------------------------------------------------------------------

ConnectionHandle Instance::connect(const NetworkingIPAddr& address,
                                   std::span<const ConfigOption> options) {
  Locked lock(this);
  if (address.isAny() || (address.isIPv4() && address.ipv4() == 0) || address.port() == 0) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("connectByIPAddress: ", address.toString(), " is not a remote address"));
    return kInvalidConnection;
  }
  auto config = std::make_unique<ConfigStore>(ConfigScope::kConnection, &config_);
  if (absl::Status applied = applyOptions(*config, options); !applied.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("connectByIPAddress ", address.toString(), ": ", statusText(applied)));
    return kInvalidConnection;
  }
  // config.md §1.9.1: a locally initiated connection locks its crypto values at creation.
  config->lockFlagged(kConfigFlagLockedOnConnection);
  config->pinEffectiveValue(ConfigValue::kConnectionUserData);

  std::optional<NetworkingIdentity> expected;
  const std::string expected_text = config->getString(ConfigValue::kOpengnsExpectedRemoteIdentity);
  if (!expected_text.empty()) {
    expected = NetworkingIdentity::parse(expected_text);
    if (!expected) {
      deferLog(DebugOutputType::kError,
               absl::StrCat("connectByIPAddress: OPENGNS_ExpectedRemoteIdentity \"", expected_text,
                            "\" is not an identity"));
      return kInvalidConnection;
    }
  }
  absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> creds = credentials();
  if (!creds.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("connectByIPAddress: ", statusText(creds.status())));
    return kInvalidConnection;
  }
  // Our own socket on an ephemeral port, of the target's family.
  const transport::SocketAddress bind_address = address.isIPv4()
                                                    ? transport::SocketAddress::ipv4Any(0)
                                                    : transport::SocketAddress::ipv6Any(0);
  absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> endpoint =
      openEndpoint(bind_address, false);
  if (!endpoint.ok()) {
    deferLog(DebugOutputType::kError, absl::StrCat("connectByIPAddress: cannot open a socket: ",
                                                   statusText(endpoint.status())));
    return kInvalidConnection;
  }
  if (absl::Status loop = ensureServiceLoop(); !loop.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("connectByIPAddress: no service thread: ", statusText(loop)));
    return kInvalidConnection;
  }
  const uint32_t id = allocateConnectionId();
  if (id == 0) {
    deferLog(DebugOutputType::kError, "connectByIPAddress: too many connections in this process");
    return kInvalidConnection;
  }

  auto owned = std::make_unique<ConnectionRecord>();
  ConnectionRecord& record = *owned;
  record.id = id;
  record.config = std::move(config);
  record.user_data = record.config->getInt64(ConfigValue::kConnectionUserData);
  record.status_handler = statusChangedHandlerLocked(*record.config);
  record.endpoint = *std::move(endpoint);
  record.sink = std::make_unique<EndpointDatagramSink>(record.endpoint.get());
  connections_.emplace(id, std::move(owned));  // before connect(): its 0 -> 1 event needs it

  connection::ClientConnectParams params;
  params.local_connection_id = id;
  params.server_address = address;
  params.credentials = *std::move(creds);
  params.expected_server_identity = expected;
  params.config = connectionConfigFrom(*record.config, app_id_);
  absl::StatusOr<std::unique_ptr<connection::UdpConnection>> created =
      connection::UdpConnection::connect(now_usec_, std::move(params),
                                         environmentFor(record.sink.get(), id));
  if (!created.ok()) {  // T2: nothing was posted
    deferLog(DebugOutputType::kError, absl::StrCat("connectByIPAddress ", address.toString(), ": ",
                                                   statusText(created.status())));
    connections_.erase(id);
    releaseConnectionId(id);
    return kInvalidConnection;
  }
  record.client = *std::move(created);
  absl::StatusOr<uint64_t> token =
      registerEndpoint(record.endpoint.get(), EndpointOwner{false, id});
  if (!token.ok()) {
    deferLog(DebugOutputType::kError,
             absl::StrCat("connectByIPAddress: ", statusText(token.status())));
    record.client->destroySilently(now_usec_);
    leaveApi(record);
    record.dead = true;
    reapDeadConnections();
    return kInvalidConnection;
  }
  record.endpoint_token = *token;
  wakeService();  // the first ChallengeRequest is queued: the service thread flushes it
  return ConnectionHandle{id};
}

Result Instance::accept(ConnectionHandle connection) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return Result::kInvalidParam;
  connection::UdpConnection* wire = wireOf(*record);
  if (wire == nullptr || record->client != nullptr) return Result::kInvalidParam;  // outbound
  if (wire->state() != ConnectionState::kConnecting) return Result::kInvalidState;
  // The crypto values are read now and locked (lifecycle.md §3.1, config.md §1.9.1).
  record->config->lockFlagged(kConfigFlagLockedOnConnection);
  wire->updateConfig(connectionConfigFrom(*record->config, app_id_));
  const Result result = wire->accept(now_usec_);
  wakeService();  // ConnectOK (or ConnectionClosed) is queued
  return result;
}

bool Instance::close(ConnectionHandle connection, int reason, std::string_view debug, bool linger) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return false;
  if (record->pipe != nullptr) return pipeClose(*record, reason, debug);
  connection::UdpConnection* wire = wireOf(*record);
  if (wire != nullptr) wire->close(now_usec_, reason, debug, linger);
  // The handle is invalid on return whatever the connection does next (lifecycle.md §4.1);
  // the x -> 0 event normally did this already.
  leaveApi(*record);
  if (wire == nullptr) record->dead = true;
  reapDeadConnections();
  wakeService();  // the close packet is queued
  return true;    // every visible state (lifecycle.md §4.1)
}

// ---- properties ---------------------------------------------------------------------------

bool Instance::setUserData(ConnectionHandle connection, int64_t user_data) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return false;
  setUserDataLocked(*record, user_data);
  return true;
}

void Instance::setUserDataLocked(ConnectionRecord& record, int64_t user_data) {
  record.user_data = user_data;
  record.queue.setReceiverUserData(user_data);  // lifecycle.md §6.2
  record.config->set(ConfigValue::kConnectionUserData, ConfigArg(user_data));
}

int64_t Instance::userData(ConnectionHandle connection) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  return record != nullptr ? record->user_data : kDefaultConnectionUserData;
}

void Instance::setName(ConnectionHandle connection, std::string_view name) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return;
  record->name = std::string(name.substr(0, kMaxConnectionNameBytes));
  if (connection::UdpConnection* wire = wireOf(*record)) wire->setAppName(record->name);
}

std::string Instance::name(ConnectionHandle connection) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  return record != nullptr ? record->name : std::string();
}

std::optional<ConnectionInfo> Instance::info(ConnectionHandle connection) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return std::nullopt;
  if (record->pipe != nullptr) return pipeInfo(*record);
  connection::UdpConnection* wire = wireOf(*record);
  if (wire == nullptr) return std::nullopt;
  ConnectionInfo info = wire->info();
  info.user_data = record->user_data;
  return info;
}

// ---- config scopes ------------------------------------------------------------------------

bool Instance::setConfigAt(ListenSocketHandle socket, ConfigValue id, const ConfigArg* value) {
  Locked lock(this);
  ListenSocketRecord* record = findListenSocket(socket);
  if (record == nullptr) return false;
  return record->config->set(id, value);  // pushed to the core by the next service pass
}

std::optional<ConfigStore::GetResult> Instance::getConfigAt(ListenSocketHandle socket,
                                                            ConfigValue id) {
  Locked lock(this);
  ListenSocketRecord* record = findListenSocket(socket);
  if (record == nullptr) return std::nullopt;
  return record->config->get(id);
}

bool Instance::setConfigAt(ConnectionHandle connection, ConfigValue id, const ConfigArg* value) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return false;
  if (!record->config->set(id, value)) return false;
  if (id == ConfigValue::kConnectionUserData && value != nullptr) {
    // config.md §1.9: same as setConnectionUserData, queued messages included.
    setUserDataLocked(*record, record->config->getInt64(ConfigValue::kConnectionUserData));
  } else if (id == ConfigValue::kCallbackConnectionStatusChanged) {
    record->status_handler = statusChangedHandlerLocked(*record->config);
  }
  wakeService();  // timeouts apply at the next think
  return true;
}

std::optional<ConfigStore::GetResult> Instance::getConfigAt(ConnectionHandle connection,
                                                            ConfigValue id) {
  Locked lock(this);
  ConnectionRecord* record = findVisible(connection);
  if (record == nullptr) return std::nullopt;
  return record->config->get(id);
}

// ---- lookups ------------------------------------------------------------------------------

ConnectionRecord* Instance::findRecord(uint32_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

ConnectionRecord* Instance::findVisible(ConnectionHandle connection) {
  ConnectionRecord* record = findRecord(static_cast<uint32_t>(connection));
  return record != nullptr && record->visible ? record : nullptr;
}

ListenSocketRecord* Instance::findListenSocket(ListenSocketHandle socket) {
  std::unique_ptr<ListenSocketRecord>* slot = listen_sockets_.find(static_cast<uint32_t>(socket));
  return slot != nullptr ? slot->get() : nullptr;
}

connection::UdpConnection* Instance::wireOf(ConnectionRecord& record) {
  if (record.client != nullptr) return record.client.get();
  if (record.listen_socket == 0) return nullptr;
  ListenSocketRecord* socket = findListenSocket(ListenSocketHandle{record.listen_socket});
  if (socket == nullptr || socket->core == nullptr) return nullptr;
  return socket->core->findConnection(record.id);
}

void Instance::leaveApi(ConnectionRecord& record) {
  if (!record.visible) return;
  record.visible = false;
  removeFromPollGroup(record);
  record.queue.clear();  // lifecycle.md §7.5
}

absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> Instance::credentials() {
  // The certificate set by setCertificate, else the self-made unsigned one (crypto.md
  // §2.7; instance_identity.cc). Finding our certificate expired changes the status.
  const int64_t now_sec = unixNowSec();
  const Availability before = local_identity_.availability();
  auto creds = local_identity_.credentials(now_sec);
  postAuthStatusIfChanged(before);
  return creds;
}

}  // namespace opengns::api
