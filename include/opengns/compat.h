// Compatibility names: the UPPER_SNAKE constant names the documented API (GodotSteam's
// "Networking Sockets" reference) uses, config.md §6, each equal to the opengns value of
// types.h / config.h, so code written against the document reads the same. The document's
// misspellings are kept (CONNECTION_END_REMOVE_MIN, CONNECTION_END_NO_PUBLIC_ADDRESS,
// CONNECTION_END_BAD_PROTOCOL_VERSION, NETWORKING_SEND_URELIABLE_NO_NAGLE, ...); a corrected
// alias follows each one. The config vocabulary is in compat_config.h, included here.
//
// The names live in namespace opengns::compat (`using namespace opengns::compat;`).
#pragma once

#include <cstdint>

#include "opengns/compat_config.h"
#include "opengns/types.h"

namespace opengns::compat {

// ---- Constants named in the reference (config.md §6.1, §6.2) --------------------------------
inline constexpr uint32_t DATAGRAM_POP_ID_DEV = kDatagramPopIdDev;  // 6579574
inline constexpr int32_t MAX_STEAM_PACKET_SIZE = kMaxMessageSizeSend;
inline constexpr PollGroupHandle NET_POLL_GROUP_INVALID = kInvalidPollGroup;
inline constexpr ConnectionHandle NETWORKING_CONNECTION_INVALID = kInvalidConnection;
inline constexpr ListenSocketHandle LISTEN_SOCKET_INVALID = kInvalidListenSocket;
inline constexpr int32_t NETWORKING_SOCKETS_FAKE_UDP_PORT_RECOMMENDED_MTU =
    kFakeUDPPortRecommendedMTU;
inline constexpr int32_t NETWORKING_SOCKETS_FAKE_UDP_PORT_MAX_MESSAGE_SIZE =
    kFakeUDPPortMaxMessageSize;
inline constexpr int32_t MAX_NETWORKING_ERROR_MESSAGE = kMaxErrorMessageLength;
inline constexpr int32_t MAX_NETWORKING_PING_LOCATION_STRING = kMaxPingLocationStringLength;
inline constexpr int32_t NETWORKING_MAX_CONNECTION_APP_NAME = kMaxConnectionAppNameLength;
inline constexpr int32_t NETWORKING_MAX_CONNECTION_CLOSE_REASON = kMaxConnectionCloseReasonLength;
inline constexpr int32_t NETWORKING_MAX_CONNECTION_DESCRIPTION = kMaxConnectionDescriptionLength;
inline constexpr int32_t NETWORKING_PING_FAILED = kPingFailed;
inline constexpr int32_t NETWORKING_PING_UNKNOWN = kPingUnknown;

// P2P_Transport_ICE_Enable bits (config.md §1.5, §6.2).
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_DEFAULT = kIceEnableDefault;
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_DISABLE = kIceEnableDisable;
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_RELAY = kIceEnableRelay;
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PRIVATE = kIceEnablePrivate;
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_PUBLIC = kIceEnablePublic;
inline constexpr int32_t NETWORKING_CONFIG_P2P_TRANSPORT_ICE_ALL = kIceEnableAll;

// Connection info flags (config.md §5.1, §6.2).
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_UNAUTHENTICATED =
    kConnectionInfoFlagUnauthenticated;
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_UNENCRYPTED = kConnectionInfoFlagUnencrypted;
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_LOOPBACK_BUFFERS =
    kConnectionInfoFlagLoopbackBuffers;
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_FAST = kConnectionInfoFlagFast;
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_RELAYED = kConnectionInfoFlagRelayed;
inline constexpr int NETWORKING_CONNECTION_INFO_FLAG_DUALWIFI = kConnectionInfoFlagDualWifi;

// Send flags (config.md §3, §6.2).
inline constexpr int NETWORKING_SEND_UNRELIABLE = kSendUnreliable;
inline constexpr int NETWORKING_SEND_NO_NAGLE = kSendNoNagle;
inline constexpr int NETWORKING_SEND_URELIABLE_NO_NAGLE = kSendUnreliableNoNagle;   // [sic]
inline constexpr int NETWORKING_SEND_UNRELIABLE_NO_NAGLE = kSendUnreliableNoNagle;  // corrected
inline constexpr int NETWORKING_SEND_NO_DELAY = kSendNoDelay;
inline constexpr int NETWORKING_SEND_UNRELIABLE_NO_DELAY = kSendUnreliableNoDelay;
inline constexpr int NETWORKING_SEND_RELIABLE = kSendReliable;
inline constexpr int NETWORKING_SEND_RELIABLE_NO_NAGLE = kSendReliableNoNagle;
inline constexpr int NETWORKING_SEND_USE_CURRENT_THREAD = kSendUseCurrentThread;
inline constexpr int NETWORKING_SEND_AUTORESTART_BROKEN_SESSION = kSendAutoRestartBrokenSession;

// ---- Result (config.md §2, §6.4) --------------------------------------------------------------
inline constexpr Result RESULT_NONE = Result::kNone;
inline constexpr Result RESULT_OK = Result::kOK;
inline constexpr Result RESULT_FAIL = Result::kFail;
inline constexpr Result RESULT_NO_CONNECTION = Result::kNoConnection;
inline constexpr Result RESULT_INVALID_PARAM = Result::kInvalidParam;
inline constexpr Result RESULT_BUSY = Result::kBusy;
inline constexpr Result RESULT_INVALID_STATE = Result::kInvalidState;
inline constexpr Result RESULT_NOT_LOGGED_ON = Result::kNotLoggedOn;
inline constexpr Result RESULT_PENDING = Result::kPending;
inline constexpr Result RESULT_LIMIT_EXCEEDED = Result::kLimitExceeded;
inline constexpr Result RESULT_DUPLICATE_REQUEST = Result::kDuplicateRequest;
inline constexpr Result RESULT_IP_NOT_FOUND = Result::kIPNotFound;
inline constexpr Result RESULT_CONNECT_FAILED = Result::kConnectFailed;
inline constexpr Result RESULT_HANDSHAKE_FAILED = Result::kHandshakeFailed;
inline constexpr Result RESULT_IGNORED = Result::kIgnored;
inline constexpr Result RESULT_NO_MATCH = Result::kNoMatch;
inline constexpr Result RESULT_DISABLED = Result::kDisabled;

// ---- NetworkingConnectionState (config.md §5.2, §6.4) -----------------------------------------
inline constexpr ConnectionState CONNECTION_STATE_NONE = ConnectionState::kNone;
inline constexpr ConnectionState CONNECTION_STATE_CONNECTING = ConnectionState::kConnecting;
inline constexpr ConnectionState CONNECTION_STATE_FINDING_ROUTE = ConnectionState::kFindingRoute;
inline constexpr ConnectionState CONNECTION_STATE_CONNECTED = ConnectionState::kConnected;
inline constexpr ConnectionState CONNECTION_STATE_CLOSED_BY_PEER = ConnectionState::kClosedByPeer;
inline constexpr ConnectionState CONNECTION_STATE_PROBLEM_DETECTED_LOCALLY =
    ConnectionState::kProblemDetectedLocally;
inline constexpr ConnectionState CONNECTION_STATE_FIN_WAIT = ConnectionState::kFinWait;
inline constexpr ConnectionState CONNECTION_STATE_LINGER = ConnectionState::kLinger;
inline constexpr ConnectionState CONNECTION_STATE_DEAD = ConnectionState::kDead;
inline constexpr ConnectionState CONNECTION_STATE_FORCE_32BIT =
    static_cast<ConnectionState>(0x7fffffff);  // marker, never a real state

// ---- NetworkingConnectionEnd (config.md §5.3, §6.4) -------------------------------------------
inline constexpr ConnectionEnd CONNECTION_END_INVALID = ConnectionEnd::kInvalid;
inline constexpr ConnectionEnd CONNECTION_END_APP_MIN = ConnectionEnd::kAppMin;
inline constexpr ConnectionEnd CONNECTION_END_APP_GENERIC = ConnectionEnd::kAppGeneric;
inline constexpr ConnectionEnd CONNECTION_END_APP_MAX = ConnectionEnd::kAppMax;
inline constexpr ConnectionEnd CONNECTION_END_APP_EXCEPTION_MIN = ConnectionEnd::kAppExceptionMin;
inline constexpr ConnectionEnd CONNECTION_END_APP_EXCEPTION_GENERIC =
    ConnectionEnd::kAppExceptionGeneric;
inline constexpr ConnectionEnd CONNECTION_END_APP_EXCEPTION_MAX = ConnectionEnd::kAppExceptionMax;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_MIN = ConnectionEnd::kLocalMin;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_OFFLINE_MODE = ConnectionEnd::kLocalOfflineMode;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_MANY_RELAY_CONNECTIVITY =
    ConnectionEnd::kLocalManyRelayConnectivity;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_HOSTED_SERVER_PRIMARY_RELAY =
    ConnectionEnd::kLocalHostedServerPrimaryRelay;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_NETWORK_CONFIG =
    ConnectionEnd::kLocalNetworkConfig;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_RIGHTS = ConnectionEnd::kLocalRights;
inline constexpr ConnectionEnd CONNECTION_END_NO_PUBLIC_ADDRESS =  // [sic]
    ConnectionEnd::kLocalP2PICENoPublicAddresses;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_P2P_ICE_NO_PUBLIC_ADDRESSES =  // corrected
    ConnectionEnd::kLocalP2PICENoPublicAddresses;
inline constexpr ConnectionEnd CONNECTION_END_LOCAL_MAX = ConnectionEnd::kLocalMax;
inline constexpr ConnectionEnd CONNECTION_END_REMOVE_MIN = ConnectionEnd::kRemoteMin;  // [sic]
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_MIN = ConnectionEnd::kRemoteMin;  // corrected
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_TIMEOUT = ConnectionEnd::kRemoteTimeout;
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_BAD_CRYPT = ConnectionEnd::kRemoteBadCrypt;
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_BAD_CERT = ConnectionEnd::kRemoteBadCert;
inline constexpr ConnectionEnd CONNECTION_END_BAD_PROTOCOL_VERSION =  // [sic]
    ConnectionEnd::kRemoteBadProtocolVersion;
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_BAD_PROTOCOL_VERSION =  // corrected
    ConnectionEnd::kRemoteBadProtocolVersion;
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_P2P_ICE_NO_PUBLIC_ADDRESSES =
    ConnectionEnd::kRemoteP2PICENoPublicAddresses;
inline constexpr ConnectionEnd CONNECTION_END_REMOTE_MAX = ConnectionEnd::kRemoteMax;
inline constexpr ConnectionEnd CONNECTION_END_MISC_MIN = ConnectionEnd::kMiscMin;
inline constexpr ConnectionEnd CONNECTION_END_MISC_GENERIC = ConnectionEnd::kMiscGeneric;
inline constexpr ConnectionEnd CONNECTION_END_MISC_INTERNAL_ERROR =
    ConnectionEnd::kMiscInternalError;
inline constexpr ConnectionEnd CONNECTION_END_MISC_TIMEOUT = ConnectionEnd::kMiscTimeout;
inline constexpr ConnectionEnd CONNECTION_END_MISC_STEAM_CONNECTIVITY =
    ConnectionEnd::kMiscSteamConnectivity;
inline constexpr ConnectionEnd CONNECTION_END_MISC_NO_RELAY_SESSIONS_TO_CLIENT =
    ConnectionEnd::kMiscNoRelaySessionsToClient;
inline constexpr ConnectionEnd CONNECTION_END_MISC_P2P_RENDEZVOUS =
    ConnectionEnd::kMiscP2PRendezvous;
inline constexpr ConnectionEnd CONNECTION_END_MISC_P2P_NAT_FIREWALL =
    ConnectionEnd::kMiscP2PNATFirewall;
inline constexpr ConnectionEnd CONNECTION_END_MISC_PEER_SENT_NO_CONNECTION =
    ConnectionEnd::kMiscPeerSentNoConnection;
inline constexpr ConnectionEnd CONNECTION_END_MISC_MAX = ConnectionEnd::kMiscMax;
inline constexpr ConnectionEnd CONNECTION_END_FORCE32BIT =
    static_cast<ConnectionEnd>(0x7fffffff);  // marker

// ---- NetworkingAvailability (config.md §5.4, §6.4) --------------------------------------------
inline constexpr Availability NETWORKING_AVAILABILITY_CANNOT_TRY = Availability::kCannotTry;
inline constexpr Availability NETWORKING_AVAILABILITY_FAILED = Availability::kFailed;
inline constexpr Availability NETWORKING_AVAILABILITY_PREVIOUSLY = Availability::kPreviously;
inline constexpr Availability NETWORKING_AVAILABILITY_RETRYING = Availability::kRetrying;
inline constexpr Availability NETWORKING_AVAILABILITY_NEVER_TRIED = Availability::kNeverTried;
inline constexpr Availability NETWORKING_AVAILABILITY_WAITING = Availability::kWaiting;
inline constexpr Availability NETWORKING_AVAILABILITY_ATTEMPTING = Availability::kAttempting;
inline constexpr Availability NETWORKING_AVAILABILITY_CURRENT = Availability::kCurrent;
inline constexpr Availability NETWORKING_AVAILABILITY_UNKNOWN = Availability::kUnknown;
inline constexpr Availability NETWORKING_AVAILABILITY_FORCE_32BIT =
    static_cast<Availability>(0x7fffffff);  // marker

// ---- NetworkingFakeIPType (config.md §5.6, §6.4) ----------------------------------------------
inline constexpr FakeIPType FAKE_IP_TYPE_INVALID = FakeIPType::kInvalid;
inline constexpr FakeIPType FAKE_IP_TYPE_NOT_FAKE = FakeIPType::kNotFake;
inline constexpr FakeIPType FAKE_IP_TYPE_GLOBAL_IPV4 = FakeIPType::kGlobalIPv4;
inline constexpr FakeIPType FAKE_IP_TYPE_LOCAL_IPV4 = FakeIPType::kLocalIPv4;
inline constexpr FakeIPType FAKE_IP_TYPE_FORCE32BIT = static_cast<FakeIPType>(0x7fffffff);

// ---- NetworkingIdentityType (config.md §5.5, §6.4) --------------------------------------------
inline constexpr IdentityType IDENTITY_TYPE_INVALID = IdentityType::kInvalid;
inline constexpr IdentityType IDENTITY_TYPE_STEAMID = IdentityType::kSteamID;
inline constexpr IdentityType IDENTITY_TYPE_IP_ADDRESS = IdentityType::kIPAddress;
inline constexpr IdentityType IDENTITY_TYPE_GENERIC_STRING = IdentityType::kGenericString;
inline constexpr IdentityType IDENTITY_TYPE_GENERIC_BYTES = IdentityType::kGenericBytes;
inline constexpr IdentityType IDENTITY_TYPE_UNKNOWN_TYPE = IdentityType::kUnknownType;
inline constexpr IdentityType IDENTITY_TYPE_XBOX_PAIRWISE = IdentityType::kXboxPairwiseID;
inline constexpr IdentityType IDENTITY_TYPE_SONY_PSN = IdentityType::kSonyPSN;
// Steam SDK value with no GNS identity kind: an identity never has this type (config.md §6.4).
inline constexpr IdentityType IDENTITY_TYPE_GOOGLE_STADIA = static_cast<IdentityType>(19);
inline constexpr IdentityType IDENTITY_TYPE_FORCE_32BIT = static_cast<IdentityType>(0x7fffffff);

}  // namespace opengns::compat
