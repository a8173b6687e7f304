// UdpSocket: one non-blocking, close-on-exec UDP socket, owned RAII-style.
//
// Why it exists: the service thread needs a bound socket with the kernel features that
// make loopback and LAN traffic cheap (big buffers, GRO on receive, GSO on send), and a
// clean fallback when they are missing. What it guarantees:
// - "[::]:port" gives a dual-stack socket (IPV6_V6ONLY=0) that also accepts IPv4 peers;
//   without IPv6 support it falls back to an IPv4-only socket on 0.0.0.0:port.
// - groEnabled() is true only if the kernel accepted UDP_GRO: a reader must then expect
//   coalesced buffers (UdpPacketReader does). gsoSupported() is a runtime probe of
//   UDP_SEGMENT; a writer may still find a particular send refused and fall back.
// Threading: not thread-safe; the service thread owns it. Move-only.
#pragma once

#include "absl/status/statusor.h"
#include "transport/socket_address.h"

namespace opengns::transport {

struct UdpSocketOptions {
  // Requested SO_SNDBUF / SO_RCVBUF in bytes; 0 keeps the kernel default. As root the
  // *FORCE variants are tried first so net.core.{w,r}mem_max does not cap the request.
  // The kernel reports (and reserves) twice the requested value.
  int send_buffer_bytes = 0;
  int receive_buffer_bytes = 0;
  // Ask for UDP_GRO (coalesced receive). Off if the kernel refuses; never an error.
  bool enable_gro = true;
};

class UdpSocket {
 public:
  // Creates, configures and binds a socket. Port 0 picks an ephemeral port.
  static absl::StatusOr<UdpSocket> open(const SocketAddress& bind_address,
                                        const UdpSocketOptions& options = {});

  UdpSocket() = default;  // not open
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  bool isOpen() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // AF_INET or AF_INET6: the form destination addresses must take (SocketAddress::toSockaddrFor).
  int family() const { return family_; }
  // True for an AF_INET6 socket that also carries IPv4 (IPV6_V6ONLY=0).
  bool dualStack() const { return dual_stack_; }
  // The bound address with the port the kernel chose; cached at open().
  const SocketAddress& localAddress() const { return local_address_; }
  // Asks the kernel again (getsockname).
  absl::StatusOr<SocketAddress> queryLocalAddress() const;
  // Whether this socket can send to `peer` at all (an IPv4-only socket cannot reach IPv6).
  bool canReach(const SocketAddress& peer) const;

  absl::Status setSendBufferBytes(int bytes);
  absl::Status setReceiveBufferBytes(int bytes);
  absl::StatusOr<int> sendBufferBytes() const;
  absl::StatusOr<int> receiveBufferBytes() const;

  // Turns UDP_GRO on or off; returns whether it is now on.
  bool setGro(bool enable);
  bool groEnabled() const { return gro_enabled_; }
  bool gsoSupported() const { return gso_supported_; }

  void close();

 private:
  absl::Status setBuffer(int option, int force_option, const char* name, int bytes);
  absl::StatusOr<int> getBuffer(int option, const char* name) const;

  int fd_ = -1;
  int family_ = 0;
  bool dual_stack_ = false;
  bool gro_enabled_ = false;
  bool gso_supported_ = false;
  SocketAddress local_address_;
};

}  // namespace opengns::transport
