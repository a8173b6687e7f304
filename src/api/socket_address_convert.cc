#include "api/socket_address_convert.h"

#include <algorithm>
#include <array>

namespace opengns::api {

transport::SocketAddress toSocketAddress(const NetworkingIPAddr& address) {
  if (address.isIPv4()) {
    const uint32_t v4 = address.ipv4();
    return transport::SocketAddress::ipv4(
        {static_cast<uint8_t>(v4 >> 24), static_cast<uint8_t>(v4 >> 16),
         static_cast<uint8_t>(v4 >> 8), static_cast<uint8_t>(v4)},
        address.port());
  }
  return transport::SocketAddress::ipv6(address.ipv6(), address.port());
}

NetworkingIPAddr toNetworkingIPAddr(const transport::SocketAddress& address) {
  std::span<const uint8_t> bytes = address.addressBytes();
  if (address.isIpv4() && bytes.size() == 4) {
    const uint32_t v4 = (static_cast<uint32_t>(bytes[0]) << 24) |
                        (static_cast<uint32_t>(bytes[1]) << 16) |
                        (static_cast<uint32_t>(bytes[2]) << 8) | static_cast<uint32_t>(bytes[3]);
    return NetworkingIPAddr::fromIPv4(v4, address.port());
  }
  if (address.isIpv6() && bytes.size() == 16) {
    std::array<uint8_t, 16> v6{};
    std::copy(bytes.begin(), bytes.end(), v6.begin());
    return NetworkingIPAddr::fromIPv6(v6, address.port());
  }
  return NetworkingIPAddr();
}

}  // namespace opengns::api
