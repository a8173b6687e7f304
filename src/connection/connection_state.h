// The connection state rules of lifecycle.md §1-2 as pure functions: which states the
// application may see (the collapse rule), the "wire state" that decides which close
// packet a connection sends, and what end reason and debug text closeConnection records.
//
// Guarantees: collapseState() never returns a negative (internal) state; shouldNotify()
// is true exactly when the collapsed state changes (lifecycle.md §1.3; the T2 and T21
// exceptions are the caller's); appCloseReason() maps every int the application may pass
// to a legal end reason (§2.2) and every debug text it returns is at most 127 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "opengns/types.h"

namespace opengns::connection {

// lifecycle.md §2.4: the end-debug text keeps at most 127 bytes (128-byte buffer).
inline constexpr size_t kMaxEndDebugBytes = 127;
// lifecycle.md §8.2: the description keeps at most 127 bytes.
inline constexpr size_t kMaxDescriptionBytes = 127;

// lifecycle.md §1.1 collapse rule: negative internal states (FinWait, Linger, Dead) are
// reported as None.
ConnectionState collapseState(ConnectionState state);

// lifecycle.md §1.3: a status-changed callback is queued when the collapsed state changes.
bool shouldNotify(ConnectionState old_state, ConnectionState new_state);

// True for the states in which the connection is still active on the wire: Connecting,
// FindingRoute, Connected, Linger (lifecycle.md §2.2).
bool isActiveOnWire(ConnectionState state);

// True for the states in which the connection answers traffic with a close packet:
// ClosedByPeer, ProblemDetectedLocally, FinWait (udp.md §1.1 third column).
bool isClosingState(ConnectionState state);

// lifecycle.md §1.1 wire-state table: the wire state after entering `new_state` from a
// connection whose state was `old_state` and wire state `old_wire_state`.
ConnectionState nextWireState(ConnectionState old_state, ConnectionState old_wire_state,
                              ConnectionState new_state);

// Truncates to at most kMaxEndDebugBytes bytes (bytes, as GNS does: may split UTF-8).
std::string truncateEndDebug(std::string_view text);

// What closeConnection records (lifecycle.md §2.2).
struct AppCloseReason {
  ConnectionEnd reason = ConnectionEnd::kAppGeneric;
  std::string debug;  // never empty, at most 127 bytes
};

// LOCAL default texts (lifecycle.md §2.2, §2.3).
inline constexpr std::string_view kDefaultAppCloseDebug = "Application closed connection";
inline constexpr std::string_view kDefaultAppExceptionCloseDebug =
    "Application closed connection in an unusual way";
inline constexpr std::string_view kInvalidReasonDebug = "Invalid numeric reason code";
inline constexpr std::string_view kDefaultPeerClosedDebug =
    "The remote host closed the connection.";
inline constexpr std::string_view kPeerSentNoConnectionDebug =
    "Received unexpected 'no connection' from peer";
inline constexpr std::string_view kConnectTimeoutDebug = "Timed out attempting to connect";
inline constexpr std::string_view kAcceptTimeoutDebug =
    "App didn't accept or close incoming connection in time.";
inline constexpr std::string_view kConnectionDroppedDebug = "Connection dropped";
inline constexpr std::string_view kDuplicateConnectionDebug =
    "A connection with that ID already exists.";

// lifecycle.md §2.2: 0 -> 1000; 1000..2999 as passed; anything else -> 1999 with the debug
// text replaced. An empty debug text gets the default of the reason's range.
AppCloseReason appCloseReason(int reason, std::string_view debug);

// "Connecting", "FinWait", ... for logs and test messages.
std::string_view stateName(ConnectionState state);

}  // namespace opengns::connection
