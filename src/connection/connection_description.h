// The connection description string and info flags of lifecycle.md §8.2-8.3 for a direct
// UDP connection:
//   "#<local id> UDP <addr:port>"             when the peer identity is the IP identity
//                                              of that address, or localhost
//   "#<local id> UDP <identity>@<addr:port>"   otherwise ("invalid@..." while unknown)
//   followed by " '<app name>'" when the application named the connection.
// Addresses render as NetworkingIPAddr::toString ("127.0.0.1:27020", "[::1]:27020"),
// matching the vectors' `description` fields. At most 127 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connection/peer_address.h"
#include "opengns/types.h"

namespace opengns::connection {

std::string describeUdpConnection(uint32_t local_connection_id, const NetworkingIdentity& peer,
                                  const PeerAddress& address, std::string_view app_name = {});

// lifecycle.md §8.3 for direct UDP: Unauthenticated unless the peer is authenticated;
// Unencrypted while no cipher is negotiated or it is NULL; Fast for a loopback peer.
int udpConnectionInfoFlags(bool peer_authenticated, bool cipher_negotiated, bool null_cipher,
                           const PeerAddress& address);

}  // namespace opengns::connection
