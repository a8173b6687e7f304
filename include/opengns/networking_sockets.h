// opengns::NetworkingSockets: one instance of the networking-sockets interface, with every
// function of the documented API (../shared/reference/networking-sockets-api.txt) under its
// documented name, in its documented parameter order, returning what the document says.
//
// Threading and locking:
//   - Any thread may call any function at any time; the instance locks internally.
//   - Callbacks (the three documented signals) are queued by the library and delivered ONLY
//     from runNetworkingCallbacks(), on the thread that calls it, in the order the events
//     happened, with no library lock held. A callback may call any API function of any
//     instance, including runNetworkingCallbacks() (events queued meanwhile are delivered by
//     the next call). A callback must not destroy the instance that is running it.
//   - Where the work runs: sends with kSendNoNagle / kSendNoDelay / kSendUseCurrentThread
//     and flushMessagesOnConnection encrypt and write their packets on the calling thread;
//     Nagle-delayed sends are written by the instance's service thread. A receive call that
//     finds nothing queued reads the sockets once on the calling thread. Timers always run
//     on the service thread.
//   - Several instances may live in one process. Global-scope config is process-wide; the
//     "sockets interface" config scope is per instance.
//   - The destructor closes the instance's connections with end reason 2999
//     (AppException_Max, lifecycle.md), stops its service thread and drops every callback
//     not yet delivered.
//
// Ownership of messages (zero-copy): a message passed to sendMessages() belongs to the
// library from the call on (even when sending fails); a received message belongs to the
// caller, who frees it by destroying its MessagePtr. allocateMessage() gives a buffer to fill
// for a zero-copy send.
//
// How the C++ API deviates from the document (the document describes a script binding):
//   - Dictionaries become structs whose fields are the documented keys (snake_case);
//     dictionaries carrying a result become small result structs; getConnectionInfo returns
//     std::optional (empty for a bad handle).
//   - config_options dictionaries become std::span<const ConfigOption>; values are converted
//     to each id's stored type as config.md §1.9 says, and an option that cannot be applied
//     makes the creating call fail (invalid handle).
//   - Identities are NetworkingIdentity. Functions documented with a uint64 Steam ID keep
//     that overload: 0 means "none" (the localhost identity), any other value must be a
//     valid SteamID (steamIdValidForText and steamIdValidForIdentity) or the call fails with
//     its documented failure value.
//   - receiveMessagesOn* return the documented count (-1 for a bad handle) and append the
//     messages to an output vector.
//   - sendMessages(messages, connection_handle, flags): the handle and flags apply to every
//     message, each message's own `lane` is used, one result per message (message number,
//     or a negative Result).
//   - createFakeUDPPort returns a library-owned FakeUDPPort* (the document says "void").
//   - getIdentity returns the identity (invalid if unknown) instead of a string.
//   - Where the document is incomplete or wrong (lane priority order, empty failure lists,
//     key typos) config.md, lifecycle.md and snp.md govern; the README (section API) lists each
//     point.
//
// opengns extensions: typed setConfigValue/getConfigValue at each scope, a lane argument
// on sendMessageToConnection, allocateMessage, one callback setter per signal, a log sink.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "opengns/config.h"
#include "opengns/types.h"

namespace opengns {

namespace api {
class Instance;
class InstanceAccess;  // library-internal access to the instance behind the facade
}  // namespace api

// Receives the library's log lines of one instance. Called from any library thread, with
// no library lock held; must be thread-safe and must not call back into the instance.
using LogSinkFn = std::function<void(DebugOutputType level, std::string_view text)>;

struct NetworkingSocketsOptions {
  // Log lines up to and including `log_level` go to `log_sink`; with no sink they go to
  // the process log (stderr by default).
  LogSinkFn log_sink;
  DebugOutputType log_level = DebugOutputType::kWarning;
  // Our app id: written into self-generated certificates, checked against a certificate's
  // app list (p2p-and-auth.md §6.3).
  uint32_t app_id = 0;
};

// The callback setters' function types (one per documented signal).
using ConnectionStatusChangedHandler = std::function<void(const ConnectionStatusChangedCallback&)>;
using AuthenticationStatusHandler = std::function<void(const AuthenticationStatusCallback&)>;
using FakeIPResultHandler = std::function<void(const FakeIPResultCallback&)>;

// sendMessageToConnection's dictionary.
struct SendMessageResult {
  Result result = Result::kNone;
  int64_t message_number = -1;  // > 0 on success, -1 on failure
};

// createSocketPair's dictionary.
struct SocketPairResult {
  bool success = false;
  ConnectionHandle connection1 = kInvalidConnection;
  ConnectionHandle connection2 = kInvalidConnection;
};

// getConnectionRealTimeStatus's dictionary plus the documented Result.
struct RealTimeStatusResult {
  Result result = Result::kNone;
  std::optional<RealTimeStatus> connection_status;  // only when get_status was true
  std::vector<LaneStatus> lanes_status;             // one per requested lane
};

// getDetailedConnectionStatus's dictionary.
struct DetailedConnectionStatus {
  int success = -1;    // -1 bad handle, 0 OK
  std::string buffer;  // human-readable; apps must not parse it
};

// getCertificateRequest's dictionary. On failure `certificate` is empty and
// `error_message` says why.
struct CertificateRequestResult {
  std::vector<uint8_t> certificate;  // serialized CertificateRequest (p2p-and-auth.md §6.2)
  std::string error_message;
};

// setCertificate's dictionary.
struct SetCertificateResult {
  bool response = false;
  std::string error;
};

// getFakeIP's dictionary. The document's `identity_type` key describes the local identity,
// so the field is the identity itself.
struct FakeIPInfo {
  Result result = Result::kNone;
  NetworkingIdentity identity;
  std::string ip;
  std::array<uint16_t, kFakeIPPortSlots> ports{};
};

// getRemoteFakeIPForConnection's dictionary.
struct RemoteFakeIPResult {
  Result result = Result::kNone;
  std::string ip_address;  // IPv6 text; IPv4 as IPv4-mapped
  uint16_t port = 0;
  FakeIPType ip_type = FakeIPType::kInvalid;
};

// What getConfigValue returns (config.md §1.3, §1.9): `type` and `value` are meaningful
// when `result` is kOK or kOKInherited.
struct ConfigGetResult {
  GetConfigValueResult result = GetConfigValueResult::kBadValue;
  ConfigDataType type = ConfigDataType::kInt32;
  ConfigArg value;
};

// A UDP-like port for FakeIP traffic (Steam-only feature; never created by the
// open-source build nor by opengns yet). Owned by the library; call destroy() when done.
class FakeUDPPort {
 public:
  virtual void destroy() = 0;
  virtual Result sendMessageToFakeIP(const NetworkingIPAddr& remote_address,
                                     std::span<const std::byte> data, int flags) = 0;
  virtual int receiveMessages(int max_messages, std::vector<MessagePtr>* messages) = 0;
  virtual void scheduleCleanup(const NetworkingIPAddr& remote_address) = 0;

 protected:
  virtual ~FakeUDPPort() = default;
};

class NetworkingSockets {
 public:
  static absl::StatusOr<std::unique_ptr<NetworkingSockets>> create(
      const NetworkingSocketsOptions& options);
  ~NetworkingSockets();
  NetworkingSockets(const NetworkingSockets&) = delete;
  NetworkingSockets& operator=(const NetworkingSockets&) = delete;

  // ---- Listen sockets and connecting --------------------------------------------------
  ListenSocketHandle createListenSocketIP(std::string_view ip_address,
                                          std::span<const ConfigOption> config_options = {});
  ListenSocketHandle createListenSocketIP(const NetworkingIPAddr& ip_address,
                                          std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectByIPAddress(std::string_view ip_address_with_port,
                                      std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectByIPAddress(const NetworkingIPAddr& ip_address_with_port,
                                      std::span<const ConfigOption> config_options = {});
  ListenSocketHandle createListenSocketP2P(int virtual_port,
                                           std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectP2P(uint64_t remote_steam_id, int virtual_port,
                              std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectP2P(const NetworkingIdentity& remote_identity, int virtual_port,
                              std::span<const ConfigOption> config_options = {});
  Result acceptConnection(ConnectionHandle connection_handle);
  bool closeConnection(ConnectionHandle connection_handle, int reason,
                       std::string_view debug_message, bool linger);
  bool closeListenSocket(ListenSocketHandle socket);
  // Local address the listen socket is bound to ("" for a bad handle).
  std::string getListenSocketAddress(ListenSocketHandle socket, bool with_port = true);
  // Identities may be invalid (default), meaning absent: the localhost identity is used.
  // uint64 0 means absent too; any other value must be a valid SteamID.
  SocketPairResult createSocketPair(bool loopback, uint64_t remote_steam_id1,
                                    uint64_t remote_steam_id2);
  SocketPairResult createSocketPair(bool loopback, const NetworkingIdentity& identity1,
                                    const NetworkingIdentity& identity2);

  // ---- Connection properties -------------------------------------------------------------
  bool setConnectionUserData(ConnectionHandle connection_handle, int64_t user_data);
  int64_t getConnectionUserData(ConnectionHandle connection_handle);  // -1 if bad handle
  void setConnectionName(ConnectionHandle connection_handle, std::string_view name);
  std::string getConnectionName(ConnectionHandle connection_handle);
  std::optional<ConnectionInfo> getConnectionInfo(ConnectionHandle connection_handle);
  RealTimeStatusResult getConnectionRealTimeStatus(ConnectionHandle connection_handle, int lanes,
                                                   bool get_status = true);
  DetailedConnectionStatus getDetailedConnectionStatus(ConnectionHandle connection_handle);
  // Lane priorities: a LOWER number is served first (snp.md §7; the document's "higher
  // numeric values take priority" is wrong). Empty priorities = all equal; empty weights =
  // all 1; otherwise each span holds `lanes` entries.
  Result configureConnectionLanes(ConnectionHandle connection, int lanes,
                                  std::span<const int> priorities,
                                  std::span<const uint16_t> weights);

  // ---- Sending and receiving ---------------------------------------------------------------
  // `lane` (opengns extension) selects the lane; default 0.
  SendMessageResult sendMessageToConnection(ConnectionHandle connection_handle,
                                            std::span<const std::byte> data, int flags,
                                            int lane = 0);
  std::vector<int64_t> sendMessages(std::vector<MessagePtr> messages,
                                    ConnectionHandle connection_handle, int flags);
  Result flushMessagesOnConnection(ConnectionHandle connection_handle);
  // Both return the number of messages appended to `messages` (0..max_messages), or -1 for
  // a bad handle.
  int receiveMessagesOnConnection(ConnectionHandle connection_handle, int max_messages,
                                  std::vector<MessagePtr>* messages);
  int receiveMessagesOnPollGroup(PollGroupHandle poll_group, int max_messages,
                                 std::vector<MessagePtr>* messages);
  // opengns extension: a message with a `size`-byte payload to fill and send with
  // sendMessages. Null if size < 0 or the allocation fails.
  MessagePtr allocateMessage(int32_t size);

  // ---- Poll groups ---------------------------------------------------------------------------
  PollGroupHandle createPollGroup();
  bool destroyPollGroup(PollGroupHandle poll_group);
  bool setConnectionPollGroup(ConnectionHandle connection_handle, PollGroupHandle poll_group);

  // ---- Identity and authentication -----------------------------------------------------------
  NetworkingIdentity getIdentity();
  void resetIdentity(uint64_t remote_steam_id);
  void resetIdentity(const NetworkingIdentity& identity);
  Availability initAuthentication();
  Availability getAuthenticationStatus();
  CertificateRequestResult getCertificateRequest();
  SetCertificateResult setCertificate(std::span<const uint8_t> certificate);

  // ---- FakeIP and hosted dedicated servers (Steam-only features) ------------------------------
  bool beginAsyncRequestFakeIP(int num_ports);
  FakeIPInfo getFakeIP(int first_port);
  ListenSocketHandle createListenSocketP2PFakeIP(int fake_port,
                                                 std::span<const ConfigOption> config_options = {});
  RemoteFakeIPResult getRemoteFakeIPForConnection(ConnectionHandle connection_handle);
  FakeUDPPort* createFakeUDPPort(int fake_server_port);
  uint16_t getHostedDedicatedServerPort();
  uint32_t getHostedDedicatedServerPOPId();
  ListenSocketHandle createHostedDedicatedServerListenSocket(
      int virtual_port, std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectToHostedDedicatedServer(
      uint64_t remote_steam_id, int virtual_port,
      std::span<const ConfigOption> config_options = {});
  ConnectionHandle connectToHostedDedicatedServer(
      const NetworkingIdentity& remote_identity, int virtual_port,
      std::span<const ConfigOption> config_options = {});

  // ---- Callbacks
  // --------------------------------------------------------------------------------- Delivers the
  // queued callbacks on the calling thread (see the threading notes above).
  void runNetworkingCallbacks();
  // opengns extensions, one per signal; an empty function removes the handler.
  // Status changes: sets this instance's Callback_ConnectionStatusChanged (201) config value;
  // a value set on a listen socket or connection overrides it for that object, and a
  // connection keeps the handler in effect when it was created. Reading 201 back at
  // sockets-interface scope gives an opaque token, valid only for this instance.
  void setConnectionStatusChangedCallback(ConnectionStatusChangedHandler handler);
  // Authentication status: this instance's handler; without one, the global
  // Callback_AuthStatusChanged (202) function pointer is used.
  void setAuthenticationStatusCallback(AuthenticationStatusHandler handler);
  // FakeIP result: stored, never called (no FakeIP support, as in the open-source build).
  void setFakeIPResultCallback(FakeIPResultHandler handler);

  // ---- Configuration (opengns extension, config.md §1) ------------------------------------------
  // Set returns false for an unknown id, a bad handle, a global-only id below Global scope,
  // a read-only or locked value, or a value that does not convert (config.md §1.9);
  // out-of-range values are clamped. Clear makes the value inherit again (at Global scope:
  // back to the default).
  bool setGlobalConfigValue(ConfigValue id, const ConfigArg& value);
  bool clearGlobalConfigValue(ConfigValue id);
  ConfigGetResult getGlobalConfigValue(ConfigValue id) const;
  // Sockets-interface scope (this instance).
  bool setConfigValue(ConfigValue id, const ConfigArg& value);
  bool clearConfigValue(ConfigValue id);
  ConfigGetResult getConfigValue(ConfigValue id) const;
  bool setConfigValue(ListenSocketHandle socket, ConfigValue id, const ConfigArg& value);
  bool clearConfigValue(ListenSocketHandle socket, ConfigValue id);
  ConfigGetResult getConfigValue(ListenSocketHandle socket, ConfigValue id) const;
  bool setConfigValue(ConnectionHandle connection, ConfigValue id, const ConfigArg& value);
  bool clearConfigValue(ConnectionHandle connection, ConfigValue id);
  ConfigGetResult getConfigValue(ConnectionHandle connection, ConfigValue id) const;

  // ---- Logging (opengns extension) ------------------------------------------------------------
  void setLogSink(LogSinkFn sink, DebugOutputType log_level);

 private:
  friend class api::InstanceAccess;
  explicit NetworkingSockets(std::unique_ptr<api::Instance> instance);
  std::unique_ptr<api::Instance> instance_;
};

}  // namespace opengns
