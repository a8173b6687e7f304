// The configuration values the UDP connection state machine reads (config.md; the config
// store itself lives in the API layer above). The API layer fills one from the
// connection's effective config and calls UdpConnection::updateConfig() whenever a value
// changes: timeouts and MTU are re-read at every think (lifecycle.md §5.1); the crypto
// values take effect at the next handshake step that uses them (client: frozen at
// connect; server: at accept, lifecycle.md §3.1).
// SNP values (send rates, Nagle, buffers, lanes) are not here: the DataPlaneFactory the
// API layer provides captures them.
#pragma once

#include <cstdint>

#include "connection/auth_policy.h"
#include "connection/cipher_negotiation.h"

namespace opengns::connection {

struct ConnectionConfig {
  int32_t timeout_initial_ms = 10000;            // TimeoutInitial (24), 0..INT32_MAX
  int32_t timeout_connected_ms = 10000;          // TimeoutConnected (25), 0..INT32_MAX
  int unencrypted = kUnencryptedForbidden;       // Unencrypted (34), 0..3
  AuthPolicy auth;                               // IP_AllowWithoutAuth (23), IPLocalHost_... (52)
  int32_t mtu_packet_size = 1300;                // MTU_PacketSize (32), 200..1300 bytes
  int32_t send_time_since_previous_packet = -1;  // SendTimeSincePreviousPacket, -1..1
};

}  // namespace opengns::connection
