// SocketAddress: the transport's own value type for an IP address and UDP port.
//
// Why it exists: routing of received datagrams is by exact source address (udp.md §1), and
// on a dual-stack socket an IPv4 peer arrives as ::ffff:a.b.c.d. Every SocketAddress is
// kept in one canonical form (an IPv4-mapped IPv6 address is stored as plain IPv4), so a
// peer always compares and hashes equal to itself, whichever socket it came in on.
// Guarantees: equality and hashing cover family, address bytes, port and (IPv6) scope id;
// toString() and parse() round-trip; parse() never resolves names.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace opengns::transport {

class SocketAddress {
 public:
  enum class Family : uint8_t { kNone, kIpv4, kIpv6 };

  // The empty address (family kNone); it is never produced by a received datagram.
  SocketAddress() = default;

  static SocketAddress ipv4(std::array<uint8_t, 4> address, uint16_t port);
  // An IPv4-mapped address (::ffff:a.b.c.d) becomes the plain IPv4 address.
  static SocketAddress ipv6(const std::array<uint8_t, 16>& address, uint16_t port,
                            uint32_t scope_id = 0);
  static SocketAddress ipv4Loopback(uint16_t port) { return ipv4({127, 0, 0, 1}, port); }
  static SocketAddress ipv6Loopback(uint16_t port);
  static SocketAddress ipv4Any(uint16_t port) { return ipv4({0, 0, 0, 0}, port); }
  static SocketAddress ipv6Any(uint16_t port) { return ipv6({}, port); }

  // From a kernel address (AF_INET or AF_INET6; anything else is an error).
  static absl::StatusOr<SocketAddress> fromSockaddr(const sockaddr* address, socklen_t length);

  // "a.b.c.d:port" or "[v6]:port" (optionally "[v6%scope]:port" with a numeric scope id).
  // Numeric only: no DNS, no missing port.
  static absl::StatusOr<SocketAddress> parse(std::string_view text);

  // Writes the address in its own family and returns the length used (0 for kNone).
  socklen_t toSockaddr(sockaddr_storage* out) const;
  // Writes the address as a socket of `socket_family` (AF_INET or AF_INET6) needs it: an
  // IPv4 address given to an AF_INET6 socket becomes ::ffff:a.b.c.d. Returns 0 when the
  // socket cannot reach the address (IPv6 address, AF_INET socket).
  socklen_t toSockaddrFor(int socket_family, sockaddr_storage* out) const;

  // "a.b.c.d:port" or "[v6]:port"; "<none>" for the empty address.
  std::string toString() const;

  Family family() const { return family_; }
  bool isIpv4() const { return family_ == Family::kIpv4; }
  bool isIpv6() const { return family_ == Family::kIpv6; }
  bool empty() const { return family_ == Family::kNone; }
  // 127.0.0.0/8 or ::1.
  bool isLoopback() const;
  // 0.0.0.0 or ::.
  bool isAny() const;
  uint16_t port() const { return port_; }
  uint32_t scopeId() const { return scope_id_; }
  SocketAddress withPort(uint16_t port) const;
  // The 4 (IPv4) or 16 (IPv6) address bytes in network order.
  std::span<const uint8_t> addressBytes() const;

  friend bool operator==(const SocketAddress&, const SocketAddress&) = default;

  template <typename H>
  friend H AbslHashValue(H state, const SocketAddress& address) {
    return H::combine(std::move(state), address.family_, address.bytes_, address.port_,
                      address.scope_id_);
  }

 private:
  Family family_ = Family::kNone;
  // IPv4 uses the first 4 bytes; the rest stay zero so defaulted equality is exact.
  std::array<uint8_t, 16> bytes_{};
  uint16_t port_ = 0;
  uint32_t scope_id_ = 0;
};

}  // namespace opengns::transport
