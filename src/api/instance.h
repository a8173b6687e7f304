// The state behind one NetworkingSockets facade: its sockets-interface config store, its
// callback queue and handlers, its log sink, its handle tables, its listen sockets and
// connections, and the one service thread that drives them. The facade's functions
// (src/api/sockets_*.cc) call the methods here.
//
// Locking (GNS-style global lock per instance): mutex_ is THE lock. Every API method
// takes it for its whole duration, and so do the service thread's handler calls
// (onReadable/onService), so the sans-IO cores (UdpConnection, ListenSocketCore, the SNP
// sessions) and the socket endpoints only ever run under it, from whichever thread. It is
// never held while a callback, the log sink or other user code runs: log lines written
// under the lock are queued and emitted after it is released, status callbacks go to the
// CallbackQueue. The service loop is stopped only with the lock released (its thread may
// be waiting for it).
//
// The service thread starts with the first socket (listen socket or outbound connection)
// and runs until the instance is destroyed. One iteration: readable sockets are drained
// into the cores (routed by source address), then every due timer runs, dead connections
// are freed, every endpoint is flushed and the earliest wake time of everything is
// returned. API calls that queue datagrams or move a timer wake() it; a send with
// kSendUseCurrentThread flushes its socket on the caller's thread instead.
//
// Implementation files: instance.cc (handlers, logging, poll groups, lifetime),
// instance_sockets.cc (listen sockets, connect, accept, close, properties, config
// scopes), instance_messages.cc (send, receive, lanes, status), instance_service.cc (the
// service thread, routing, connection events, data planes), instance_pairs.cc (socket
// pairs: creation and the in-process pipes).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "api/callback_queue.h"
#include "api/config_store.h"
#include "api/connection_record.h"
#include "api/handle_table.h"
#include "api/listen_socket_record.h"
#include "api/local_identity.h"
#include "api/poll_group.h"
#include "common/mutex.h"
#include "connection/connection_io.h"
#include "connection/local_credentials.h"
#include "connection/reply_rate_limiter.h"
#include "opengns/networking_sockets.h"
#include "snp/snp_session.h"
#include "snp/time.h"
#include "transport/service_loop.h"

namespace opengns::api {

class InstanceTestPeer;

class Instance final : private connection::ConnectionEventSink, private transport::ServiceHandler {
 public:
  explicit Instance(const NetworkingSocketsOptions& options);
  // Closes every connection with 2999 "SteamNetworkingSockets shutdown" (lifecycle.md
  // T20b/T20c), stops the service thread, frees everything and drops undelivered callbacks.
  ~Instance() override;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  uint32_t appId() const { return app_id_; }
  // The sockets-interface scope store; its parent is the global store.
  ConfigStore& config() { return config_; }
  const ConfigStore& config() const { return config_; }
  CallbackQueue& callbacks() { return callbacks_; }

  // ---- Logging: to the instance's sink if it has one, else to the process log. Never
  // call log() with mutex_ held (the sink is user code); see deferLog().
  void setLogSink(LogSinkFn sink, DebugOutputType level);
  bool logEnabled(DebugOutputType level) const;
  void log(DebugOutputType level, std::string_view text) const;

  // ---- Callback handlers (lifecycle.md §1.3, config.md §5.13).
  // Stores the handler and sets Callback_ConnectionStatusChanged (201) at sockets-interface
  // scope to an opaque token (null when the handler is empty).
  void setStatusChangedHandler(ConnectionStatusChangedHandler handler);
  // The handler in effect for an object whose config store is `object_config` (a connection
  // or listen socket store chained to config(), or config() itself): the token means this
  // instance's handler, any other non-null value a ConnectionStatusChangedFn. Empty if none.
  ConnectionStatusChangedHandler statusChangedHandlerFor(const ConfigStore& object_config) const;
  void setAuthStatusHandler(AuthenticationStatusHandler handler);
  // This instance's handler, else the global Callback_AuthStatusChanged (202) function.
  AuthenticationStatusHandler authStatusHandler() const;
  void setFakeIPResultHandler(FakeIPResultHandler handler);

  // Queue a record for `handler` (resolved by the caller when the event happened, as GNS
  // does); nothing is queued when the handler is empty. Safe with or without mutex_ held.
  void postStatusChanged(const ConnectionStatusChangedHandler& handler,
                         const ConnectionStatusChangedCallback& record);
  // Resolves the handler now and queues the record (nothing if no handler).
  void postAuthStatus(const AuthenticationStatusCallback& record);

  // ---- Poll groups (lifecycle.md §6.4).
  PollGroupHandle createPollGroup();
  bool destroyPollGroup(PollGroupHandle poll_group);
  bool pollGroupExists(PollGroupHandle poll_group) const;
  bool setConnectionPollGroup(ConnectionHandle connection, PollGroupHandle poll_group);

  // ---- Identity and certificates (instance_identity.cc; p2p-and-auth.md §6.1-6.4). Each
  // change of the status value queues network_authentication_status.
  NetworkingIdentity identity() const;
  // Destroys every connection (ConnectionClosed 2999 for active ones), listen socket and
  // poll group, then forgets identity, key and certificate (§6.1).
  void resetIdentity(const NetworkingIdentity& identity);
  AuthenticationStatusCallback authenticationStatus();
  absl::StatusOr<std::vector<uint8_t>> certificateRequest();
  // New connections and listen sockets' new connections present it from now on.
  absl::Status setCertificate(std::span<const uint8_t> blob);

  // ---- Listen sockets and connections (instance_sockets.cc). Return values are the
  // documented ones (config.md §2.1, lifecycle.md §3, §4, §6).
  ListenSocketHandle createListenSocket(const NetworkingIPAddr& address,
                                        std::span<const ConfigOption> options);
  bool closeListenSocket(ListenSocketHandle socket);
  std::string listenSocketAddress(ListenSocketHandle socket, bool with_port);
  ConnectionHandle connect(const NetworkingIPAddr& address, std::span<const ConfigOption> options);
  Result accept(ConnectionHandle connection);
  bool close(ConnectionHandle connection, int reason, std::string_view debug, bool linger);
  bool setUserData(ConnectionHandle connection, int64_t user_data);
  int64_t userData(ConnectionHandle connection);
  void setName(ConnectionHandle connection, std::string_view name);
  std::string name(ConnectionHandle connection);
  std::optional<ConnectionInfo> info(ConnectionHandle connection);

  // ---- Socket pairs (instance_pairs.cc, lifecycle.md §9): connection 1's remote
  // identity is identity1, connection 2's is identity2; invalid means absent (localhost).
  SocketPairResult createSocketPair(bool loopback, const NetworkingIdentity& identity1,
                                    const NetworkingIdentity& identity2);

  // Config at listen-socket / connection scope (config.md §1.9). A null value clears.
  // Get returns nullopt for a bad handle.
  bool setConfigAt(ListenSocketHandle socket, ConfigValue id, const ConfigArg* value);
  std::optional<ConfigStore::GetResult> getConfigAt(ListenSocketHandle socket, ConfigValue id);
  bool setConfigAt(ConnectionHandle connection, ConfigValue id, const ConfigArg* value);
  std::optional<ConfigStore::GetResult> getConfigAt(ConnectionHandle connection, ConfigValue id);

  // ---- Messages and status (instance_messages.cc).
  SendMessageResult send(ConnectionHandle connection, std::span<const std::byte> data, int flags,
                         int lane);
  std::vector<int64_t> sendMessages(std::vector<MessagePtr> messages, ConnectionHandle connection,
                                    int flags);
  Result flush(ConnectionHandle connection);
  Result configureLanes(ConnectionHandle connection, int lanes, std::span<const int> priorities,
                        std::span<const uint16_t> weights);
  int receiveOnConnection(ConnectionHandle connection, int max_messages,
                          std::vector<MessagePtr>* messages);
  int receiveOnPollGroup(PollGroupHandle poll_group, int max_messages,
                         std::vector<MessagePtr>* messages);
  RealTimeStatusResult realTimeStatus(ConnectionHandle connection, int lanes, bool get_status);
  DetailedConnectionStatus detailedStatus(ConnectionHandle connection);

 private:
  friend class InstanceTestPeer;

  // Holds mutex_ for its lifetime and sets now_usec_; on destruction emits the log lines
  // deferred meanwhile, after unlocking.
  class Locked {
   public:
    explicit Locked(const Instance* instance);
    ~Locked();
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;

   private:
    Instance* instance_;
  };

  // Who owns a registered endpoint.
  struct EndpointOwner {
    bool listen_socket = false;
    uint32_t handle = 0;  // listen socket handle or connection id
  };

  // --- connection::ConnectionEventSink (instance_service.cc); called under mutex_.
  void onStatusChanged(uint32_t connection_id, ConnectionState old_api_state,
                       const ConnectionInfo& info) override;
  void onMessagesReceived(uint32_t connection_id,
                          std::vector<snp::ReceivedMessage>&& messages) override;
  void onConnectionDead(uint32_t connection_id) override;

  // --- transport::ServiceHandler (instance_service.cc); take mutex_.
  void onReadable(uint64_t token, transport::MonotonicUsec now_usec) override;
  transport::MonotonicUsec onService(transport::MonotonicUsec now_usec) override;

  // --- helpers, all with mutex_ held.
  void deferLog(DebugOutputType level, std::string text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  ConnectionStatusChangedHandler statusChangedHandlerLocked(const ConfigStore& object_config) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The record of a handle the API may use (visible), else null.
  ConnectionRecord* findVisible(ConnectionHandle connection) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  ConnectionRecord* findRecord(uint32_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  ListenSocketRecord* findListenSocket(ListenSocketHandle socket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The connection object of a record (client: owned; server: in its listen socket's core).
  connection::UdpConnection* wireOf(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The SNP session of a connection (from creation until it closes), else null.
  snp::SnpSession* sessionOf(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  std::unique_ptr<connection::DataPlane> makeDataPlane(uint32_t connection_id,
                                                       const connection::DataPlaneParams& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  connection::ConnectionEnvironment environmentFor(connection::DatagramSink* sink,
                                                   uint32_t client_connection_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The record for a connection the listen socket is about to create (its ID).
  uint32_t createInboundRecord(ListenSocketRecord& listen_socket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The connection left the API's view: handle invalid, queue purged, out of its group.
  void leaveApi(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void removeFromPollGroup(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void setUserDataLocked(ConnectionRecord& record, int64_t user_data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Frees the records of dead connections (and their sockets).
  void reapDeadConnections() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Pushes changed config values into the live connections, listen sockets and endpoints.
  void refreshConfigIfChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status ensureServiceLoop() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<std::unique_ptr<transport::SocketEndpoint>> openEndpoint(
      const transport::SocketAddress& bind_address, bool for_listen_socket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<uint64_t> registerEndpoint(transport::SocketEndpoint* endpoint,
                                            EndpointOwner owner)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void unregisterEndpoint(uint64_t token) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Drains (from_socket) or delivers the due fake-network datagrams of one endpoint.
  // Returns how many datagrams it read.
  size_t receiveOn(const EndpointOwner& owner, bool from_socket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // A receive call found nothing queued: reads every socket once on the caller's thread
  // (what the service thread would do after its wake-up, minus the thread hop).
  void receiveOnCallerThread() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void flushEndpoint(transport::SocketEndpoint& endpoint) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // After an API call queued datagrams or moved a timer: write them now on this thread
  // (`on_caller_thread`) or wake the service thread.
  void afterApiSend(ConnectionRecord& record, bool on_caller_thread)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void wakeService() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The endpoint a connection sends on (its own, or its listen socket's).
  transport::SocketEndpoint* endpointOf(ConnectionRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  transport::SocketEndpoint* endpointOf(const EndpointOwner& owner)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::StatusOr<std::shared_ptr<const connection::LocalCredentials>> credentials()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Queues network_authentication_status if the status value differs from `before`.
  void postAuthStatusIfChanged(Availability before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Closes or destroys every connection and listen socket (destructor, first half).
  void shutdownLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The send checks shared by send() and sendMessages(); number or failure Result.
  SendMessageResult sendLocked(ConnectionRecord& record, std::span<const std::byte> data, int flags,
                               int lane) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  // --- socket pairs (instance_pairs.cc), with mutex_ held. The pipe* methods serve the
  // API calls on a record that holds a PipeConnection.
  SocketPairResult createPipePair(const NetworkingIdentity& remote1,
                                  const NetworkingIdentity& remote2)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  SocketPairResult createLoopbackPair(const NetworkingIdentity& remote1,
                                      const NetworkingIdentity& remote2)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // A new record for one end of a pair, in connections_ (as a connection we initiated).
  ConnectionRecord& addPairRecord(uint32_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Two fresh connection ids for a socket pair, or nullopt (logged) if the process has
  // run out of them.
  std::optional<std::pair<uint32_t, uint32_t>> allocatePairIds()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Queues a received message on the record (and its poll group).
  void queueReceived(ConnectionRecord& record, MessagePtr message, int64_t time_received_usec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  SendMessageResult pipeSend(ConnectionRecord& record, std::span<const std::byte> data, int flags,
                             int lane) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  Result pipeFlush(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  bool pipeClose(ConnectionRecord& record, int reason, std::string_view debug)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  ConnectionInfo pipeInfo(ConnectionRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  RealTimeStatusResult pipeRealTimeStatus(ConnectionRecord& record, int lanes, bool get_status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  DetailedConnectionStatus pipeDetailedStatus(ConnectionRecord& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const uint32_t app_id_;
  ConfigStore config_;
  CallbackQueue callbacks_;

  mutable Mutex log_mutex_;
  std::shared_ptr<const LogSinkFn> log_sink_ ABSL_GUARDED_BY(log_mutex_);  // null: process log
  std::atomic<int32_t> log_level_;

  mutable Mutex mutex_;
  ConnectionStatusChangedHandler status_handler_ ABSL_GUARDED_BY(mutex_);
  AuthenticationStatusHandler auth_handler_ ABSL_GUARDED_BY(mutex_);
  FakeIPResultHandler fake_ip_handler_ ABSL_GUARDED_BY(mutex_);
  HandleTable<PollGroup> poll_groups_ ABSL_GUARDED_BY(mutex_);
  LocalIdentity local_identity_ ABSL_GUARDED_BY(mutex_){app_id_};
  // Its address is the opaque value of config 201 meaning "this instance's handler".
  char status_handler_token_ = 0;

  // Live objects. A listen socket's slot holds a pointer so that the record's address is
  // stable (its sink and core are referenced while the table grows).
  HandleTable<std::unique_ptr<ListenSocketRecord>> listen_sockets_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint32_t, std::unique_ptr<ConnectionRecord>> connections_
      ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<uint64_t, EndpointOwner> endpoint_owners_ ABSL_GUARDED_BY(mutex_);
  // Scratch copy of endpoint_owners_ (a receive may register or drop endpoints).
  std::vector<EndpointOwner> owners_scratch_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_endpoint_token_ ABSL_GUARDED_BY(mutex_) = 1;
  std::unique_ptr<transport::ServiceLoop> loop_ ABSL_GUARDED_BY(mutex_);
  connection::ReplyRateLimiter spam_limiter_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_message_sequence_ ABSL_GUARDED_BY(mutex_) = 1;
  // The time of the call in progress (API call or service iteration), our clock's usec.
  snp::Usec now_usec_ ABSL_GUARDED_BY(mutex_) = 0;
  // The inbound connection a listen socket's data-plane factory is working for: set by
  // createInboundRecord() right before the core creates that connection.
  uint32_t factory_target_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t config_generation_seen_ ABSL_GUARDED_BY(mutex_) = 0;
  // What the last onService() returned: an API call that moves a timer earlier wakes the
  // service thread.
  transport::MonotonicUsec scheduled_wake_usec_ ABSL_GUARDED_BY(mutex_) = 0;
  std::vector<std::pair<DebugOutputType, std::string>> pending_logs_ ABSL_GUARDED_BY(mutex_);
};

// Reaches the Instance behind a facade (library code and test peers).
class InstanceAccess {
 public:
  static Instance& of(NetworkingSockets& sockets) { return *sockets.instance_; }
  static const Instance& of(const NetworkingSockets& sockets) { return *sockets.instance_; }
};

}  // namespace opengns::api
