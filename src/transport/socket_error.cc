#include "transport/socket_error.h"

#include <errno.h>

namespace opengns::transport {

SocketErrorKind classifySocketError(int error) {
  switch (error) {
    case EINTR:
      return SocketErrorKind::kInterrupted;
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case ENOBUFS:
      return SocketErrorKind::kWouldBlock;
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EPROTO:
    case ENONET:
      return SocketErrorKind::kAsyncIcmp;
    case EMSGSIZE:
    case EPERM:
    case EACCES:
    case EINVAL:
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
    case EDESTADDRREQ:
    case EIO:
    case EOPNOTSUPP:
      return SocketErrorKind::kDatagramRefused;
    default:
      return SocketErrorKind::kFatal;
  }
}

}  // namespace opengns::transport
