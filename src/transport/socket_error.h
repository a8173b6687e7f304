// How the UDP writer and reader classify errno values from send and receive calls.
//
// Why it exists: on UDP most errors concern one datagram or one earlier peer, not the
// socket. The writer must drop exactly the refused datagram and go on, stop (not spin) when
// the socket is full, and give up only when the socket itself is broken.
#pragma once

namespace opengns::transport {

enum class SocketErrorKind {
  kInterrupted,  // EINTR: just retry
  kWouldBlock,   // EAGAIN/EWOULDBLOCK/ENOBUFS: socket or device queue full, try later
  // An ICMP error about some earlier datagram (port/host/net unreachable), reported on this
  // call. The kernel clears it when reporting it; the current datagram was not sent.
  kAsyncIcmp,
  kDatagramRefused,  // EMSGSIZE, EPERM, EACCES, EINVAL, ...: this datagram can never go
  kFatal,            // EBADF, ENOTSOCK, EFAULT, ...: the socket is unusable
};

SocketErrorKind classifySocketError(int error);

}  // namespace opengns::transport
