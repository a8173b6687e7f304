// The failure value of the handshake checks in this layer: the ESteamNetConnectionEnd
// reason the connection ends with (lifecycle.md §2, config.md §5.3) plus a debug text for
// the log / the ConnectionClosed message, and what the caller must do with the packet.
//
// Why not absl::Status: the state machine needs the numeric end reason (it goes on the
// wire in ConnectionClosed) and the drop-or-fail decision, which a Status cannot carry
// without string parsing.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "opengns/types.h"

namespace opengns::connection {

struct HandshakeError {
  int end_reason = 0;  // ESteamNetConnectionEnd value, e.g. 4002
  std::string debug;   // human-readable, at most ~127 bytes when sent (udp.md §2.6)
  // true: ignore the packet, the connection is not affected (udp.md §2.4 steps 3-4, §2.5
  // step 3: identity that does not parse or is not allowed). false: the handshake failed
  // with end_reason. A GNS server drops a ConnectRequest silently on every failure found
  // when it arrives (udp.md §2.4 step 6); that decision is the state machine's.
  bool drop_packet = false;
};

inline HandshakeError handshakeFail(ConnectionEnd reason, std::string debug) {
  return HandshakeError{static_cast<int>(reason), std::move(debug), false};
}
inline HandshakeError handshakeDrop(ConnectionEnd reason, std::string debug) {
  return HandshakeError{static_cast<int>(reason), std::move(debug), true};
}

// Either a T or a HandshakeError (a minimal std::expected, which C++20 lacks).
template <typename T>
class HandshakeOr {
 public:
  HandshakeOr(T value) : v_(std::move(value)) {}               // NOLINT: implicit by design
  HandshakeOr(HandshakeError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const HandshakeError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, HandshakeError> v_;
};

// For checks that produce nothing: nullopt = passed.
using HandshakeCheck = std::optional<HandshakeError>;

}  // namespace opengns::connection
