// NetworkingIPAddr <-> transport::SocketAddress: IPv4 stays IPv4 (mapped on one side,
// plain on the other), IPv6 stays IPv6, ports kept, round trips exact.
#include "api/socket_address_convert.h"

#include <gtest/gtest.h>

namespace opengns::api {
namespace {

TEST(SocketAddressConvert, RoundTrips) {
  for (const char* text : {"127.0.0.1:27020", "10.1.2.3:1", "[::1]:5", "[2001:db8::7]:65535"}) {
    const NetworkingIPAddr address = *NetworkingIPAddr::parse(text);
    const transport::SocketAddress socket = toSocketAddress(address);
    EXPECT_EQ(socket.isIpv4(), address.isIPv4()) << text;
    EXPECT_EQ(socket.port(), address.port());
    EXPECT_EQ(toNetworkingIPAddr(socket), address) << text;
  }
  EXPECT_EQ(toSocketAddress(*NetworkingIPAddr::parse("127.0.0.1:9")),
            transport::SocketAddress::ipv4Loopback(9));
  EXPECT_EQ(toSocketAddress(NetworkingIPAddr::localHost(9)),
            transport::SocketAddress::ipv6Loopback(9));
  EXPECT_TRUE(toNetworkingIPAddr(transport::SocketAddress()).isAny());
}

}  // namespace
}  // namespace opengns::api
