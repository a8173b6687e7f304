// Settings shared by the chat server and client: how they talk to each other.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "opengns/networking_sockets.h"

namespace opengns::chat {

// Every chat line is a reliable message: a chat must not lose or reorder lines. Nagle's
// short delay is kept (the stock example sends with this flag too); it only batches lines
// typed in the same few milliseconds.
inline constexpr int kChatSendFlags = kSendReliable;

// How long the main loop waits for typed input before it runs the library's callbacks and
// receives messages again: short enough that chat feels instant, long enough to idle.
inline constexpr std::chrono::milliseconds kLoopInterval{10};

// Close reasons we send (lifecycle.md §2: 1000..1999 are the application's own).
inline constexpr int kCloseReasonNormal = 1000;

// Applied to the listen socket and to the client's connection. Neither side has a
// certificate signed by a trusted authority (the stock example has none either), so
// peers are unauthenticated: IP_AllowWithoutAuth 2 accepts that without warnings. It is
// already the default (config.md §1.4.5); setting it says so in the code, and keeps the
// chat working if a future default turns stricter. Traffic is still encrypted
// (AES-256-GCM with keys from an X25519 exchange).
inline std::array<ConfigOption, 1> chatConnectionOptions() {
  return {ConfigOption{ConfigValue::kIPAllowWithoutAuth, int32_t{2}}};
}

}  // namespace opengns::chat
