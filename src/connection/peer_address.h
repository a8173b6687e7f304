// The peer's UDP address as the connection layer sees it: a 16-byte IPv6 address (IPv4
// held IPv4-mapped, ::ffff:a.b.c.d) plus the port in host order. This is exactly the
// public NetworkingIPAddr value type, so the layer reuses it: the anonymous peer's
// identity becomes this address (crypto.md §1.3) and the challenge hashes its bytes
// (udp.md §3.3) without conversions. The transport layer (not a dependency here) maps
// its socket addresses to this canonical form, one form per address (udp.md §1).
#pragma once

#include "opengns/types.h"

namespace opengns::connection {

using PeerAddress = NetworkingIPAddr;

// A loopback address: 127.0.0.0/8 or ::1 (lifecycle.md §8.3). Decides whether
// IPLocalHost_AllowWithoutAuth applies (crypto.md §2.7).
inline bool isLoopbackAddress(const PeerAddress& address) {
  if (address.isIPv4()) return (address.ipv4() >> 24) == 127;
  return NetworkingIPAddr::localHost(address.port()) == address;
}

}  // namespace opengns::connection
