// Conversions between the public address type (NetworkingIPAddr, which the connection
// layer uses as PeerAddress: 16 bytes, IPv4 held IPv4-mapped) and the transport's
// SocketAddress (canonical: an IPv4 peer is plain IPv4 whichever socket it came in on).
// Both are canonical, so a round trip is exact and routing by source address compares
// like with like.
#pragma once

#include "opengns/types.h"
#include "transport/socket_address.h"

namespace opengns::api {

// IPv4-mapped -> IPv4, anything else -> IPv6 (the all-zero address becomes [::]).
transport::SocketAddress toSocketAddress(const NetworkingIPAddr& address);
// IPv4 -> ::ffff:a.b.c.d; IPv6 as is (the scope id is dropped: link-local peers are not
// supported by the connection layer); the empty address -> all zero.
NetworkingIPAddr toNetworkingIPAddr(const transport::SocketAddress& address);

}  // namespace opengns::api
