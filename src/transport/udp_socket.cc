#include "transport/udp_socket.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace opengns::transport {
namespace {

absl::Status errnoStatus(int error, std::string_view what) {
  return absl::Status(
      absl::ErrnoToStatusCode(error),
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", std::strerror(error)));
}

// Creates a socket of `family` and binds it. On failure returns the errno of the step that
// failed (in *error) and a status; the caller decides whether to fall back.
absl::StatusOr<int> createAndBind(const SocketAddress& address, int family, bool dual_stack,
                                  int* error) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) {
    *error = errno;
    return errnoStatus(errno, absl::StrCat("udp socket: socket(", family, ")"));
  }
  if (family == AF_INET6) {
    // Explicit either way: the net.ipv6.bindv6only sysctl must not decide for us.
    const int v6only = dual_stack ? 0 : 1;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) != 0) {
      *error = errno;
      ::close(fd);
      return errnoStatus(*error, "udp socket: IPV6_V6ONLY");
    }
  }
  sockaddr_storage storage;
  const socklen_t length = address.toSockaddrFor(family, &storage);
  if (length == 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    *error = length == 0 ? EAFNOSUPPORT : errno;
    ::close(fd);
    return errnoStatus(*error, absl::StrCat("udp socket: bind ", address.toString()));
  }
  return fd;
}

}  // namespace

absl::StatusOr<UdpSocket> UdpSocket::open(const SocketAddress& bind_address,
                                          const UdpSocketOptions& options) {
  if (bind_address.empty()) {
    return absl::InvalidArgumentError("udp socket: bind address is empty");
  }
  UdpSocket socket;
  int error = 0;
  if (bind_address.isIpv6()) {
    const bool dual_stack = bind_address.isAny();
    absl::StatusOr<int> fd = createAndBind(bind_address, AF_INET6, dual_stack, &error);
    if (!fd.ok() && dual_stack &&
        (error == EAFNOSUPPORT || error == EADDRNOTAVAIL || error == EPROTONOSUPPORT)) {
      // No IPv6 on this host: serve IPv4 alone rather than nothing.
      OPENGNS_LOG(LogLevel::kWarning, "udp socket: IPv6 unavailable (", fd.status().message(),
                  "), binding IPv4 only");
      fd = createAndBind(SocketAddress::ipv4Any(bind_address.port()), AF_INET, false, &error);
      if (!fd.ok()) return fd.status();
      socket.fd_ = *fd;
      socket.family_ = AF_INET;
    } else {
      if (!fd.ok()) return fd.status();
      socket.fd_ = *fd;
      socket.family_ = AF_INET6;
      socket.dual_stack_ = dual_stack;
    }
  } else {
    absl::StatusOr<int> fd = createAndBind(bind_address, AF_INET, false, &error);
    if (!fd.ok()) return fd.status();
    socket.fd_ = *fd;
    socket.family_ = AF_INET;
  }

  absl::StatusOr<SocketAddress> local = socket.queryLocalAddress();
  if (!local.ok()) return local.status();
  socket.local_address_ = *local;

  if (options.send_buffer_bytes > 0) {
    if (absl::Status status = socket.setSendBufferBytes(options.send_buffer_bytes); !status.ok()) {
      return status;
    }
  }
  if (options.receive_buffer_bytes > 0) {
    if (absl::Status status = socket.setReceiveBufferBytes(options.receive_buffer_bytes);
        !status.ok()) {
      return status;
    }
  }

  // UDP_SEGMENT is readable (as the current segment size, 0) exactly on kernels that
  // implement UDP GSO; older ones answer ENOPROTOOPT.
  int segment_size = 0;
  socklen_t segment_length = sizeof(segment_size);
  socket.gso_supported_ =
      getsockopt(socket.fd_, SOL_UDP, UDP_SEGMENT, &segment_size, &segment_length) == 0;
  if (options.enable_gro) socket.setGro(true);
  return socket;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      family_(other.family_),
      dual_stack_(other.dual_stack_),
      gro_enabled_(other.gro_enabled_),
      gso_supported_(other.gso_supported_),
      local_address_(other.local_address_) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    family_ = other.family_;
    dual_stack_ = other.dual_stack_;
    gro_enabled_ = other.gro_enabled_;
    gso_supported_ = other.gso_supported_;
    local_address_ = other.local_address_;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  close();
}

void UdpSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  gro_enabled_ = false;
}

absl::StatusOr<SocketAddress> UdpSocket::queryLocalAddress() const {
  sockaddr_storage storage;
  socklen_t length = sizeof(storage);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    return errnoStatus(errno, "udp socket: getsockname");
  }
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
}

bool UdpSocket::canReach(const SocketAddress& peer) const {
  if (peer.empty() || fd_ < 0) return false;
  if (family_ == AF_INET) return peer.isIpv4();
  // An AF_INET6 socket reaches IPv4 peers only through IPv4-mapped addresses (dual stack).
  return peer.isIpv6() || dual_stack_;
}

absl::Status UdpSocket::setBuffer(int option, int force_option, const char* name, int bytes) {
  if (bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("udp socket: ", name, " ", bytes, " <= 0"));
  }
  // FORCE needs CAP_NET_ADMIN; without it, the plain option silently caps at *mem_max.
  if (setsockopt(fd_, SOL_SOCKET, force_option, &bytes, sizeof(bytes)) == 0) {
    return absl::OkStatus();
  }
  if (setsockopt(fd_, SOL_SOCKET, option, &bytes, sizeof(bytes)) != 0) {
    return errnoStatus(errno, absl::StrCat("udp socket: ", name, " ", bytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> UdpSocket::getBuffer(int option, const char* name) const {
  int bytes = 0;
  socklen_t length = sizeof(bytes);
  if (getsockopt(fd_, SOL_SOCKET, option, &bytes, &length) != 0) {
    return errnoStatus(errno, absl::StrCat("udp socket: get ", name));
  }
  return bytes;
}

absl::Status UdpSocket::setSendBufferBytes(int bytes) {
  return setBuffer(SO_SNDBUF, SO_SNDBUFFORCE, "SO_SNDBUF", bytes);
}

absl::Status UdpSocket::setReceiveBufferBytes(int bytes) {
  return setBuffer(SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUF", bytes);
}

absl::StatusOr<int> UdpSocket::sendBufferBytes() const {
  return getBuffer(SO_SNDBUF, "SO_SNDBUF");
}

absl::StatusOr<int> UdpSocket::receiveBufferBytes() const {
  return getBuffer(SO_RCVBUF, "SO_RCVBUF");
}

bool UdpSocket::setGro(bool enable) {
  if (fd_ < 0) return false;
  const int value = enable ? 1 : 0;
  if (setsockopt(fd_, SOL_UDP, UDP_GRO, &value, sizeof(value)) == 0) {
    gro_enabled_ = enable;
  } else if (enable) {
    OPENGNS_LOG(LogLevel::kVerbose, "udp socket: UDP_GRO refused (", std::strerror(errno),
                "), receiving one datagram per buffer");
    gro_enabled_ = false;
  }
  return gro_enabled_;
}

}  // namespace opengns::transport
