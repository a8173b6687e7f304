// The config table itself. Rows follow config.md §1.4 (values of the open-source build),
// §1.8 (iteration flags), §1.9.1 (locking) and §8 (opengns extensions). Open-question
// resolutions (config.md §7.1): ICE ids 103..105, 107..110 and the Messages callbacks 204/205
// are registered; SDR, DualWifi, diagnostics-UI, FakeIP ids and 998 are unregistered; ECN (999)
// is registered because Linux can set ECN bits on sockets.
#include "api/config_table.h"

#include <algorithm>
#include <array>

namespace opengns::api {
namespace {

using V = ConfigValue;
using T = ConfigDataType;
constexpr ConfigScope kConn = ConfigScope::kConnection;
constexpr ConfigScope kGlob = ConfigScope::kGlobal;

constexpr int64_t kInt32Max = 2147483647;  // config.md §1.4 "INT32_MAX"
constexpr int64_t kBufferMax = 268435456;  // config.md §1.4 "0x10000000"

constexpr ConfigEntry int32Entry(V id, std::string_view name, ConfigScope scope, int64_t def,
                                 int64_t min, int64_t max, ConfigFlags flags = 0) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.type = T::kInt32;
  e.scope = scope;
  e.int_default = def;
  e.int_min = min;
  e.int_max = max;
  e.has_range = true;
  e.flags = flags;
  return e;
}

constexpr ConfigEntry floatEntry(V id, std::string_view name, float def, float min, float max) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.type = T::kFloat;
  e.scope = kGlob;  // every float value of config.md §1.4 is a global fake-network knob
  e.float_default = def;
  e.float_min = min;
  e.float_max = max;
  e.has_range = true;
  return e;
}

constexpr ConfigEntry stringEntry(V id, std::string_view name, ConfigScope scope,
                                  ConfigFlags flags = 0) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.type = T::kString;
  e.scope = scope;
  e.string_default = "";
  e.flags = flags;
  return e;
}

constexpr ConfigEntry ptrEntry(V id, std::string_view name, ConfigScope scope,
                               ConfigFlags flags = 0) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.type = T::kPtr;
  e.scope = scope;
  e.flags = flags | kConfigFlagNotIterable;  // §1.8: iteration skips every Ptr value
  return e;
}

// An id whose number is reserved but which this build does not register: its type and scope
// are recorded (config.md §1.4.11) so names resolve; defaults are unknown (§7.1).
constexpr ConfigEntry unregistered(V id, std::string_view name, T type, ConfigScope scope) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.type = type;
  e.scope = scope;
  e.flags = kConfigFlagUnregistered | kConfigFlagNotIterable;
  return e;
}

constexpr ConfigEntry neverValid(V id, std::string_view name) {
  ConfigEntry e;
  e.id = id;
  e.name = name;
  e.flags = kConfigFlagNeverValid | kConfigFlagNotIterable;
  return e;
}

constexpr ConfigEntry connectionUserData() {
  ConfigEntry e;
  e.id = V::kConnectionUserData;
  e.name = "ConnectionUserData";
  e.type = T::kInt64;
  e.scope = kConn;
  e.int_default = -1;
  e.int_min = INT64_MIN;
  e.int_max = INT64_MAX;
  e.has_range = false;  // §1.9: int64 values are stored as given
  e.flags = kConfigFlagNotIterable | kConfigFlagNoClearAtConnection;
  return e;
}

constexpr ConfigFlags kLockConn = kConfigFlagLockedOnConnection;
constexpr ConfigFlags kExt = kConfigFlagExtension;

// Log levels: default 4 (Warning), range [2 (Error), 8 (Everything)], config.md §1.4.12.
constexpr ConfigEntry logLevel(V id, std::string_view name) {
  return int32Entry(id, name, kConn, 4, 2, 8);
}

constexpr auto kTable = std::to_array<ConfigEntry>({
    neverValid(V::kInvalid, "Invalid"),
    floatEntry(V::kFakePacketLossSend, "FakePacketLoss_Send", 0, 0, 100),
    floatEntry(V::kFakePacketLossRecv, "FakePacketLoss_Recv", 0, 0, 100),
    int32Entry(V::kFakePacketLagSend, "FakePacketLag_Send", kGlob, 0, 0, 5000),
    int32Entry(V::kFakePacketLagRecv, "FakePacketLag_Recv", kGlob, 0, 0, 5000),
    floatEntry(V::kFakePacketReorderSend, "FakePacketReorder_Send", 0, 0, 100),
    floatEntry(V::kFakePacketReorderRecv, "FakePacketReorder_Recv", 0, 0, 100),
    int32Entry(V::kFakePacketReorderTime, "FakePacketReorder_Time", kGlob, 15, 0, 5000),
    int32Entry(V::kSendBufferSize, "SendBufferSize", kConn, 524288, 4096, kBufferMax),
    int32Entry(V::kSendRateMin, "SendRateMin", kConn, 262144, 1024, kBufferMax),
    // OPENGNS DEFAULT: the top of the range, which the congestion controller reads as "no
    // upper clamp" (the original's default is 262144, a fixed 256 KiB/s with the min).
    int32Entry(V::kSendRateMax, "SendRateMax", kConn, kOpengnsSendRateMaxDefault, 1024, kBufferMax),
    int32Entry(V::kNagleTime, "NagleTime", kConn, 5000, 0, 20000),
    logLevel(V::kLogLevelAckRTT, "LogLevel_AckRTT"),
    logLevel(V::kLogLevelPacketDecode, "LogLevel_PacketDecode"),
    logLevel(V::kLogLevelMessage, "LogLevel_Message"),
    logLevel(V::kLogLevelPacketGaps, "LogLevel_PacketGaps"),
    logLevel(V::kLogLevelP2PRendezvous, "LogLevel_P2PRendezvous"),
    unregistered(V::kLogLevelSDRRelayPings, "LogLevel_SDRRelayPings", T::kInt32, kGlob),
    unregistered(V::kSDRClientConsecutitivePingTimeoutsFailInitial,
                 "SDRClient_ConsecutitivePingTimeoutsFailInitial", T::kInt32, kGlob),
    unregistered(V::kSDRClientConsecutitivePingTimeoutsFail,
                 "SDRClient_ConsecutitivePingTimeoutsFail", T::kInt32, kGlob),
    unregistered(V::kSDRClientMinPingsBeforePingAccurate, "SDRClient_MinPingsBeforePingAccurate",
                 T::kInt32, kGlob),
    unregistered(V::kSDRClientSingleSocket, "SDRClient_SingleSocket", T::kInt32, kGlob),
    // Default 2 is the open-source build's (Steam's build uses 0), config.md §1.4.5.
    int32Entry(V::kIPAllowWithoutAuth, "IP_AllowWithoutAuth", kConn, 2, 0, 2,
               kLockConn | kConfigFlagDevOnly),
    int32Entry(V::kTimeoutInitial, "TimeoutInitial", kConn, 10000, 0, kInt32Max),
    int32Entry(V::kTimeoutConnected, "TimeoutConnected", kConn, 10000, 0, kInt32Max),
    floatEntry(V::kFakePacketDupSend, "FakePacketDup_Send", 0, 0, 100),
    floatEntry(V::kFakePacketDupRecv, "FakePacketDup_Recv", 0, 0, 100),
    int32Entry(V::kFakePacketDupTimeMax, "FakePacketDup_TimeMax", kGlob, 10, 0, 5000),
    unregistered(V::kSDRClientForceRelayCluster, "SDRClient_ForceRelayCluster", T::kString, kGlob),
    // Locked on a connection per §1.9.1, but unregistered here anyway (SDR builds only).
    unregistered(V::kSDRClientDevTicket, "SDRClient_DevTicket", T::kString, kConn),
    unregistered(V::kSDRClientForceProxyAddr, "SDRClient_ForceProxyAddr", T::kString, kGlob),
    int32Entry(V::kMTUPacketSize, "MTU_PacketSize", kConn, 1300, 200, 1300),
    // Derived: default is MTU_PacketSize's default - 100 (config.md §1.4.4).
    int32Entry(V::kMTUDataSize, "MTU_DataSize", kConn, 1200, 0, 1200,
               kConfigFlagDerivedReadOnly | kConfigFlagNotIterable),
    int32Entry(V::kUnencrypted, "Unencrypted", kConn, 0, 0, 3, kLockConn | kConfigFlagDevOnly),
    neverValid(V::kDeletedEnumerateDevVars, "DELETED_EnumerateDevVars"),
    unregistered(V::kSDRClientFakeClusterPing, "SDRClient_FakeClusterPing", T::kString, kGlob),
    int32Entry(V::kSymmetricConnect, "SymmetricConnect", kConn, 0, 0, 1,
               kLockConn | kConfigFlagLockedOnListenSocket | kConfigFlagNotIterable),
    int32Entry(V::kLocalVirtualPort, "LocalVirtualPort", kConn, -1, -1, kInt32Max,
               kConfigFlagLockedOnListenSocket | kConfigFlagNotIterable),
    unregistered(V::kDualWifiEnable, "DualWifi_Enable", T::kInt32, kConn),
    connectionUserData(),
    int32Entry(V::kPacketTraceMaxBytes, "PacketTraceMaxBytes", kGlob, -1, -1, 99999),
    int32Entry(V::kFakeRateLimitSendRate, "FakeRateLimit_Send_Rate", kGlob, 0, 0, 1073741824),
    int32Entry(V::kFakeRateLimitSendBurst, "FakeRateLimit_Send_Burst", kGlob, 16384, 0, 1048576),
    int32Entry(V::kFakeRateLimitRecvRate, "FakeRateLimit_Recv_Rate", kGlob, 0, 0, 1073741824),
    int32Entry(V::kFakeRateLimitRecvBurst, "FakeRateLimit_Recv_Burst", kGlob, 16384, 0, 1048576),
    unregistered(V::kEnableDiagnosticsUI, "EnableDiagnosticsUI", T::kInt32, kConn),
    int32Entry(V::kRecvBufferSize, "RecvBufferSize", kConn, 1048576, 4096, kBufferMax),
    int32Entry(V::kRecvBufferMessages, "RecvBufferMessages", kConn, 1000, 2, kBufferMax),
    int32Entry(V::kRecvMaxMessageSize, "RecvMaxMessageSize", kConn, 524288, 64, kBufferMax),
    int32Entry(V::kRecvMaxSegmentsPerPacket, "RecvMaxSegmentsPerPacket", kConn, 1300, 1, 1300),
    int32Entry(V::kOutOfOrderCorrectionWindowMicroseconds, "OutOfOrderCorrectionWindowMicroseconds",
               kGlob, 1000, 0, 50000),
    int32Entry(V::kIPLocalHostAllowWithoutAuth, "IPLocalHost_AllowWithoutAuth", kConn, 2, 0, 2,
               kLockConn),
    floatEntry(V::kFakePacketJitterSendAvg, "FakePacketJitter_Send_Avg", 0, 0, 2000),
    floatEntry(V::kFakePacketJitterSendMax, "FakePacketJitter_Send_Max", 100, 0, 5000),
    floatEntry(V::kFakePacketJitterSendPct, "FakePacketJitter_Send_Pct", 75, 0, 100),
    floatEntry(V::kFakePacketJitterRecvAvg, "FakePacketJitter_Recv_Avg", 0, 0, 2000),
    floatEntry(V::kFakePacketJitterRecvMax, "FakePacketJitter_Recv_Max", 100, 0, 5000),
    floatEntry(V::kFakePacketJitterRecvPct, "FakePacketJitter_Recv_Pct", 75, 0, 100),
    int32Entry(V::kSendTimeSincePreviousPacket, "SendTimeSincePreviousPacket", kConn, -1, -1, 1),
    unregistered(V::kSDRClientLimitPingProbesToNearestN, "SDRClient_LimitPingProbesToNearestN",
                 T::kInt32, kGlob),
    stringEntry(V::kP2PSTUNServerList, "P2P_STUN_ServerList", kConn),
    // Open-source build: default All, min 0 (so -1 "Default" clamps to 0 = Disable), §7.2.
    int32Entry(V::kP2PTransportICEEnable, "P2P_Transport_ICE_Enable", kConn, kInt32Max, 0,
               kInt32Max, kLockConn),
    int32Entry(V::kP2PTransportICEPenalty, "P2P_Transport_ICE_Penalty", kConn, 0, 0, kInt32Max),
    unregistered(V::kP2PTransportSDRPenalty, "P2P_Transport_SDR_Penalty", T::kInt32, kConn),
    stringEntry(V::kP2PTURNServerList, "P2P_TURN_ServerList", kConn),
    stringEntry(V::kP2PTURNUserList, "P2P_TURN_UserList", kConn),
    stringEntry(V::kP2PTURNPassList, "P2P_TURN_PassList", kConn),
    int32Entry(V::kP2PTransportICEImplementation, "P2P_Transport_ICE_Implementation", kConn, 0, 0,
               2, kLockConn),
    ptrEntry(V::kCallbackConnectionStatusChanged, "Callback_ConnectionStatusChanged", kConn),
    ptrEntry(V::kCallbackAuthStatusChanged, "Callback_AuthStatusChanged", kGlob),
    unregistered(V::kCallbackRelayNetworkStatusChanged, "Callback_RelayNetworkStatusChanged",
                 T::kPtr, kGlob),
    ptrEntry(V::kCallbackMessagesSessionRequest, "Callback_MessagesSessionRequest", kGlob),
    ptrEntry(V::kCallbackMessagesSessionFailed, "Callback_MessagesSessionFailed", kGlob),
    ptrEntry(V::kCallbackCreateConnectionSignaling, "Callback_CreateConnectionSignaling", kGlob),
    unregistered(V::kCallbackFakeIPResult, "Callback_FakeIPResult", T::kPtr, kGlob),
    unregistered(V::kSDRClientEnableTOSProbes, "SDRClient_EnableTOSProbes", T::kInt32, kGlob),
    int32Entry(V::kECN, "ECN", kGlob, -1, -1, 2),
    stringEntry(V::kOpengnsTrustedCAList, "OPENGNS_TrustedCAList", kGlob, kExt),
    int32Entry(V::kOpengnsRequireCA, "OPENGNS_RequireCA", kConn, 0, 0, 1, kExt),
    // Per-connection by nature (the identity one server must prove): connection scope only,
    // and not a generic editable value.
    stringEntry(V::kOpengnsExpectedRemoteIdentity, "OPENGNS_ExpectedRemoteIdentity", kConn,
                kExt | kConfigFlagConnectionOnly | kConfigFlagNotIterable),
});

// The table must be sorted with unique ids for binary search; checked at compile time.
constexpr bool tableSortedUnique() {
  for (size_t i = 1; i < kTable.size(); ++i) {
    if (static_cast<int32_t>(kTable[i - 1].id) >= static_cast<int32_t>(kTable[i].id)) {
      return false;
    }
  }
  return true;
}
static_assert(tableSortedUnique(), "config table must be sorted by id without duplicates");

}  // namespace

bool ConfigEntry::allowedAt(ConfigScope at) const {
  if (has(kConfigFlagConnectionOnly)) return at == ConfigScope::kConnection;
  if (scope == ConfigScope::kGlobal) return at == ConfigScope::kGlobal;
  return at == ConfigScope::kGlobal || at == ConfigScope::kSocketsInterface ||
         at == ConfigScope::kListenSocket || at == ConfigScope::kConnection;
}

ConfigArg ConfigEntry::defaultValue() const {
  switch (type) {
    case ConfigDataType::kInt32:
      return static_cast<int32_t>(int_default);
    case ConfigDataType::kInt64:
      return int_default;
    case ConfigDataType::kFloat:
      return float_default;
    case ConfigDataType::kString:
      return std::string(string_default);
    case ConfigDataType::kPtr:
      return static_cast<void*>(nullptr);
  }
  return int32_t{0};
}

std::span<const ConfigEntry> allConfigEntries() {
  return kTable;
}

std::optional<size_t> configEntryIndex(ConfigValue id) {
  auto it =
      std::lower_bound(kTable.begin(), kTable.end(), id, [](const ConfigEntry& e, ConfigValue v) {
        return static_cast<int32_t>(e.id) < static_cast<int32_t>(v);
      });
  if (it == kTable.end() || it->id != id) return std::nullopt;
  return static_cast<size_t>(it - kTable.begin());
}

const ConfigEntry* findConfigEntry(ConfigValue id) {
  std::optional<size_t> index = configEntryIndex(id);
  return index ? &kTable[*index] : nullptr;
}

const ConfigEntry* findConfigEntryByName(std::string_view name) {
  for (const ConfigEntry& e : kTable) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const ConfigEntry* registeredConfigEntry(ConfigValue id) {
  const ConfigEntry* e = findConfigEntry(id);
  return e != nullptr && e->registered() ? e : nullptr;
}

std::optional<ConfigValueInfo> configValueInfo(ConfigValue id) {
  const ConfigEntry* e = registeredConfigEntry(id);
  if (e == nullptr) return std::nullopt;
  // §1.8 reports only Global or Connection; a connection-only extension reports Connection.
  return ConfigValueInfo{e->name, e->type, e->scope};
}

ConfigValue nextEditableConfigValue(ConfigValue current, bool include_dev) {
  for (const ConfigEntry& e : kTable) {
    if (static_cast<int32_t>(e.id) <= static_cast<int32_t>(current)) continue;
    if (!e.registered() || e.has(kConfigFlagNotIterable)) continue;
    if (e.has(kConfigFlagDevOnly) && !include_dev) continue;
    return e.id;
  }
  return ConfigValue::kInvalid;
}

std::string_view configScopeName(ConfigScope scope) {
  switch (scope) {
    case ConfigScope::kGlobal:
      return "Global";
    case ConfigScope::kSocketsInterface:
      return "SocketsInterface";
    case ConfigScope::kListenSocket:
      return "ListenSocket";
    case ConfigScope::kConnection:
      return "Connection";
  }
  return "InvalidScope";
}

}  // namespace opengns::api
