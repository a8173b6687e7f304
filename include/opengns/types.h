// Public value types of opengns: handles, result codes, connection states and end reasons,
// identities and IP addresses, the connection info / status records, the callback records
// and the message object.
//
// Every number here is API (config.md §2-§5): applications store and compare these numbers,
// so they equal the original library's exactly. Names follow the opengns conventions
// (enum class with kPascalCase values; struct fields are the documented dictionary keys in
// snake_case); opengns/compat.h adds the document's UPPER_SNAKE constant names.
//
// Handles are distinct enum types over uint32_t (ConnectionHandle, ListenSocketHandle,
// PollGroupHandle): the numeric value is the documented one (0 = invalid, a connection
// handle equals the connection id the peer sees on the wire), but a poll group cannot be
// passed where a connection is expected. Make one from a number with ConnectionHandle{n}
// and read the number with static_cast<uint32_t>(h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "opengns/config.h"

namespace opengns {

// ---------------------------------------------------------------------------------------
// Handles (config.md §4.1, lifecycle.md §6.1)

enum class ConnectionHandle : uint32_t {};
enum class ListenSocketHandle : uint32_t {};
enum class PollGroupHandle : uint32_t {};

inline constexpr ConnectionHandle kInvalidConnection{0};
inline constexpr ListenSocketHandle kInvalidListenSocket{0};
inline constexpr PollGroupHandle kInvalidPollGroup{0};

// ---------------------------------------------------------------------------------------
// Limits and constants (config.md §4.1, §4.3)

// Largest message one send call accepts (bytes); larger sends fail with kInvalidParam.
inline constexpr int32_t kMaxMessageSizeSend = 512 * 1024;
inline constexpr int32_t kMaxErrorMessageLength = 1024;          // incl. NUL
inline constexpr int32_t kMaxConnectionCloseReasonLength = 128;  // incl. NUL (WIRE)
inline constexpr int32_t kMaxConnectionDescriptionLength = 128;  // incl. NUL
inline constexpr int32_t kMaxConnectionAppNameLength = 32;       // incl. NUL
inline constexpr int32_t kMaxIPAddrStringLength = 48;            // incl. NUL
inline constexpr int32_t kMaxIdentityStringLength = 128;         // incl. NUL
inline constexpr int32_t kMaxGenericStringIdentityLength = 32;   // incl. NUL (WIRE)
inline constexpr int32_t kMaxXboxPairwiseIdLength = 33;          // incl. NUL
inline constexpr int32_t kMaxGenericBytesIdentityLength = 32;    // bytes (WIRE)
inline constexpr int32_t kMaxPingLocationStringLength = 1024;    // incl. NUL
inline constexpr int32_t kPingFailed = -1;                       // ping estimate failed
inline constexpr int32_t kPingUnknown = -2;                      // no ping estimate yet
inline constexpr uint32_t kDatagramPopIdDev = 0x00646576;        // "dev" = 6579574
inline constexpr int32_t kMaxLanes = 255;                        // per connection (WIRE)
inline constexpr int64_t kDefaultConnectionUserData = -1;
inline constexpr int32_t kFakeUDPPortRecommendedMTU = 1200;  // Steam-only feature
inline constexpr int32_t kFakeUDPPortMaxMessageSize = 4096;  // Steam-only feature
inline constexpr int32_t kMaxFakeIPPortsPerRequest = 4;      // Steam-only feature
inline constexpr int32_t kFakeIPPortSlots = 8;               // size of the port list

// ---------------------------------------------------------------------------------------
// Result codes (config.md §2: the subset of EResult the networking API produces)

enum class Result : int32_t {
  kNone = 0,
  kOK = 1,
  kFail = 2,
  kNoConnection = 3,
  kInvalidParam = 8,
  kBusy = 10,
  kInvalidState = 11,
  kNotLoggedOn = 21,
  kPending = 22,
  kLimitExceeded = 25,
  kDuplicateRequest = 29,
  kIPNotFound = 31,
  kConnectFailed = 35,
  kHandshakeFailed = 36,
  kIgnored = 41,
  kNoMatch = 42,
  kDisabled = 80,
};

// ---------------------------------------------------------------------------------------
// Connection state (config.md §5.2, lifecycle.md §1). The negative states are internal:
// the API reports them as kNone because the handle no longer exists for the application.

enum class ConnectionState : int32_t {
  kNone = 0,
  kConnecting = 1,
  kFindingRoute = 2,
  kConnected = 3,
  kClosedByPeer = 4,
  kProblemDetectedLocally = 5,
  kFinWait = -1,
  kLinger = -2,
  kDead = -3,
};

// ---------------------------------------------------------------------------------------
// End reasons (config.md §5.3, lifecycle.md §2). Application codes are any value of the
// App (1000..1999) or AppException (2000..2999) ranges, so the enum holds values that are
// not named below; compare ranges with the helpers.

enum class ConnectionEnd : int32_t {
  kInvalid = 0,
  kAppMin = 1000,
  kAppGeneric = 1000,
  kAppMax = 1999,
  kAppExceptionMin = 2000,
  kAppExceptionGeneric = 2000,
  kAppExceptionMax = 2999,
  kLocalMin = 3000,
  kLocalOfflineMode = 3001,
  kLocalManyRelayConnectivity = 3002,
  kLocalHostedServerPrimaryRelay = 3003,
  kLocalNetworkConfig = 3004,
  kLocalRights = 3005,
  kLocalP2PICENoPublicAddresses = 3006,
  kLocalMax = 3999,
  kRemoteMin = 4000,
  kRemoteTimeout = 4001,
  kRemoteBadCrypt = 4002,
  kRemoteBadCert = 4003,
  kRemoteBadProtocolVersion = 4006,
  kRemoteP2PICENoPublicAddresses = 4007,
  kRemoteMax = 4999,
  kMiscMin = 5000,
  kMiscGeneric = 5001,
  kMiscInternalError = 5002,
  kMiscTimeout = 5003,
  kMiscSteamConnectivity = 5005,
  kMiscNoRelaySessionsToClient = 5006,
  kMiscP2PRendezvous = 5008,
  kMiscP2PNATFirewall = 5009,
  kMiscPeerSentNoConnection = 5010,
  kMiscMax = 5999,
};

// True when `reason` lies in [min, max] of one of the ranges above.
constexpr bool endReasonInRange(ConnectionEnd reason, ConnectionEnd min, ConnectionEnd max) {
  return static_cast<int32_t>(reason) >= static_cast<int32_t>(min) &&
         static_cast<int32_t>(reason) <= static_cast<int32_t>(max);
}

// ---------------------------------------------------------------------------------------
// Identity type (config.md §5.5, crypto.md §1.1). The numbers never go on the wire.

enum class IdentityType : int32_t {
  kInvalid = 0,
  kIPAddress = 1,
  kGenericString = 2,
  kGenericBytes = 3,
  kUnknownType = 4,
  kSteamID = 16,
  kXboxPairwiseID = 17,
  kSonyPSN = 18,
};

// Availability of authentication (config.md §5.4).
enum class Availability : int32_t {
  kCannotTry = -102,
  kFailed = -101,
  kPreviously = -100,
  kRetrying = -10,
  kUnknown = 0,
  kNeverTried = 1,
  kWaiting = 2,
  kAttempting = 3,
  kCurrent = 100,
};

// FakeIP classification (config.md §5.6). "Is fake" = value > kNotFake.
enum class FakeIPType : int32_t {
  kInvalid = 0,
  kNotFake = 1,
  kGlobalIPv4 = 2,
  kLocalIPv4 = 3,
};

// ---------------------------------------------------------------------------------------
// Send flags (config.md §3): a bitmask int, as documented. Only kSendReliable is meaningful
// on a received message.

inline constexpr int kSendUnreliable = 0;
inline constexpr int kSendNoNagle = 1;
inline constexpr int kSendUnreliableNoNagle = kSendUnreliable | kSendNoNagle;
inline constexpr int kSendNoDelay = 4;
inline constexpr int kSendUnreliableNoDelay = kSendUnreliable | kSendNoDelay | kSendNoNagle;
inline constexpr int kSendReliable = 8;
inline constexpr int kSendReliableNoNagle = kSendReliable | kSendNoNagle;
inline constexpr int kSendUseCurrentThread = 16;
inline constexpr int kSendAutoRestartBrokenSession = 32;

// Connection info flags (config.md §5.1, lifecycle.md §8.3): ConnectionInfo::info_flags.
inline constexpr int kConnectionInfoFlagUnauthenticated = 1;
inline constexpr int kConnectionInfoFlagUnencrypted = 2;
inline constexpr int kConnectionInfoFlagLoopbackBuffers = 4;
inline constexpr int kConnectionInfoFlagFast = 8;
inline constexpr int kConnectionInfoFlagRelayed = 16;
inline constexpr int kConnectionInfoFlagDualWifi = 32;

// ---------------------------------------------------------------------------------------
// IP address + port (config.md §5.7). IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d);
// all zero means "any / unset". Text form (crypto.md §1.2 without the "ip:" prefix):
// IPv4 "a.b.c.d" or "a.b.c.d:port"; IPv6 RFC 5952 text, "[addr]:port" when a port is
// given. Parsing never does DNS.

class NetworkingIPAddr {
 public:
  NetworkingIPAddr() = default;

  static NetworkingIPAddr fromIPv4(uint32_t ipv4_host_order, uint16_t port);
  static NetworkingIPAddr fromIPv6(const std::array<uint8_t, 16>& ipv6, uint16_t port);
  // ::1 with the given port.
  static NetworkingIPAddr localHost(uint16_t port = 0);
  // Accepts "a.b.c.d", "a.b.c.d:port", any unambiguous IPv6 text, "[v6]" and "[v6]:port"
  // (port 0..65535, missing port = 0). Rejects host names, zone ids, empty ports, spaces.
  static std::optional<NetworkingIPAddr> parse(std::string_view text);

  // Renders as above. The port is shown only when with_port is true and the port is not 0
  // (then an IPv6 address is bracketed).
  std::string toString(bool with_port = true) const;

  void clear() { *this = NetworkingIPAddr(); }
  bool isAny() const;        // all 16 address bytes zero (the port is not looked at)
  bool isIPv4() const;       // IPv4-mapped
  uint32_t ipv4() const;     // host byte order; 0 if not IPv4
  bool isLocalHost() const;  // ::1 or 127.0.0.1, any port
  const std::array<uint8_t, 16>& ipv6() const { return ipv6_; }
  uint16_t port() const { return port_; }
  void setPort(uint16_t port) { port_ = port; }

  friend bool operator==(const NetworkingIPAddr&, const NetworkingIPAddr&) = default;

 private:
  std::array<uint8_t, 16> ipv6_{};  // network byte order
  uint16_t port_ = 0;               // host byte order
};

// ---------------------------------------------------------------------------------------
// SteamID validity (crypto.md §1.4). A uint64 identity argument of the documented API must
// pass both checks (a value failing the first could not be parsed back by a peer, one
// failing the second is refused by GNS when written).

// The "parse" check: account type 1..10, universe 1..4; individual (1) needs account id
// != 0 and instance 1; clan (7) needs account id != 0 and instance 0; game server (3)
// needs account id != 0.
bool steamIdValidForText(uint64_t steam_id);
// The "for identity" check: account id != 0 and account type in {1, 3, 4, 9}.
bool steamIdValidForIdentity(uint64_t steam_id);

// ---------------------------------------------------------------------------------------
// Who a host is (crypto.md §1). Default-constructed = invalid (renders "invalid").
// Equality: same type and same payload; text is case-sensitive.

class NetworkingIdentity {
 public:
  NetworkingIdentity() = default;

  // The localhost / anonymous identity: IP address ::1, port 0 (text "ip:::1").
  static NetworkingIdentity localHost();
  // The identity for a documented uint64 argument: 0 = none, i.e. localhost; any other
  // value must pass both SteamID checks above, else nullopt.
  static std::optional<NetworkingIdentity> fromUint64Argument(uint64_t steam_id);
  // Parses the text form exactly as crypto.md §1.2 (see the definition for each rule).
  static std::optional<NetworkingIdentity> parse(std::string_view text);

  // The text form of crypto.md §1.2 (at most 127 characters).
  std::string toString() const;

  IdentityType type() const { return type_; }
  bool isInvalid() const { return type_ == IdentityType::kInvalid; }
  // An IP-address identity whose address is ::1 or 127.0.0.1 (any port), crypto.md §1.3.
  bool isLocalHost() const;

  void clear() { *this = NetworkingIdentity(); }
  // Setters. The ones returning bool refuse values whose text form would not parse back.
  void setSteamID(uint64_t steam_id);  // stored as given; see steamIdValid*()
  void setIPAddr(const NetworkingIPAddr& address);
  bool setGenericString(std::string_view text);          // 1..31 bytes, no NUL
  bool setGenericBytes(std::span<const uint8_t> bytes);  // 1..32 bytes
  bool setXboxPairwiseID(std::string_view id);           // 1..32 bytes, no NUL
  void setPSNID(uint64_t psn_id);
  // A kind this library does not know: "prefix:rest", prefix 1..16 chars of [a-z0-9_],
  // at most 127 chars in total; kept verbatim.
  bool setUnknownText(std::string_view text);

  // Getters return 0 / nullopt / empty when the identity is of another type.
  uint64_t steamID() const;
  std::optional<NetworkingIPAddr> ipAddr() const;
  std::string_view genericString() const;
  std::span<const uint8_t> genericBytes() const;
  std::string_view xboxPairwiseID() const;
  uint64_t psnID() const;
  std::string_view unknownText() const;

  friend bool operator==(const NetworkingIdentity&, const NetworkingIdentity&) = default;

 private:
  IdentityType type_ = IdentityType::kInvalid;
  uint64_t id64_ = 0;         // SteamID / PSN id
  NetworkingIPAddr address_;  // IP address identity
  std::string data_;          // string / bytes / Xbox id / raw unknown text
};

// ---------------------------------------------------------------------------------------
// Connection info (config.md §5.8, lifecycle.md §8.1): getConnectionInfo and every
// status-changed callback.

struct ConnectionInfo {
  NetworkingIdentity identity;  // the peer; may be invalid early on
  int64_t user_data = kDefaultConnectionUserData;
  ListenSocketHandle listen_socket = kInvalidListenSocket;  // invalid if we initiated
  NetworkingIPAddr remote_address;                          // all zero if unknown / not applicable
  uint32_t remote_pop = 0;                                  // remote data center; 0 if unknown
  uint32_t pop_relay = 0;                                   // relay in use; 0 if none
  ConnectionState connection_state = ConnectionState::kNone;
  ConnectionEnd end_reason = ConnectionEnd::kInvalid;
  std::string end_debug;          // at most 127 bytes
  std::string debug_description;  // at most 127 bytes
  int info_flags = 0;             // kConnectionInfoFlag* bits
};

// Real-time status (config.md §5.10, lifecycle.md §8.4).
struct RealTimeStatus {
  ConnectionState state = ConnectionState::kNone;
  int ping = -1;              // ms; -1 until a first sample
  float local_quality = -1;   // 0..1; -1 unknown
  float remote_quality = -1;  // 0..1; -1 unknown
  float packets_out_per_second = 0;
  float bytes_out_per_second = 0;
  float packets_in_per_second = 0;
  float bytes_in_per_second = 0;
  int send_rate = 0;                     // bytes/s
  int pending_unreliable = 0;            // bytes
  int pending_reliable = 0;              // bytes, incl. scheduled retransmits and Nagle
  int send_unacknowledged_reliable = 0;  // bytes on the wire awaiting ack
  int64_t queue_time = 0;                // microseconds; INT64_MAX when not connected
  int32_t max_jitter = -1;               // microseconds since the previous query; -1 = none
                                         // (opengns extension: not a documented key)
};

// Per-lane status (config.md §5.11). The document spells the third key
// "sent_unacknowledged_reliatble"; the C++ field has the corrected spelling.
struct LaneStatus {
  int pending_unreliable = 0;
  int pending_reliable = 0;
  int sent_unacknowledged_reliable = 0;
  int64_t queue_time = 0;  // microseconds
};

// ---------------------------------------------------------------------------------------
// Callback records (config.md §5.9, p2p-and-auth.md §4.3). Delivered only from
// NetworkingSockets::runNetworkingCallbacks().

// network_connection_status_changed.
struct ConnectionStatusChangedCallback {
  ConnectionHandle connect_handle = kInvalidConnection;
  ConnectionInfo connection;  // snapshot when queued; connection.connection_state = new state
  ConnectionState old_state = ConnectionState::kNone;
};

// network_authentication_status.
struct AuthenticationStatusCallback {
  Availability available = Availability::kUnknown;
  std::string debug_message;  // at most 255 bytes
};

// fake_ip_result (never posted by the open-source build, nor by opengns yet).
struct FakeIPResultCallback {
  Result result = Result::kNone;
  NetworkingIdentity identity;                         // local identity of the interface that asked
  std::string fake_ip;                                 // "a.b.c.d"
  std::array<uint16_t, kFakeIPPortSlots> port_list{};  // unused entries are 0
};

// The function-pointer form of the callbacks, as stored in the Ptr-typed config values
// 201 (ConnectionStatusChanged), 202 (AuthStatusChanged) and 207 (FakeIPResult) when an
// application sets them with setConfigValue instead of the callback setters.
using ConnectionStatusChangedFn = void (*)(const ConnectionStatusChangedCallback*);
using AuthenticationStatusFn = void (*)(const AuthenticationStatusCallback*);
using FakeIPResultFn = void (*)(const FakeIPResultCallback*);

// ---------------------------------------------------------------------------------------
// Messages (config.md §5.12, lifecycle.md §7.3). Always handled through MessagePtr, whose
// deleter is the library's releaser: freeing a received message never affects its
// connection. Zero-copy: a message passed to sendMessages belongs to the library from the
// call on; a received message belongs to the caller.

class Message;
namespace api {
class MessageAccess;  // library-internal construction
}

struct MessageReleaser {
  void operator()(Message* message) const noexcept;
};
using MessagePtr = std::unique_ptr<Message, MessageReleaser>;

class Message {
 public:
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  std::span<const std::byte> payload() const { return {data_, static_cast<size_t>(size_)}; }
  // Writable view, for filling a message from allocateMessage() before sending it.
  std::span<std::byte> mutablePayload() { return {data_, static_cast<size_t>(size_)}; }
  int32_t size() const { return size_; }
  int32_t capacity() const { return capacity_; }
  // Shrinks or regrows the payload within capacity(); false if out of [0, capacity()].
  bool setSize(int32_t size);

  // Inbound: the connection it came on. Outbound: ignored (sendMessages takes the handle).
  ConnectionHandle connection = kInvalidConnection;
  NetworkingIdentity identity;                              // inbound: the sender
  int64_t receiver_user_data = kDefaultConnectionUserData;  // inbound, kept current
  int64_t time_received = 0;   // inbound: microseconds, library's monotonic clock
  int64_t message_number = 0;  // inbound: sender's number, per lane, from 1
  int flags = 0;               // inbound: only kSendReliable is meaningful
  uint16_t lane = 0;           // inbound: lane received on; outbound: lane to use

 private:
  friend class api::MessageAccess;
  friend struct MessageReleaser;
  Message() = default;
  ~Message() = default;

  std::byte* data_ = nullptr;
  int32_t size_ = 0;
  int32_t capacity_ = 0;
  // Frees data_ (set by whoever built the message); null when data_ is null.
  void (*free_data_)(Message*) = nullptr;
  void* free_context_ = nullptr;
  // The payload lives in the same heap block, right after the Message (one allocation).
  bool payload_inline_ = false;
};

}  // namespace opengns
