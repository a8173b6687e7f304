// Closing connections so that the last lines sent on them still arrive.
//
// Why wait before closing: once closeConnection() returns, the handle is gone, so the
// program can no longer see when lingering data has been delivered; and the program exits
// right after, destroying its NetworkingSockets, which drops connections still lingering.
// So we first wait (bounded) until each connection has no reliable data left unsent or
// unacknowledged, then close it with linger anyway, in case something was still in flight.
// The close packet itself is sent before the instance's destructor returns.
#pragma once

#include <chrono>
#include <span>
#include <string_view>

#include "opengns/networking_sockets.h"

namespace opengns::chat {

// How long we wait for the peers' acknowledgements before closing anyway (a peer that
// has gone silent must not keep us from exiting).
inline constexpr std::chrono::milliseconds kDeliveryPatience{5000};

// Flushes, waits for delivery (at most `patience`), then closes every connection with
// `reason` (an application code, 1000..1999) and `debug`, with linger. Connections that
// are no longer connected are closed without waiting. No callbacks run meanwhile.
void closeAfterDelivery(NetworkingSockets& sockets, std::span<const ConnectionHandle> connections,
                        int reason, std::string_view debug,
                        std::chrono::milliseconds patience = kDeliveryPatience);

}  // namespace opengns::chat
