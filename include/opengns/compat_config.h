// Compatibility names for the configuration vocabulary: the UPPER_SNAKE constant names the
// documented API (GodotSteam's "Networking Sockets" reference) uses, config.md §6.4, each
// equal to the opengns enum value of config.h. The document's misspellings are kept so code
// written against it compiles unchanged (NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC,
// ..._P2P_TURN_uSER_LIST, ..._LOG_LEVEL_SRD_RELAY_PINGS, ..._CALLBACK_MESSAGE_SESSION_REQUEST,
// NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_*); a corrected alias follows each misspelled name.
// Names the document lacks (fake jitter, SendTimeSincePreviousPacket, the §8 extension ids)
// use the names config.md §6.4 suggests and are marked as opengns additions.
//
// Included by opengns/compat.h; the names live in namespace opengns::compat.
#pragma once

#include <cstdint>

#include "opengns/config.h"

namespace opengns::compat {

// NetworkingConfigDataType (config.md §6.4, values §1.1).
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_INT32 = ConfigDataType::kInt32;
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_INT64 = ConfigDataType::kInt64;
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_FLOAT = ConfigDataType::kFloat;
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_STRING = ConfigDataType::kString;
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_FUNCTION_PTR = ConfigDataType::kPtr;
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_PTR = ConfigDataType::kPtr;  // alias
inline constexpr ConfigDataType NETWORKING_CONFIG_TYPE_FORCE_32BIT =
    static_cast<ConfigDataType>(0x7fffffff);  // marker, never a real type

// NetworkingConfigScope (config.md §6.4, values §1.2).
inline constexpr ConfigScope NETWORKING_CONFIG_SCOPE_GLOBAL = ConfigScope::kGlobal;
inline constexpr ConfigScope NETWORKING_CONFIG_SCOPE_SOCKETS_INTERFACE =
    ConfigScope::kSocketsInterface;
inline constexpr ConfigScope NETWORKING_CONFIG_SCOPE_LISTEN_SOCKET = ConfigScope::kListenSocket;
inline constexpr ConfigScope NETWORKING_CONFIG_SCOPE_CONNECTION = ConfigScope::kConnection;
inline constexpr ConfigScope NETWORKING_CONFIG_SCOPE_FORCE_32BIT =
    static_cast<ConfigScope>(0x7fffffff);

// NetworkingGetConfigValueResult (config.md §6.4, values §1.3).
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_BAD_VALUE =
    GetConfigValueResult::kBadValue;
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_BAD_SCOPE_OBJ =
    GetConfigValueResult::kBadScopeObj;
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_BUFFER_TOO_SMALL =
    GetConfigValueResult::kBufferTooSmall;
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_OK = GetConfigValueResult::kOK;
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_OK_INHERITED =
    GetConfigValueResult::kOKInherited;
inline constexpr GetConfigValueResult NETWORKING_GET_CONFIG_VALUE_FORCE_32BIT =
    static_cast<GetConfigValueResult>(0x7fffffff);

// NetworkingSocketsDebugOutputType (config.md §6.4, values §1.6). The document spells the
// prefix "SOCKET" (singular); the NETWORKING_SOCKETS_... aliases correct it.
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_NONE = DebugOutputType::kNone;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_BUG = DebugOutputType::kBug;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_ERROR =
    DebugOutputType::kError;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_IMPORTANT =
    DebugOutputType::kImportant;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_WARNING =
    DebugOutputType::kWarning;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_MSG = DebugOutputType::kMsg;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_VERBOSE =
    DebugOutputType::kVerbose;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_DEBUG =
    DebugOutputType::kDebug;
inline constexpr DebugOutputType NETWORKING_SOCKET_DEBUG_OUTPUT_TYPE_EVERYTHING =
    DebugOutputType::kEverything;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_NONE = DebugOutputType::kNone;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_BUG = DebugOutputType::kBug;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_ERROR =
    DebugOutputType::kError;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_IMPORTANT =
    DebugOutputType::kImportant;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_WARNING =
    DebugOutputType::kWarning;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_MSG = DebugOutputType::kMsg;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_VERBOSE =
    DebugOutputType::kVerbose;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_DEBUG =
    DebugOutputType::kDebug;
inline constexpr DebugOutputType NETWORKING_SOCKETS_DEBUG_OUTPUT_TYPE_EVERYTHING =
    DebugOutputType::kEverything;

// NetworkingConfigValue (config.md §6.4, ids §1.4 and §8).
inline constexpr ConfigValue NETWORKING_CONFIG_INVALID = ConfigValue::kInvalid;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_LOSS_SEND =
    ConfigValue::kFakePacketLossSend;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_LOSS_RECV =
    ConfigValue::kFakePacketLossRecv;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_LAG_SEND =
    ConfigValue::kFakePacketLagSend;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_LAG_RECV =
    ConfigValue::kFakePacketLagRecv;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_REORDER_SEND =
    ConfigValue::kFakePacketReorderSend;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_REORDER_RECV =
    ConfigValue::kFakePacketReorderRecv;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_REORDER_TIME =
    ConfigValue::kFakePacketReorderTime;
inline constexpr ConfigValue NETWORKING_CONFIG_SEND_BUFFER_SIZE = ConfigValue::kSendBufferSize;
inline constexpr ConfigValue NETWORKING_CONFIG_SEND_RATE_MIN = ConfigValue::kSendRateMin;
inline constexpr ConfigValue NETWORKING_CONFIG_SEND_RATE_MAX = ConfigValue::kSendRateMax;
inline constexpr ConfigValue NETWORKING_CONFIG_NAGLE_TIME = ConfigValue::kNagleTime;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_ACK_RTT = ConfigValue::kLogLevelAckRTT;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_PACKET_DECODE =
    ConfigValue::kLogLevelPacketDecode;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_MESSAGE = ConfigValue::kLogLevelMessage;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_PACKET_GAPS =
    ConfigValue::kLogLevelPacketGaps;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_P2P_RENDEZVOUS =
    ConfigValue::kLogLevelP2PRendezvous;
// Document typo "SRD"; corrected alias below.
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_SRD_RELAY_PINGS =
    ConfigValue::kLogLevelSDRRelayPings;
inline constexpr ConfigValue NETWORKING_CONFIG_LOG_LEVEL_SDR_RELAY_PINGS =
    ConfigValue::kLogLevelSDRRelayPings;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_CONSEC_PING_TIMEOUT_FAIL_INITIAL =
    ConfigValue::kSDRClientConsecutitivePingTimeoutsFailInitial;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_CONSEC_PING_TIMEOUT_FAIL =
    ConfigValue::kSDRClientConsecutitivePingTimeoutsFail;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_MIN_PINGS_BEFORE_PING_ACCURATE =
    ConfigValue::kSDRClientMinPingsBeforePingAccurate;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_SINGLE_SOCKET =
    ConfigValue::kSDRClientSingleSocket;
inline constexpr ConfigValue NETWORKING_CONFIG_IP_ALLOW_WITHOUT_AUTH =
    ConfigValue::kIPAllowWithoutAuth;
inline constexpr ConfigValue NETWORKING_CONFIG_TIMEOUT_INITIAL = ConfigValue::kTimeoutInitial;
inline constexpr ConfigValue NETWORKING_CONFIG_TIMEOUT_CONNECTED = ConfigValue::kTimeoutConnected;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_DUP_SEND =
    ConfigValue::kFakePacketDupSend;
// Document typo "REVC"; corrected alias below.
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_DUP_REVC =
    ConfigValue::kFakePacketDupRecv;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_DUP_RECV =
    ConfigValue::kFakePacketDupRecv;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_DUP_TIME_MAX =
    ConfigValue::kFakePacketDupTimeMax;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_FORCE_RELAY_CLUSTER =
    ConfigValue::kSDRClientForceRelayCluster;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_DEV_TICKET =
    ConfigValue::kSDRClientDevTicket;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_FORCE_PROXY_ADDR =
    ConfigValue::kSDRClientForceProxyAddr;
inline constexpr ConfigValue NETWORKING_CONFIG_MTU_PACKET_SIZE = ConfigValue::kMTUPacketSize;
inline constexpr ConfigValue NETWORKING_CONFIG_MTU_DATA_SIZE = ConfigValue::kMTUDataSize;
inline constexpr ConfigValue NETWORKING_CONFIG_UNENCRYPTED = ConfigValue::kUnencrypted;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_FAKE_CLUSTER_PING =
    ConfigValue::kSDRClientFakeClusterPing;
inline constexpr ConfigValue NETWORKING_CONFIG_SYMMETRIC_CONNECT = ConfigValue::kSymmetricConnect;
inline constexpr ConfigValue NETWORKING_CONFIG_LOCAL_VIRTUAL_PORT = ConfigValue::kLocalVirtualPort;
inline constexpr ConfigValue NETWORKING_CONFIG_DUAL_WIFI_ENABLE = ConfigValue::kDualWifiEnable;
inline constexpr ConfigValue NETWORKING_CONFIG_CONNECTION_USER_DATA =
    ConfigValue::kConnectionUserData;
inline constexpr ConfigValue NETWORKING_CONFIG_PACKET_TRACE_MAX_BYTES =
    ConfigValue::kPacketTraceMaxBytes;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_RATE_LIMIT_SEND_RATE =
    ConfigValue::kFakeRateLimitSendRate;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_RATE_LIMIT_SEND_BURST =
    ConfigValue::kFakeRateLimitSendBurst;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_RATE_LIMIT_RECV_RATE =
    ConfigValue::kFakeRateLimitRecvRate;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_RATE_LIMIT_RECV_BURST =
    ConfigValue::kFakeRateLimitRecvBurst;
inline constexpr ConfigValue NETWORKING_CONFIG_ENABLE_DIAGNOSTICS_UI =
    ConfigValue::kEnableDiagnosticsUI;
inline constexpr ConfigValue NETWORKING_CONFIG_RECV_BUFFER_SIZE = ConfigValue::kRecvBufferSize;
inline constexpr ConfigValue NETWORKING_CONFIG_RECV_BUFFER_MESSAGES =
    ConfigValue::kRecvBufferMessages;
inline constexpr ConfigValue NETWORKING_CONFIG_RECV_MAX_MESSAGE_SIZE =
    ConfigValue::kRecvMaxMessageSize;
inline constexpr ConfigValue NETWORKING_CONFIG_RECV_MAX_SEGMENTS_PER_PACKET =
    ConfigValue::kRecvMaxSegmentsPerPacket;
inline constexpr ConfigValue NETWORKING_CONFIG_OUT_OF_ORDER_CORRECTION_WINDOW_MICROSECONDS =
    ConfigValue::kOutOfOrderCorrectionWindowMicroseconds;
inline constexpr ConfigValue NETWORKING_CONFIG_IP_LOCAL_HOST_ALLOW_WITHOUT_AUTH =
    ConfigValue::kIPLocalHostAllowWithoutAuth;
inline constexpr ConfigValue NETWORKING_CONFIG_SDR_CLIENT_LIMIT_PING_PROBES_TO_NEAREST_N =
    ConfigValue::kSDRClientLimitPingProbesToNearestN;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_STUN_SERVER_LIST =
    ConfigValue::kP2PSTUNServerList;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ENABLE =
    ConfigValue::kP2PTransportICEEnable;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PENALTY =
    ConfigValue::kP2PTransportICEPenalty;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TRANSPORT_SDR_PENALTY =
    ConfigValue::kP2PTransportSDRPenalty;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TURN_SERVER_LIST =
    ConfigValue::kP2PTURNServerList;
// Document spelling with a lower-case "u"; corrected alias below.
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TURN_uSER_LIST = ConfigValue::kP2PTURNUserList;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TURN_USER_LIST = ConfigValue::kP2PTURNUserList;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TURN_PASS_LIST = ConfigValue::kP2PTURNPassList;
inline constexpr ConfigValue NETWORKING_CONFIG_P2P_TRANSPORT_ICE_IMPLEMENTATION =
    ConfigValue::kP2PTransportICEImplementation;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_CONNECTION_STATUS_CHANGED =
    ConfigValue::kCallbackConnectionStatusChanged;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_AUTH_STATUS_CHANGED =
    ConfigValue::kCallbackAuthStatusChanged;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_RELAY_NETWORK_STATUS_CHANGED =
    ConfigValue::kCallbackRelayNetworkStatusChanged;
// Document spelling "MESSAGE" (singular, unlike id 205); corrected alias below.
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_MESSAGE_SESSION_REQUEST =
    ConfigValue::kCallbackMessagesSessionRequest;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_MESSAGES_SESSION_REQUEST =
    ConfigValue::kCallbackMessagesSessionRequest;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_MESSAGES_SESSION_FAILED =
    ConfigValue::kCallbackMessagesSessionFailed;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_CREATE_CONNECTION_SIGNALING =
    ConfigValue::kCallbackCreateConnectionSignaling;
inline constexpr ConfigValue NETWORKING_CONFIG_CALLBACK_FAKE_IP_RESULT =
    ConfigValue::kCallbackFakeIPResult;
inline constexpr ConfigValue NETWORKING_CONFIG_ECN = ConfigValue::kECN;
inline constexpr ConfigValue NETWORKING_CONFIG_VALUE_FORCE32BIT =
    static_cast<ConfigValue>(0x7fffffff);  // marker, never a config id

// opengns additions: ids the document has no constant for (names suggested by config.md
// §6.4) and the opengns extension ids of config.md §8.
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_SEND_AVG =
    ConfigValue::kFakePacketJitterSendAvg;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_SEND_MAX =
    ConfigValue::kFakePacketJitterSendMax;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_SEND_PCT =
    ConfigValue::kFakePacketJitterSendPct;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_RECV_AVG =
    ConfigValue::kFakePacketJitterRecvAvg;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_RECV_MAX =
    ConfigValue::kFakePacketJitterRecvMax;
inline constexpr ConfigValue NETWORKING_CONFIG_FAKE_PACKET_JITTER_RECV_PCT =
    ConfigValue::kFakePacketJitterRecvPct;
inline constexpr ConfigValue NETWORKING_CONFIG_SEND_TIME_SINCE_PREVIOUS_PACKET =
    ConfigValue::kSendTimeSincePreviousPacket;
inline constexpr ConfigValue NETWORKING_CONFIG_OPENGNS_TRUSTED_CA_LIST =
    ConfigValue::kOpengnsTrustedCAList;
inline constexpr ConfigValue NETWORKING_CONFIG_OPENGNS_REQUIRE_CA = ConfigValue::kOpengnsRequireCA;
inline constexpr ConfigValue NETWORKING_CONFIG_OPENGNS_EXPECTED_REMOTE_IDENTITY =
    ConfigValue::kOpengnsExpectedRemoteIdentity;

}  // namespace opengns::compat
