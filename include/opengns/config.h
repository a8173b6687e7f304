// Public configuration vocabulary of opengns: config data types, scopes, Get results,
// debug-output levels, every configuration id with its documented number, and the
// option type passed to creating calls (Connect*/CreateListenSocket*).
//
// Every number here is API (config.md §1): applications store and pass these numbers, so
// they equal the original library's exactly. Each config id below documents its type,
// unit, default, [min,max] range (out-of-range sets are clamped silently, config.md §1.9)
// and the narrowest scope it can be set at:
//   "conn"   - settable at Connection scope, and at ListenSocket / SocketsInterface /
//              Global as inherited defaults (Connection -> ListenSocket -> SocketsInterface
//              -> Global, config.md §1.2);
//   "global" - Global scope only (process-wide).
// Ids marked "unregistered" exist only so the numbers are reserved: like the original's
// open-source build, opengns treats them as unknown (Set fails, Get returns kBadValue).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace opengns {

// config.md §1.1 (ESteamNetworkingConfigDataType).
enum class ConfigDataType : int32_t {
  kInt32 = 1,
  kInt64 = 2,
  kFloat = 3,
  kString = 4,  // the library copies the text on set
  kPtr = 5,     // void pointer, used for callback function pointers
};

// config.md §1.2 (ESteamNetworkingConfigScope).
enum class ConfigScope : int32_t {
  kGlobal = 1,            // process-wide; the root default everything inherits
  kSocketsInterface = 2,  // one NetworkingSockets instance
  kListenSocket = 3,      // defaults for connections accepted on that listen socket
  kConnection = 4,        // a single connection
};

// config.md §1.3 (ESteamNetworkingGetConfigValueResult).
enum class GetConfigValueResult : int32_t {
  kBadValue = -1,        // no such id (unknown / unregistered in this build)
  kBadScopeObj = -2,     // bad scope handle, or the id does not exist at that scope
  kBufferTooSmall = -3,  // caller's buffer too small; size reports the needed size
  kOK = 1,               // value was explicitly set at this scope
  kOKInherited = 2,      // value inherited from a higher scope (or the default)
};

// config.md §1.6 (ESteamNetworkingSocketsDebugOutputType). Higher = more output. Used by the
// LogLevel_* config values and by the log sink.
enum class DebugOutputType : int32_t {
  kNone = 0,
  kBug = 1,         // API misuse or internal bug
  kError = 2,       // run-time error not caused by a bug
  kImportant = 3,   // notable event, nothing wrong
  kWarning = 4,     // default of every LogLevel_* value
  kMsg = 5,         // recommended normal amount
  kVerbose = 6,     // a lot
  kDebug = 7,       // nearly everything
  kEverything = 8,  // everything incl. packet breakdowns
};

// config.md §1.5: bits of P2P_Transport_ICE_Enable (id 104).
inline constexpr int32_t kIceEnableDefault = -1;  // Steam builds only; clamped to 0 here
inline constexpr int32_t kIceEnableDisable = 0;
inline constexpr int32_t kIceEnableRelay = 1;    // TURN-relayed candidates
inline constexpr int32_t kIceEnablePrivate = 2;  // link-local / RFC1918 host candidates
inline constexpr int32_t kIceEnablePublic = 4;   // server-reflexive or public host candidates
inline constexpr int32_t kIceEnableAll = 0x7fffffff;

// config.md §1.4 and §8 (ESteamNetworkingConfigValue). Ids are not dense (§7.2).
enum class ConfigValue : int32_t {
  // Sentinel; also the start/end marker for iteration. Never valid.
  kInvalid = 0,

  // --- §1.4.7 Fake network conditions (testing knobs), all global scope ---
  // float percent, default 0, [0,100], global: outgoing packets silently dropped.
  kFakePacketLossSend = 2,
  // float percent, default 0, [0,100], global: incoming packets silently dropped.
  kFakePacketLossRecv = 3,
  // int32 ms, default 0, [0,5000], global: lag added to every outgoing packet.
  kFakePacketLagSend = 4,
  // int32 ms, default 0, [0,5000], global: lag added to every incoming packet.
  kFakePacketLagRecv = 5,
  // float percent, default 0, [0,100], global: outgoing packets delayed by
  // FakePacketReorder_Time so they arrive out of order.
  kFakePacketReorderSend = 6,
  // float percent, default 0, [0,100], global: same for incoming packets.
  kFakePacketReorderRecv = 7,
  // int32 ms, default 15, [0,5000], global: extra delay of reordered packets.
  kFakePacketReorderTime = 8,

  // --- §1.4.2 Buffers, message limits, rates, user data ---
  // int32 bytes, default 524288, [4096,268435456], conn: max bytes queued for sending;
  // a send that would exceed it fails with LimitExceeded (25).
  kSendBufferSize = 9,
  // int32 bytes/s, default 262144, [1024,268435456], conn: lower clamp of the send rate.
  kSendRateMin = 10,
  // int32 bytes/s, default 268435456 in opengns (the original: 262144), [1024,268435456],
  // conn: upper clamp of the send rate; the top of the range means no upper clamp, so the
  // congestion controller finds the path's capacity. Set it equal to SendRateMin for the
  // original's fixed rate.
  kSendRateMax = 11,

  // --- §1.4.3 Nagle ---
  // int32 microseconds, default 5000, [0,20000], conn: how long a small outgoing message may
  // be held to coalesce with later ones (0 = no delay).
  kNagleTime = 12,

  // --- §1.4.12 Log levels (values are DebugOutputType) ---
  // int32 level, default 4 (Warning), [2 (Error), 8 (Everything)], conn: RTT calculations.
  kLogLevelAckRTT = 13,
  // int32 level, default 4, [2,8], conn: SNP data-packet decoding.
  kLogLevelPacketDecode = 14,
  // int32 level, default 4, [2,8], conn: each message sent/received.
  kLogLevelMessage = 15,
  // int32 level, default 4, [2,8], conn: dropped packets / sequence gaps.
  kLogLevelPacketGaps = 16,
  // int32 level, default 4, [2,8], conn: P2P rendezvous / signaling messages.
  kLogLevelP2PRendezvous = 17,
  // int32 level, global. Unregistered (SDR builds only).
  kLogLevelSDRRelayPings = 18,

  // --- §1.4.11 SDR relay client: all unregistered (SDR builds only) ---
  // int32 count, global. (The misspelling "Consecutitive" is part of the API name.)
  kSDRClientConsecutitivePingTimeoutsFailInitial = 19,
  // int32 count, global.
  kSDRClientConsecutitivePingTimeoutsFail = 20,
  // int32 count, global.
  kSDRClientMinPingsBeforePingAccurate = 21,
  // int32 bool, global.
  kSDRClientSingleSocket = 22,

  // --- §1.4.5 Encryption and authentication ---
  // int32 enum, default 2 (open-source build), [0,2], conn: tolerance of IP connections for
  // a peer/self without certificate. 0 = require auth; 1 = try, allow unauthenticated with
  // warnings; 2 = do not try, no complaints. Locked on a connection (§1.9.1).
  kIPAllowWithoutAuth = 23,

  // --- §1.4.1 Timeouts ---
  // int32 ms, default 10000, [0,2147483647], conn: time allowed for the handshake.
  kTimeoutInitial = 24,
  // int32 ms, default 10000, [0,2147483647], conn: silence tolerated once connected.
  kTimeoutConnected = 25,

  // --- §1.4.7 continued ---
  // float percent, default 0, [0,100], global: outgoing packets duplicated.
  kFakePacketDupSend = 26,
  // float percent, default 0, [0,100], global: incoming packets duplicated.
  kFakePacketDupRecv = 27,
  // int32 ms, default 10, [0,5000], global: a duplicate is delayed by random 0..this.
  kFakePacketDupTimeMax = 28,

  // --- §1.4.11 continued (unregistered) ---
  // string, global: only use relays of this cluster.
  kSDRClientForceRelayCluster = 29,
  // string, conn: base-64 dev ticket.
  kSDRClientDevTicket = 30,
  // string, global: relay address list override.
  kSDRClientForceProxyAddr = 31,

  // --- §1.4.4 MTU ---
  // int32 bytes, default 1300, [200,1300], conn: largest UDP payload we send (WIRE-visible).
  kMTUPacketSize = 32,
  // int32 bytes, READ-ONLY, derived = max(0, MTU_PacketSize - 100) (default 1200), conn.
  // Set always fails; Get computes it and reports OK/OKInherited as MTU_PacketSize.
  kMTUDataSize = 33,

  // --- §1.4.5 continued ---
  // int32 enum, default 0, [0,3], conn: plaintext allowed? 0 = no; 1 = allowed, prefer
  // encrypted; 2 = allowed and preferred; 3 = required. Negotiated in the handshake (WIRE).
  // Locked on a connection (§1.9.1).
  kUnencrypted = 34,

  // --- §1.4.13 Deleted: never valid ---
  kDeletedEnumerateDevVars = 35,

  // --- §1.4.11 continued (unregistered) ---
  // string, global: forced ping times "cluster=ms,...".
  kSDRClientFakeClusterPing = 36,

  // --- §1.4.6 Connection behaviour ---
  // int32 bool, default 0, [0,1], conn: symmetric connect mode (P2P only). Locked on a
  // listen socket at creation and on a connection (§1.9.1).
  kSymmetricConnect = 37,
  // int32 port, default -1, [-1,2147483647], conn: local virtual port of a P2P-style
  // connection (-1 = same as the remote virtual port).
  kLocalVirtualPort = 38,
  // int32, conn. Unregistered (Windows Steam builds only): dual-band wifi multipath.
  kDualWifiEnable = 39,

  // --- §1.4.2 continued ---
  // int64, default -1, no range, conn: the application's user data of a connection (same
  // value as Get/SetConnectionUserData). Cannot be cleared at Connection scope (§1.9).
  kConnectionUserData = 40,

  // --- §1.4.8 Packet-level diagnostics and tuning ---
  // int32 bytes, default -1, [-1,99999], global: log every UDP packet dumping up to this
  // many payload bytes; 0 = headers only; -1 = off.
  kPacketTraceMaxBytes = 41,

  // --- §1.4.7 continued: fake rate limiter (token bucket over all UDP) ---
  // int32 bytes/s, default 0 (off), [0,1073741824], global.
  kFakeRateLimitSendRate = 42,
  // int32 bytes, default 16384, [0,1048576], global: bucket capacity.
  kFakeRateLimitSendBurst = 43,
  // int32 bytes/s, default 0 (off), [0,1073741824], global.
  kFakeRateLimitRecvRate = 44,
  // int32 bytes, default 16384, [0,1048576], global.
  kFakeRateLimitRecvBurst = 45,

  // --- §1.4.6 continued ---
  // int32, conn. Unregistered (Steam builds only): diagnostics to the Steam client UI.
  kEnableDiagnosticsUI = 46,

  // --- §1.4.2 continued ---
  // int32 bytes, default 1048576, [4096,268435456], conn: max total bytes received but not
  // yet fetched; beyond it incoming packets are dropped.
  kRecvBufferSize = 47,
  // int32 count, default 1000, [2,268435456], conn: max count of received, unfetched
  // messages.
  kRecvBufferMessages = 48,
  // int32 bytes, default 524288, [64,268435456], conn: largest message accepted from the
  // peer; a larger one closes the connection.
  kRecvMaxMessageSize = 49,
  // int32 count, default 1300, [1,1300], conn: max message segments decoded per packet.
  kRecvMaxSegmentsPerPacket = 50,

  // --- §1.4.8 continued ---
  // int32 microseconds, default 1000, [0,50000], global: how long a packet after a small
  // sequence gap is held waiting for the missing one; 0 = no reorder correction.
  kOutOfOrderCorrectionWindowMicroseconds = 51,

  // --- §1.4.5 continued ---
  // int32 enum, default 2 (open-source build), [0,2], conn: as IP_AllowWithoutAuth, for a
  // localhost remote address only; the larger of the two wins. Locked on a connection.
  kIPLocalHostAllowWithoutAuth = 52,

  // --- §1.4.7 continued: fake jitter ---
  // float ms, default 0 (off), [0,2000], global: mean exponential jitter, outgoing.
  kFakePacketJitterSendAvg = 53,
  // float ms, default 100, [0,5000], global: cap of one outgoing jitter value.
  kFakePacketJitterSendMax = 54,
  // float percent, default 75, [0,100], global: chance an outgoing packet gets jitter.
  kFakePacketJitterSendPct = 55,
  // float ms, default 0, [0,2000], global: as 53, incoming.
  kFakePacketJitterRecvAvg = 56,
  // float ms, default 100, [0,5000], global: as 54, incoming.
  kFakePacketJitterRecvMax = 57,
  // float percent, default 75, [0,100], global: as 55, incoming.
  kFakePacketJitterRecvPct = 58,

  // --- §1.4.6 continued ---
  // int32 tri-state, default -1, [-1,1], conn: put a time-since-previous-packet field in
  // every UDP packet. -1 = per connection type (off for plain UDP); 0 = off; 1 = on. WIRE.
  kSendTimeSincePreviousPacket = 59,

  // --- §1.4.11 continued (unregistered) ---
  // int32 count, global: probe only the N nearest POPs.
  kSDRClientLimitPingProbesToNearestN = 60,

  // --- §1.4.10 P2P / ICE / signaling ---
  // string, default "", conn: comma-separated STUN servers; empty = no NAT piercing.
  kP2PSTUNServerList = 103,
  // int32 bitmask (kIceEnable*), default 2147483647 (All), [0,2147483647], conn: which ICE
  // candidate kinds to share. Locked on a connection (§1.9.1).
  kP2PTransportICEEnable = 104,
  // int32 ms-scale, default 0, [0,2147483647], conn: penalty added to ICE routes.
  kP2PTransportICEPenalty = 105,
  // int32, conn. Unregistered (SDR builds only): penalty added to relayed routes.
  kP2PTransportSDRPenalty = 106,
  // string, default "", conn: comma-separated TURN servers.
  kP2PTURNServerList = 107,
  // string, default "", conn: comma-separated TURN user names (parallel to 107).
  kP2PTURNUserList = 108,
  // string, default "", conn: comma-separated TURN passwords (parallel to 107).
  kP2PTURNPassList = 109,
  // int32 enum, default 0, [0,2], conn: ICE engine. 0 = auto, 1 = built-in, 2 = WebRTC.
  // Locked on a connection (§1.9.1).
  kP2PTransportICEImplementation = 110,

  // --- §1.4.9 Callbacks: type Ptr (function pointer), default null ---
  // conn: connection state changes. Must be in effect when the object is created.
  kCallbackConnectionStatusChanged = 201,
  // global: our authentication / certificate readiness changed.
  kCallbackAuthStatusChanged = 202,
  // global. Unregistered (SDR builds only).
  kCallbackRelayNetworkStatusChanged = 203,
  // global: ad-hoc Messages interface session request.
  kCallbackMessagesSessionRequest = 204,
  // global: ad-hoc Messages interface session failed.
  kCallbackMessagesSessionFailed = 205,
  // global: create a custom signaling object for a locally initiated P2P connection.
  kCallbackCreateConnectionSignaling = 206,
  // global. Unregistered (FakeIP = Steam builds only).
  kCallbackFakeIPResult = 207,

  // --- §1.4.13 Experimental ---
  // int32, global. Unregistered (SDR builds only).
  kSDRClientEnableTOSProbes = 998,
  // int32 codepoint, default -1 (auto), [-1,2], global: ECN bits on outgoing packets. WIRE.
  kECN = 999,

  // --- §8 opengns extensions (ids 10000+; never seen by a peer) ---
  // string, default "", global: trusted CA keys (syntax p2p-and-auth.md §6.7); also read
  // once from the environment variable OPENGNS_TRUSTED_CA.
  kOpengnsTrustedCAList = 10001,
  // int32 bool, default 0, [0,1], conn: 1 = a peer cert must chain to a trusted CA, else the
  // connection fails with Remote_BadCert (4003).
  kOpengnsRequireCA = 10002,
  // string, default "", conn (set in connectByIPAddress options): the identity (text form)
  // the server must prove, else the client fails with Remote_BadCert (4003).
  kOpengnsExpectedRemoteIdentity = 10003,
};

// One value of any config data type. Alternative index i carries ConfigDataType(i + 1):
// int32_t = kInt32, int64_t = kInt64, float = kFloat, std::string = kString, void* = kPtr.
using ConfigArg = std::variant<int32_t, int64_t, float, std::string, void*>;

// The data type a ConfigArg carries (config.md §1.7's m_eDataType).
inline ConfigDataType configArgType(const ConfigArg& arg) {
  return static_cast<ConfigDataType>(static_cast<int32_t>(arg.index()) + 1);
}

// One option passed to a creating call (config.md §1.7). Options are applied in list order
// at the new object's scope before it does any network work; the value is converted to the
// id's stored type as config.md §1.9 says. An invalid option makes the creating call fail.
struct ConfigOption {
  ConfigValue id = ConfigValue::kInvalid;
  ConfigArg value;
};

}  // namespace opengns
