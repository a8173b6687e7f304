// The lifecycle.md §1-2 state rules (see connection_state.h).
#include "connection/connection_state.h"

namespace opengns::connection {

ConnectionState collapseState(ConnectionState state) {
  return static_cast<int32_t>(state) < 0 ? ConnectionState::kNone : state;
}

bool shouldNotify(ConnectionState old_state, ConnectionState new_state) {
  return collapseState(old_state) != collapseState(new_state);
}

bool isActiveOnWire(ConnectionState state) {
  switch (state) {
    case ConnectionState::kConnecting:
    case ConnectionState::kFindingRoute:
    case ConnectionState::kConnected:
    case ConnectionState::kLinger:
      return true;
    default:
      return false;
  }
}

bool isClosingState(ConnectionState state) {
  return state == ConnectionState::kClosedByPeer ||
         state == ConnectionState::kProblemDetectedLocally || state == ConnectionState::kFinWait;
}

ConnectionState nextWireState(ConnectionState old_state, ConnectionState old_wire_state,
                              ConnectionState new_state) {
  switch (new_state) {
    case ConnectionState::kLinger:
      return ConnectionState::kConnected;  // keeps acting connected on the wire
    case ConnectionState::kFinWait:
      if (old_state == ConnectionState::kClosedByPeer ||
          old_state == ConnectionState::kProblemDetectedLocally) {
        return old_wire_state;
      }
      return ConnectionState::kFinWait;
    default:
      return new_state;
  }
}

std::string truncateEndDebug(std::string_view text) {
  return std::string(text.substr(0, kMaxEndDebugBytes));
}

AppCloseReason appCloseReason(int reason, std::string_view debug) {
  AppCloseReason out;
  if (reason == 0) reason = static_cast<int>(ConnectionEnd::kAppGeneric);
  const bool in_app_range = reason >= static_cast<int>(ConnectionEnd::kAppMin) &&
                            reason <= static_cast<int>(ConnectionEnd::kAppExceptionMax);
  if (!in_app_range) {
    out.reason = ConnectionEnd::kAppMax;
    out.debug = std::string(kInvalidReasonDebug);
    return out;
  }
  out.reason = static_cast<ConnectionEnd>(reason);
  if (debug.empty()) {
    out.debug = std::string(reason <= static_cast<int>(ConnectionEnd::kAppMax)
                                ? kDefaultAppCloseDebug
                                : kDefaultAppExceptionCloseDebug);
  } else {
    out.debug = truncateEndDebug(debug);
  }
  return out;
}

std::string_view stateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kNone:
      return "None";
    case ConnectionState::kConnecting:
      return "Connecting";
    case ConnectionState::kFindingRoute:
      return "FindingRoute";
    case ConnectionState::kConnected:
      return "Connected";
    case ConnectionState::kClosedByPeer:
      return "ClosedByPeer";
    case ConnectionState::kProblemDetectedLocally:
      return "ProblemDetectedLocally";
    case ConnectionState::kFinWait:
      return "FinWait";
    case ConnectionState::kLinger:
      return "Linger";
    case ConnectionState::kDead:
      return "Dead";
  }
  return "?";
}

}  // namespace opengns::connection
